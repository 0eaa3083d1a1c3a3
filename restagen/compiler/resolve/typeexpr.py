"""Type expressions: `list[LineItem]`, `map[string]`, `Money?`, `A | B`, `common.Money`.

A small recursive-descent parser producing an unresolved syntax tree; `resolve` binds the names.
Nesting is limited to `MAX_DEPTH` brackets, far beyond any real type, so that neither this parser
nor the stages that walk its tree can run out of stack on a hostile expression.

    expr    := postfix ("|" postfix)*
    postfix := atom "?"?
    atom    := NAME ("." NAME)? ("[" expr "]")? | "(" expr ")"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["GENERICS", "MAX_DEPTH", "Generic", "Name", "Opt", "Syntax", "TypeSyntaxError", "Union", "parse"]

GENERICS = ("list", "map")
MAX_DEPTH = 32


@dataclass(frozen=True)
class Name:
    name: str
    alias: str | None
    offset: int


@dataclass(frozen=True)
class Generic:
    name: str
    arg: Syntax
    offset: int


@dataclass(frozen=True)
class Opt:
    inner: Syntax


@dataclass(frozen=True)
class Union:
    members: tuple[Syntax, ...]


Syntax = Name | Generic | Opt | Union


class TypeSyntaxError(ValueError):
    def __init__(self, message: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


_BLANK = re.compile(r"\s*\Z")
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[\[\]|?.(),]))")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, int]] = []
        pos = 0
        while pos < len(text):
            if _BLANK.match(text, pos):
                break
            match = _TOKEN.match(text, pos)
            if not match:
                bad = pos + len(text[pos:]) - len(text[pos:].lstrip())
                raise TypeSyntaxError(f"unexpected character {text[bad]!r} in type {text!r}", bad)
            kind = "name" if match.group("name") else "punct"
            value = match.group(kind)
            self.tokens.append((value, match.start(kind)))
            pos = match.end()
        self.index = 0
        self.depth = 0

    def enter(self, opening: str) -> None:
        """Take an opening bracket, one level deeper."""
        _, offset = self.take(opening)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TypeSyntaxError(f"type nests deeper than {MAX_DEPTH} levels", offset)

    def leave(self, closing: str) -> None:
        self.take(closing)
        self.depth -= 1

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def offset(self) -> int:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else len(self.text)

    def take(self, expected: str | None = None) -> tuple[str, int]:
        if self.index >= len(self.tokens):
            what = f"'{expected}'" if expected else "a type"
            raise TypeSyntaxError(f"type {self.text!r} ends early: expected {what}", len(self.text))
        token = self.tokens[self.index]
        if expected is not None and token[0] != expected:
            raise TypeSyntaxError(
                f"expected '{expected}' but found '{token[0]}' in type {self.text!r}", token[1]
            )
        self.index += 1
        return token

    def expr(self) -> Syntax:
        members = [self.postfix()]
        while self.peek() == "|":
            self.take("|")
            members.append(self.postfix())
        return members[0] if len(members) == 1 else Union(tuple(members))

    def postfix(self) -> Syntax:
        atom = self.atom()
        if self.peek() == "?":
            self.take("?")
            return Opt(atom)
        return atom

    def atom(self) -> Syntax:
        if self.peek() == "(":
            self.enter("(")
            inner = self.expr()
            self.leave(")")
            return inner
        value, offset = self.take()
        if not (value[0].isalpha() or value[0] == "_"):
            raise TypeSyntaxError(f"expected a type name but found '{value}' in type {self.text!r}", offset)
        if self.peek() == ".":
            self.take(".")
            name, _ = self.take()
            if not (name[0].isalpha() or name[0] == "_"):
                raise TypeSyntaxError(f"expected a type name after '{value}.' in type {self.text!r}", offset)
            return Name(name, value, offset)
        if self.peek() == "[":
            if value not in GENERICS:
                empty = self.index + 1 < len(self.tokens) and self.tokens[self.index + 1][0] == "]"
                raise TypeSyntaxError(
                    f"'{value}' takes no type argument",
                    offset,
                    hint=f"a list is written list[{value}]"
                    if empty
                    else "only list[T] and map[T] take an argument",
                )
            self.enter("[")
            arg = self.expr()
            if self.peek() == ",":
                raise TypeSyntaxError("map keys are always strings", self.offset(), hint="write map[T]")
            self.leave("]")
            return Generic(value, arg, offset)
        if value in GENERICS:
            raise TypeSyntaxError(f"'{value}' needs an item type", offset, hint=f"write {value}[T]")
        return Name(value, None, offset)


def parse(text: str) -> Syntax:
    """Parse a type expression; raise `TypeSyntaxError` with the offset of the problem."""
    if not text.strip():
        raise TypeSyntaxError("empty type expression", 0)
    parser = _Parser(text)
    result = parser.expr()
    if parser.index != len(parser.tokens):
        value, offset = parser.tokens[parser.index]
        raise TypeSyntaxError(f"unexpected '{value}' in type {text!r}", offset)
    return result
