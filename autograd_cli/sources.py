"""Which function, point and v a command uses (DESIGN.md "Which function").

Function, in order: the EXPR argument (or --expr-file / EXPR ``-``); ``--example NAME``;
``$VJP_EXPR``; the remembered function of the last successful command; the default
example. ``--at`` and ``--v`` follow the same order: the option, ``$VJP_AT`` / ``$VJP_V``,
the remembered values (only when the function is the remembered one), the example's
own (only when the function is that example).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # examples.toml is read only when an example is asked for or is the fallback
    from .examples import Example
    from .state import Remembered


@dataclass(frozen=True)
class Chosen:
    expression: str
    vars: str | None
    at: tuple[str, ...]  # --at texts; empty when there is no point
    v: str | None
    origin: str  # "argument", "example", "VJP_EXPR", "remembered", "default"
    at_origin: str | None = None
    v_origin: str | None = None
    example: Example | None = None
    notes: list[str] = field(default_factory=list)
    wrt: str | None = None  # --wrt, or the remembered one when the function is the remembered one

    @property
    def typed(self) -> bool:
        return self.origin == "argument"


def choose(
    expr: str | None,
    example: str | None,
    at: list[str] | None,
    v: str | None,
    vars_: str | None,
    env: Mapping[str, str],
    remembered: Remembered | None,
    items: list[Example] | None = None,
    uses_v: bool = True,
    typed_needs_typed_point: bool = False,
    wrt: str | None = None,
) -> Chosen:
    """Resolve the function, point and v from the command line, environment and memory.

    ``uses_v``: the command takes a cotangent. ``typed_needs_typed_point``: a typed
    function is only evaluated at a typed point (``jacobian`` is symbolic otherwise).
    """
    ex: Example | None = None
    ignored: list[str] = []
    if expr is not None and example is not None:
        from .examples import find

        find(example, items)  # an unknown name is still an error
        ignored.append(f"--example {example} is not used: the expression argument comes first")
    if expr is not None:
        origin, expression, fvars = "argument", expr, vars_
    elif example is not None:
        from .examples import find

        ex = find(example, items)
        origin, expression, fvars = "example", ex.expression, vars_ or ex.vars
    elif env.get("VJP_EXPR"):
        origin, expression, fvars = "VJP_EXPR", env["VJP_EXPR"], vars_ or env.get("VJP_VARS") or None
    elif remembered is not None:
        origin, expression, fvars = "remembered", remembered.expression, vars_ or remembered.vars
    else:
        from .examples import default

        ex = default(items)
        origin, expression, fvars = "default", ex.expression, vars_ or ex.vars

    same = (
        remembered is not None and remembered.expression == expression and (fvars == remembered.vars or vars_ is None)
    )
    if same and fvars is None and remembered is not None:
        fvars = remembered.vars
    own_point = origin in ("argument", "VJP_EXPR") and typed_needs_typed_point
    candidates: list[tuple[object, str]] = [(at and tuple(at), "option"), (env.get("VJP_AT"), "VJP_AT")]
    if not own_point:
        candidates += [
            (same and remembered is not None and remembered.at, "remembered"),
            (ex is not None and ex.at and ex.expression == expression and (ex.at,), f"example {ex.name if ex else ''}"),
        ]
    at_value, at_origin = _first(candidates)
    at_texts: tuple[str, ...] = (at_value,) if isinstance(at_value, str) else tuple(at_value or ())  # type: ignore[arg-type]
    v_text, v_origin = (None, None)
    if uses_v:
        v_text, v_origin = _first(
            [
                (v, "option"),
                (env.get("VJP_V"), "VJP_V"),
                (origin == "remembered" and remembered is not None and remembered.v, "remembered"),
                (ex is not None and ex.v, f"example {ex.name if ex else ''}"),
            ]
        )
    notes = ignored + _notes(origin, ex, example, expression, at_texts, at_origin, v_text, v_origin)
    chosen_wrt = wrt if wrt is not None else (remembered.wrt if same and remembered is not None else None)
    if wrt is None and chosen_wrt is not None:
        notes.append(f"--wrt {chosen_wrt} (from your last command)")
    return Chosen(
        expression,
        fvars,
        at_texts,
        v_text if isinstance(v_text, str) else None,
        origin,
        at_origin,
        v_origin,
        ex,
        notes,
        wrt=chosen_wrt,
    )


def _first(candidates: list[tuple[object, str]]) -> tuple[object, str | None]:
    """The first candidate with a value (not None, False or empty), and where it came from."""
    for value, origin in candidates:
        if value is not None and value is not False and value != () and value != "":
            return value, origin
    return None, None


def _notes(
    origin: str,
    ex: Example | None,
    example: str | None,
    expression: str,
    at_texts: tuple[str, ...],
    at_origin: str | None,
    v_text: object,
    v_origin: str | None,
) -> list[str]:
    """What stderr says about choices the command line did not make."""
    notes: list[str] = []
    if origin != "argument":
        label = {
            "example": f"example {ex.name if ex else example}",
            "VJP_EXPR": "$VJP_EXPR",
            "remembered": "the function of your last command",
            "default": f"the default example ({ex.name if ex else ''}); pass an expression or --example NAME",
        }[origin]
        notes.append(f"using {label}: {_short(expression)}")
    if at_origin not in (None, "option"):
        notes.append(f"at {_short(', '.join(at_texts))} (from {_origin_words(at_origin)})")
    if v_origin not in (None, "option"):
        notes.append(f"v = {_short(str(v_text))} (from {_origin_words(v_origin)})")
    return notes


def _origin_words(origin: str | None) -> str:
    if origin == "remembered":
        return "your last command"
    if origin in ("VJP_AT", "VJP_V"):
        return f"${origin}"
    return origin or ""


def _short(text: str, limit: int = 100) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 3] + "..."
