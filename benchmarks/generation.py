"""Generation benchmark: `restagen generate` against datamodel-code-generator on a large schema.

Writes the synthetic schema of `synthetic.py` (100 services x 10 handlers, 500 declared types, five
package files importing each other; seeded) to a temporary folder, then times, in this process:

- restagen full: the CLI's `generate` (compile, render, format, write) into an empty folder;
- datamodel-code-generator alone: `datamodel_code_generator.generate` on the very JSON Schema documents
  restagen feeds it (`package_schema` of each package), with its default formatters (black, isort),
  and, for reference, with ruff as formatter and with no formatting at all;
- restagen no-op: `generate` again into the folder it just wrote, where nothing changes.

It prints medians and minimums (`time.perf_counter`), the two ratios the project targets, a breakdown
of one full run by stage, and how the time of a full run grows with the number of handlers. Then
generation at scale (`scale.py`: 1,000 against 10,000 handlers, each run in a child process, with its
peak RSS) and incremental regeneration (`incremental.py`: a one-line change in one package file out
of 100, against a full run), each with its target and the load average.
`--profile FILE` also runs one full generation under cProfile. `--quick` is a small smoke size.

Run: `.venv/bin/python benchmarks/generation.py [--quick] [--repeat N] [--profile FILE]`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from incremental import TARGET as INCREMENTAL_TARGET
from incremental import IncrementalResult, measure_incremental
from scale import RSS_TARGET, TIME_TARGET, ScaleResult, measure_scale
from synthetic import SchemaSize, write_schema

from restagen import cli
from restagen.compiler import write
from restagen.compiler.format import format_files
from restagen.compiler.pipeline import compile_paths
from restagen.compiler.render.jsonschema import package_schema
from restagen.compiler.render.package import render_program

RATIO_TARGET = 1.3
NOOP_TARGET = 0.20
FULL = "restagen full (compile+render+format+write)"
NOOP = "restagen no-op regeneration"
DMCG = "datamodel-code-generator models only (black+isort)"
STAGES = ("compile", "render", "format", "write")

# restagen's own model options (restagen/compiler/render/models.py), so that both produce the same models.
_DMCG_OPTIONS: dict[str, Any] = {
    "disable_timestamp": True,
    "skip_root_model": True,
    "use_standard_collections": True,
    "use_union_operator": True,
    "use_annotated": True,
    "field_constraints": True,
    "strict_nullable": True,
    "use_schema_description": True,
    "use_field_description": True,
    "use_one_literal_as_default": True,
    "set_default_enum_member": True,
    "allow_population_by_field_name": True,
    "capitalise_enum_members": False,
    "use_double_quotes": True,
}


@dataclass(frozen=True)
class Sample:
    label: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)


def _timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


@contextlib.contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    """The CLI looks for a pyproject.toml from the working directory; keep the repository's out of it."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def _restagen(schemas: Path, out: Path, *, expect: str) -> str:
    """Generate; `expect` is part of the summary, which goes to stdout (problems go to stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["generate", str(schemas), "-o", str(out)])
    if code != 0 or expect not in stdout.getvalue():
        raise SystemExit(f"restagen generate failed (exit {code}):\n{stdout.getvalue()}{stderr.getvalue()}")
    return stdout.getvalue().strip()


def generate_in_process(schemas: Path, out: Path, expect: str) -> str:
    return _restagen(schemas, out, expect=expect)


def _datamodel_codegen(schemas: dict[str, str], out: Path, formatters: list[Any] | None) -> None:
    from datamodel_code_generator import DataModelType, InputFileType, PythonVersion, generate

    options = dict(_DMCG_OPTIONS)
    if formatters is not None:
        options["formatters"] = formatters
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, schema in schemas.items():
            text = generate(
                schema,
                input_file_type=InputFileType.JsonSchema,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_311,
                **options,
            )
            (out / f"{name}.py").write_text(str(text), encoding="utf-8")


class Bench:
    """One schema in a scratch folder, with fresh output folders on demand."""

    def __init__(self, root: Path, size: SchemaSize, seed: int) -> None:
        self.root = root
        self.size = size
        self.schemas = root / f"schemas-{size.handlers}"
        write_schema(self.schemas, size, seed=seed)
        self._outputs = 0

    def fresh_dir(self) -> Path:
        self._outputs += 1
        return self.root / f"out-{self.size.handlers}-{self._outputs}"

    def datamodel_schemas(self) -> dict[str, str]:
        """The JSON Schema documents restagen hands datamodel-code-generator, one per package with types."""
        compilation = compile_paths([self.schemas])
        assert compilation.program is not None, compilation.diagnostics
        return {
            package.name: json.dumps(package_schema(package))
            for package in compilation.program.packages
            if package.types
        }

    def rounds(self, repeat: int, datamodel: dict[str, list[Any] | None]) -> list[Sample]:
        """Full, no-op and each datamodel-code-generator variant, interleaved round by round.

        Interleaving spreads any background load over every measurement instead of one of them.
        """
        schemas = self.datamodel_schemas()
        full: list[float] = []
        noop: list[float] = []
        models: dict[str, list[float]] = {label: [] for label in datamodel}
        for _ in range(repeat):
            out = self.fresh_dir()
            full.append(_timed(partial(_restagen, self.schemas, out, expect="changed)")))
            noop.append(_timed(partial(_restagen, self.schemas, out, expect="(0 changed)")))
            for label, formatters in datamodel.items():
                target = self.fresh_dir()
                models[label].append(_timed(partial(_datamodel_codegen, schemas, target, formatters)))
        return [
            Sample(FULL, full),
            *(Sample(label, seconds) for label, seconds in models.items()),
            Sample(NOOP, noop),
        ]

    def full(self, repeat: int) -> Sample:
        samples = []
        for _ in range(repeat):
            out = self.fresh_dir()
            samples.append(_timed(partial(_restagen, self.schemas, out, expect="changed)")))
        return Sample(FULL, samples)

    def stages(self, repeat: int) -> dict[str, float]:
        """Full runs stage by stage, through the functions the CLI calls; the median of each stage."""
        runs: dict[str, list[float]] = {stage: [] for stage in STAGES}
        for _ in range(repeat):
            start = time.perf_counter()
            compilation = compile_paths([self.schemas])
            assert compilation.program is not None
            lap = time.perf_counter()
            runs["compile"].append(lap - start)
            rendered = render_program(compilation.program)
            runs["render"].append(time.perf_counter() - lap)
            lap = time.perf_counter()
            formatted = format_files(rendered)
            runs["format"].append(time.perf_counter() - lap)
            lap = time.perf_counter()
            write.apply(write.plan(self.fresh_dir(), formatted))
            runs["write"].append(time.perf_counter() - lap)
        return {stage: statistics.median(seconds) for stage, seconds in runs.items()}

    def profile(self, target: Path) -> str:
        out = self.fresh_dir()
        profiler = cProfile.Profile()
        profiler.enable()
        _restagen(self.schemas, out, expect="changed)")
        profiler.disable()
        profiler.dump_stats(target)
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(30)
        return report.getvalue()


def _table(samples: list[Sample]) -> str:
    width = max(len(s.label) for s in samples)
    lines = [f"{'measurement':<{width}}  {'median s':>9}  {'min s':>9}  runs"]
    lines += [f"{s.label:<{width}}  {s.median:>9.3f}  {s.best:>9.3f}  {len(s.seconds)}" for s in samples]
    return "\n".join(lines)


def _machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()}"


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def load_average() -> str:
    try:
        return "load average " + ", ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "load average n/a (not reported by this system)"


def scale_lines(results: list[ScaleResult]) -> list[str]:
    """The scale figures: full time and peak RSS per size, the time ratio and the RSS against their targets."""
    lines = []
    for result in results:
        size = result.size
        lines.append(
            f"  {size.handlers:>6} handlers, {size.types:>5} types: full {result.median:8.3f} s, "
            f"CPU {result.median_cpu:8.3f} s (medians of {len(result.runs)}), "
            f"peak RSS {result.peak_rss / 2**20:7.1f} MiB"
        )
    small, large = results[0], results[-1]
    ratio = large.median / small.median
    rss = large.peak_rss
    lines.append(
        f"ratio {large.size.handlers} / {small.size.handlers} handlers: {ratio:.2f} "
        f"(target <= {TIME_TARGET}: {_verdict(ratio, TIME_TARGET)}); "
        f"CPU time ratio {large.median_cpu / small.median_cpu:.2f}"
    )
    lines.append(
        f"peak RSS at {large.size.handlers} handlers: {rss / 2**20:.1f} MiB "
        f"(target < {RSS_TARGET / 2**30:.0f} GiB: {_verdict(rss, RSS_TARGET - 1)})"
    )
    return lines


def incremental_lines(result: IncrementalResult) -> list[str]:
    size = result.size
    full, incremental = statistics.median(result.full), statistics.median(result.incremental)
    return [
        f"  {size.packages} package files, {size.handlers} handlers, {size.types} types; changed: "
        f"the description line of {result.changed}",
        f"  full {full:.3f} s, incremental {incremental:.3f} s (medians of {len(result.full)})",
        f"ratio incremental / full: {result.ratio:.1%} "
        f"(target <= {INCREMENTAL_TARGET:.0%}: {_verdict(result.ratio, INCREMENTAL_TARGET)})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small schema, few runs: a smoke test")
    parser.add_argument("--repeat", type=int, help="runs per measurement (default 5, quick 2)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--sizes", type=int, nargs="+", help="handler counts of the scaling table")
    parser.add_argument("--profile", type=Path, help="also profile one full run; write cProfile stats here")
    parser.add_argument(
        "--scale", type=int, nargs=2, metavar=("SMALL", "LARGE"), help="handler counts of the scale figure"
    )
    parser.add_argument("--scale-repeat", type=int, help="child runs per scale size (default 3, quick 1)")
    parser.add_argument("--packages", type=int, help="package files of the incremental figure (default 100)")
    parser.add_argument(
        "--profile-handlers",
        type=int,
        metavar="N",
        help="profile a schema of N handlers (default: the main size)",
    )
    args = parser.parse_args(argv)
    profile = args.profile.resolve() if args.profile else None  # before moving into the scratch folder
    repeat = args.repeat or (2 if args.quick else 5)
    main_size = SchemaSize.for_handlers(40 if args.quick else 1000)
    sizes = args.sizes or ((10, 20, 40) if args.quick else (10, 100, 1000))

    from datamodel_code_generator import Formatter

    print(f"machine: {_machine()}")
    with tempfile.TemporaryDirectory(prefix="restagen-bench-") as scratch, _working_dir(Path(scratch)):
        bench = Bench(Path(scratch), main_size, args.seed)
        print(
            f"schema: {len(list(bench.schemas.iterdir()))} package files, {main_size.services} services x "
            f"{main_size.handlers_per_service} handlers, {main_size.types} declared types (seed {args.seed})"
        )
        # Warm-up, not timed: imports, the template cache, black's and ruff's first start.
        _restagen(bench.schemas, bench.fresh_dir(), expect="changed)")
        _datamodel_codegen(bench.datamodel_schemas(), bench.fresh_dir(), None)
        samples = bench.rounds(
            repeat,
            {
                DMCG: None,
                "datamodel-code-generator models only (ruff)": [Formatter.RUFF_CHECK, Formatter.RUFF_FORMAT],
                "datamodel-code-generator models only (unformatted)": [],
            },
        )
        by_label = {sample.label: sample for sample in samples}
        full, noop = by_label[FULL], by_label[NOOP]
        print()
        print(_table(samples))
        ratio = full.median / by_label[DMCG].median
        noop_fraction = noop.median / full.median
        print()
        print(
            f"ratio restagen-total / datamodel-code-generator-models-only: {ratio:.2f} "
            f"(target <= {RATIO_TARGET}: {_verdict(ratio, RATIO_TARGET)})"
        )
        for label in by_label:
            if label.startswith("datamodel-code-generator") and label != DMCG:
                print(f"  against {label}: {full.median / by_label[label].median:.2f}")
        print(
            f"ratio no-op / full: {noop_fraction:.0%} "
            f"(target <= {NOOP_TARGET:.0%}: {_verdict(noop_fraction, NOOP_TARGET)})"
        )

        print("\nscaling (full generation through the CLI, median; stages measured separately, median):")
        header = "".join(f"{stage:>9}" for stage in STAGES)
        print(f"  {'handlers':>8}  {'types':>5}  {'full s':>8}  {'ms/handler':>10}  {header}")
        for handlers in sizes:
            size = SchemaSize.for_handlers(handlers)
            sized = bench if size == main_size else Bench(Path(scratch), size, args.seed)
            sample = full if sized is bench else sized.full(repeat)
            stages = "".join(f"{seconds:>9.3f}" for seconds in sized.stages(repeat).values())
            per_handler = sample.median / handlers * 1000
            print(f"  {handlers:>8}  {size.types:>5}  {sample.median:>8.3f}  {per_handler:>10.2f}  {stages}")

        scale_sizes = args.scale or ((40, 400) if args.quick else (1000, 10000))
        scale_repeat = args.scale_repeat or (1 if args.quick else 3)
        print(f"\ngeneration at scale (each run a child process; {load_average()} before):")
        for line in scale_lines(measure_scale(Path(scratch), list(scale_sizes), scale_repeat, args.seed)):
            print(line)
        print(f"  ({load_average()} after)")

        packages = args.packages or (10 if args.quick else 100)
        print(f"\nincremental regeneration (in this process; {load_average()} before):")
        changed = SchemaSize.for_handlers(main_size.handlers, packages)
        result = measure_incremental(Path(scratch), changed, repeat, args.seed, generate_in_process)
        for line in incremental_lines(result):
            print(line)
        print(f"  ({load_average()} after)")

        if profile:
            profiled = bench
            if args.profile_handlers and args.profile_handlers != main_size.handlers:
                profiled = Bench(Path(scratch), SchemaSize.for_handlers(args.profile_handlers), args.seed)
            print(
                f"\nprofile of one full run, {profiled.size.handlers} handlers (cProfile, written to {profile}):"
            )
            print(profiled.profile(profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
