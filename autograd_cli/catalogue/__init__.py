"""Every operation of the expression language, declared once.

Each op (core.Op) has its spellings (bare ``sin``, ``torch.sin``, ``x.sin()``, ``np.sin``,
``jnp.sin``...), its parameters with their defaults, its shape rule, its torch code, its
SymPy form (or none) and where it is not differentiable. The parser, the shape checker,
the torch builder, the SymPy reference, ``explain --code``, ``check`` and ``vjp functions``
all read this one table. Imports neither torch nor SymPy.
"""

from __future__ import annotations

import difflib
import functools
import math
from typing import Any

from . import elementwise, linalg, misc, nn, reductions, shaping  # noqa: F401 - each registers its ops
from .core import MODULE_ROOTS, PREFIXES, Op, Spelling
from .registry import OPS, SPELLINGS, Entry, Overload, lookup

# Named constants: spelling -> (canonical name, value)
CONSTANTS: dict[str, tuple[str, float]] = {}
for _name, _value, _spellings in (
    ("pi", math.pi, ("pi", "math.pi", "np.pi", "numpy.pi", "jnp.pi", "jax.numpy.pi", "torch.pi", "sympy.pi", "sp.pi")),
    ("E", math.e, ("E", "math.e", "np.e", "numpy.e", "jnp.e", "jax.numpy.e", "torch.e", "sympy.E", "sp.E")),
    (
        "inf",
        math.inf,
        ("inf", "math.inf", "np.inf", "numpy.inf", "jnp.inf", "jax.numpy.inf", "torch.inf", "oo", "sympy.oo", "sp.oo"),
    ),
):
    for _s in _spellings:
        CONSTANTS[_s] = (_name, _value)

RESERVED = frozenset(MODULE_ROOTS) | frozenset({"True", "False", "None", "lambda", "def", "return"})


def callable_names() -> set[str]:
    """Every spelling written as a call ``name(...)`` or a dotted ``lib.name(...)``."""
    return {text for (form, text) in SPELLINGS if form == "call"}


def method_names() -> set[str]:
    return {text for (form, text) in SPELLINGS if form in ("method", "attr")}


@functools.cache
def bare_names() -> frozenset[str]:
    return frozenset(text for (form, text) in SPELLINGS if form == "call" and "." not in text)


def suggest(text: str, form: str = "call", n: int = 3) -> list[str]:
    """Spellings close to ``text`` (same prefix first), for "did you mean" messages."""
    pool = callable_names() if form == "call" else method_names()
    prefix = text.rpartition(".")[0]
    same = sorted(p for p in pool if p.rpartition(".")[0] == prefix)
    if prefix and not same:
        return []  # a module the language does not have (torch.fft): no guess
    close = difflib.get_close_matches(text, same or sorted(pool), n=n, cutoff=0.6)
    if not close and same:
        tail = text.rpartition(".")[2]
        close = [p for p in difflib.get_close_matches(tail, [s.rpartition(".")[2] for s in same], n=n, cutoff=0.6)]
        close = [f"{prefix}.{c}" if prefix else c for c in close]
    return close


def listing() -> list[dict[str, Any]]:
    """One record per operation, for `vjp functions` and README's table: key, spellings,
    torch equivalent, symbolic form, group, description."""
    out = []
    for op in OPS.values():
        if op.group == "refused":
            continue
        calls = sorted({s.text for s in op.spellings if s.form == "call"}, key=_spelling_order)
        methods = sorted(
            {f"x.{s.text}" + ("()" if s.form == "method" else "") for s in op.spellings if s.form != "call"}
        )
        out.append(
            {
                "name": op.key,
                "group": op.group,
                "spellings": calls + methods,
                "torch": op.torch,
                "symbolic": op.sym is not None,
                "description": op.doc,
                "note": op.note,
            }
        )
    return sorted(out, key=lambda r: (_GROUPS.index(r["group"]) if r["group"] in _GROUPS else 99, r["name"]))


_GROUPS = ["math", "activation", "reduction", "linalg", "shape", "layer", "loss", "constant", "autograd"]


def _spelling_order(text: str) -> tuple[int, str]:
    head = text.split(".")[0] if "." in text else ""
    order = {"": 0, "torch": 1, "F": 2, "np": 3, "numpy": 4, "jnp": 5, "jax": 6, "math": 7, "sympy": 8, "sp": 9}
    return (order.get(head, 10), text)


__all__ = [
    "CONSTANTS",
    "MODULE_ROOTS",
    "OPS",
    "PREFIXES",
    "RESERVED",
    "SPELLINGS",
    "Entry",
    "Op",
    "Overload",
    "Spelling",
    "listing",
    "lookup",
    "suggest",
]


def markdown_table() -> str:
    """README's table of functions, from the listing (tests/test_readme_functions.py keeps them equal)."""
    lines = [
        "| operation | spellings | runs as | SymPy |",
        "|---|---|---|---|",
    ]
    for r in listing():
        spellings = ", ".join(f"`{s}`" for s in r["spellings"])
        torch_text = r["torch"].replace("|", "\\|")
        lines.append(
            f"| {r['name']}: {r['description'].replace('|', chr(92) + '|')} | {spellings} | `{torch_text}` | {'yes' if r['symbolic'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"
