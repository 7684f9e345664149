"""examples.toml -> Example records. Imports no torch and no SymPy, so `vjp examples` is fast.

The file ships inside the package (``autograd_cli/examples.toml``; the repository's
top-level ``examples.toml`` links to it), so an installed wheel has it too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .errors import InputError


@dataclass(frozen=True)
class Example:
    name: str
    expression: str
    description: str
    at: str | None = None
    v: str | None = None
    vars: str | None = None
    default: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expression": self.expression,
            "at": self.at,
            "v": self.v,
            "vars": self.vars,
            "description": self.description,
            "default": self.default,
        }


def load(text: str | None = None) -> list[Example]:
    """All examples, in file order; ``text`` replaces the packaged file (for tests)."""
    if text is None:
        text = resources.files("autograd_cli").joinpath("examples.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    default = data.get("default")
    out = []
    for item in data.get("example", []):
        out.append(
            Example(
                name=item["name"],
                expression=item["expression"],
                description=item.get("description", ""),
                at=item.get("at"),
                v=item.get("v"),
                vars=item.get("vars"),
                default=item["name"] == default,
            )
        )
    return out


def find(name: str, items: list[Example] | None = None) -> Example:
    items = load() if items is None else items
    for e in items:
        if e.name == name:
            return e
    names = ", ".join(e.name for e in items)
    raise InputError(f"no example named {name!r}; the examples are: {names} (see `vjp examples`)")


def default(items: list[Example] | None = None) -> Example:
    items = load() if items is None else items
    for e in items:
        if e.default:
            return e
    return items[0]
