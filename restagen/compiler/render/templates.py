"""The Jinja environment: strict, whitespace-tidy, with filters that keep schema text out of code.

The templates are package data (`restagen/templates/`), found by import, in a wheel and in a checkout alike.

Schema strings reach generated code only through `docstring` (escaped into a docstring body) and
`literal` (a Python literal via `repr`); names are validated before they get here.
"""

from __future__ import annotations

import functools
import hashlib
import textwrap
from typing import Any

import jinja2

__all__ = ["docstring", "render_template", "templates_digests"]


_LINE_LENGTH = 88  # ruff's, in the generated ruff.toml


def _fill(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width`, narrower when that keeps a last word from standing alone."""
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
    if len(lines) > 1 and " " not in lines[-1]:
        for narrower in range(width - 1, width - 16, -1):
            candidate = textwrap.wrap(text, narrower, break_long_words=False, break_on_hyphens=False)
            if len(candidate) == len(lines) and " " in candidate[-1]:
                return candidate
    return lines


def _escape(text: str) -> str:
    """`text` as the body of a (non-raw) string: backslashes, quotes and every unprintable
    character but newline and tab escaped. A NUL cannot be in Python source at all, and the other
    line breaks of `str.splitlines` (form feed, U+2028...) would each start a new line."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def docstring(text: str | None, indent: int = 0) -> str:
    """A complete triple-quoted docstring for `text`, escaped so that nothing in it is code.

    Lines are filled up to the line length the code is formatted with, the opening quotes counted.
    """
    if not text or not text.strip():
        return ""
    width = _LINE_LENGTH - indent - 3
    lines = []
    for line in _escape(text.strip()).split("\n"):
        lines.extend(_fill(line, width))
    pad = " " * indent
    if len(lines) == 1:
        if len(lines[0]) + 3 <= width:
            return f'"""{lines[0]}"""'
        # Too long with its closing quotes, which the formatter would move back up: two lines.
        lines = _fill(lines[0], width - 3)
    rest = [(pad + line) if line.strip() else "" for line in lines[1:]]
    return '"""' + "\n".join([lines[0], *rest, f'{pad}"""'])


def literal(value: Any) -> str:
    return repr(value)


@functools.cache
def _loader() -> jinja2.PackageLoader:
    return jinja2.PackageLoader("restagen", "templates")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["docstring"] = docstring
    env.filters["literal"] = literal
    return env


def render_template(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


def templates_digests() -> list[tuple[str, str]]:
    """The name and SHA-256 of every template, sorted: what the generated code depends on."""
    digests = []
    for name in sorted(_loader().list_templates()):
        source, _, _ = _loader().get_source(_environment(), name)
        digests.append((name, hashlib.sha256(source.encode()).hexdigest()))
    return digests
