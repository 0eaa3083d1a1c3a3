"""Sagas in the resolve stage: steps, participants, keys, reply and error handling."""

from __future__ import annotations

from restagen.compiler import ir, language
from restagen.compiler.load import DocPath
from restagen.compiler.names import check_snake
from restagen.compiler.resolve.binder import BROKEN, SAGA_ERROR_ACTIONS, Binder, Scope
from restagen.diagnostics import did_you_mean


class Sagas(Binder):
    def _participant(self, scope: Scope, text: str, path: DocPath) -> tuple[str, str, str] | None:
        parts = text.split(".")
        if len(parts) not in (2, 3):
            self.error(
                scope.unit,
                path,
                f"'{text}' is not a handler reference",
                "write component.handler or alias.component.handler",
            )
            return None
        target = scope
        if len(parts) == 3:
            found = self._alias(scope, parts[0], path)
            if found is None:
                return None
            target = found
        component, handler = parts[-2], parts[-1]
        if component in target.broken_components:
            return None
        cdef = target.components.get(component)
        if target.kinds.get(component) == "workflow":
            self.error(
                scope.unit,
                path,
                f"'{component}' is a workflow; saga steps invoke handlers of services and objects",
                code="unknown-handler",
            )
            return None
        if cdef is None:
            names = [n for n, k in target.kinds.items() if k != "workflow"]
            self.error(
                scope.unit,
                path,
                f"unknown service or object '{component}'",
                did_you_mean(component, names),
                code="unknown-handler",
            )
            return None
        if handler not in cdef.handlers:
            self.error(
                scope.unit,
                path,
                f"'{component}' has no handler '{handler}'",
                did_you_mean(handler, cdef.handlers),
                code="unknown-handler",
            )
            return None
        return (target.package, component, handler)

    def _saga(self, scope: Scope, name: str, sdef: language.SagaDef) -> ir.Saga | None:
        path: DocPath = ("sagas", name)
        data = self.bind(scope, sdef.data, (*path, "data"))
        if isinstance(data, ir.Named) and self.scopes[data.package].types.get(data.name) == BROKEN:
            data = None
        elif data is not None and not (
            isinstance(data, ir.Named) and self.scopes[data.package].types.get(data.name) == "object"
        ):
            self.error(scope.unit, (*path, "data"), f"saga data must be an object type, not '{sdef.data}'")
            data = None
        data_fields = set()
        if isinstance(data, ir.Named):
            data_fields = set(self.scopes[data.package].unit.document.types[data.name].properties or {})
        if not sdef.steps:
            self.error(scope.unit, (*path, "steps"), "a saga needs at least one step")
        steps = []
        seen: set[str] = set()
        for index, step in enumerate(sdef.steps):
            spath: DocPath = (*path, "steps", index)
            if problem := check_snake(step.name):
                self.error(scope.unit, (*spath, "name"), problem, code="name")
            if step.name in seen:
                self.error(scope.unit, (*spath, "name"), f"duplicate step '{step.name}'", code="duplicate")
            seen.add(step.name)
            if step.local and (step.invoke or step.compensate or step.on_reply):
                self.error(scope.unit, spath, "a local step has no 'invoke', 'compensate' or 'on_reply'")
            if not step.local and step.invoke is None:
                self.error(scope.unit, spath, "a step needs 'invoke' or 'local: true'", code="missing-key")
            invoke = self._participant(scope, step.invoke, (*spath, "invoke")) if step.invoke else None
            compensate = (
                self._participant(scope, step.compensate, (*spath, "compensate")) if step.compensate else None
            )
            for participant, key in ((invoke, "invoke"), (compensate, "compensate")):
                if participant is None or step.key is not None:
                    continue
                if self.scopes[participant[0]].kinds.get(participant[1]) == "object":
                    self.error(
                        scope.unit,
                        (*spath, key),
                        f"object participant '{participant[1]}' needs a key",
                        "add 'key: <field of the saga data>'",
                        code="missing-key",
                    )
            if step.key is not None and data_fields and step.key not in data_fields:
                self.error(
                    scope.unit,
                    (*spath, "key"),
                    f"saga data has no field '{step.key}'",
                    did_you_mean(step.key, data_fields),
                )
            on_reply = []
            for rname, method in step.on_reply.items():
                ref = self.bind(scope, rname, (*spath, "on_reply", rname))
                if problem := check_snake(method):
                    self.error(scope.unit, (*spath, "on_reply", rname), problem, code="name")
                if isinstance(ref, ir.Named):
                    on_reply.append((ref, method))
            on_error = []
            for ename, action in step.on_error.items():
                ref = self._ref(scope, ename, (*spath, "on_error", ename), "errors", "error")
                if action not in SAGA_ERROR_ACTIONS:
                    self.error(
                        scope.unit,
                        (*spath, "on_error", ename),
                        f"unknown on_error action '{action}'",
                        did_you_mean(action, SAGA_ERROR_ACTIONS) or "use compensate or fail",
                    )
                elif ref is not None:
                    on_error.append((ref, action))
            steps.append(
                ir.SagaStep(
                    step.name,
                    invoke,
                    compensate,
                    step.key,
                    tuple(on_reply),
                    tuple(on_error),
                    step.local,
                    step.description,
                )
            )
        if not isinstance(data, ir.Named):
            return None
        return ir.Saga(
            name, data, tuple(steps), self._options(scope, sdef.options, path, "workflow"), sdef.description
        )
