"""Diagnostics are values: every stage of the compiler returns them, one place prints them.

A `Diagnostic` names the file, line and column (1-based), the path inside the document
(`services.order.handlers.create.output`), a message and an optional hint. `Diagnostics`
collects them across a whole run so that a user sees every problem at once.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["Diagnostic", "Diagnostics", "Position", "Severity", "did_you_mean"]


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Position:
    """A place in a source file; line and column start at 1 (0 means unknown)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    position: Position
    path: str = ""
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def render(self) -> str:
        """One line, and a second for the hint; text from the schema cannot add lines of its own."""
        where = f"{self.position}: {self.path}: " if self.path else f"{self.position}: "
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity}: "
        text = _escape(f"{where}{prefix}{self.message}")
        if self.hint:
            text += f"\n    hint: {_escape(self.hint)}"
        return text


def _escape(text: str) -> str:
    """`text` with every unprintable character (line breaks, terminal escapes, bidi controls) written
    as its Python escape, so that a name like `"a\\nb.restagen.yaml:1:1: x"` cannot pass for a diagnostic."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


@dataclass
class Diagnostics:
    """An ordered collection of diagnostics, sorted by position when shown."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(
        self, code: str, message: str, position: Position, path: str = "", hint: str | None = None
    ) -> None:
        self.items.append(Diagnostic(code, message, position, path, hint))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        unique = dict.fromkeys(self.items)
        return sorted(unique, key=lambda d: (d.position, d.path, d.code, d.message))

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        """How many are shown: a diagnostic reported twice counts once."""
        return len(dict.fromkeys(self.items))


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, where swapping two neighbours counts as one."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


_LONGEST_SUGGESTED = 100


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to `name`, formatted as a suggestion, or None when nothing is near.

    Closeness ignores case, then prefers a candidate whose first letter has the same case
    (`Itme` suggests the type `Item`, not the primitive `time`).
    """
    # Only a candidate whose length is within the edit limit can be near enough, and a name longer
    # than any real identifier gets no suggestion: the distance is quadratic in the lengths.
    limit = max(1, len(name) // 3)
    if len(name) > _LONGEST_SUGGESTED:
        return None
    pool = sorted(c for c in set(candidates) - {name} if abs(len(c) - len(name)) <= limit)
    if not pool:
        return None

    def score(candidate: str) -> tuple[int, int, float]:
        same_case = candidate[:1].isupper() == name[:1].isupper()
        ratio = difflib.SequenceMatcher(None, name.lower(), candidate.lower()).ratio()
        return (_distance(name.lower(), candidate.lower()), 0 if same_case else 1, -ratio)

    best = min(pool, key=score)
    if _distance(name.lower(), best.lower()) <= limit:
        return f"did you mean '{best}'?"
    return None
