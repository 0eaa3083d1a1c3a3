"""Resolve stage: checked documents -> `ir.Program` (names and types fully resolved).

`resolver` runs it: `binder` binds type expressions and references, `components` and `sagas`
check and build what they declare. The rules they apply sit beside them: `names` (naming and
clashes), `typeexpr` (the type expression syntax), `durations`, `kafka` (what a `kafka:` binding
may name, and how Restate addresses it) and `eventhash` (event versions).
"""
