"""The Python API: each command as a function of the expression text, returning a result object.

    >>> import autograd_cli as ag
    >>> ag.jacobian("x0**2+3*x1; x1**2+2*x0", at=[2, 3]).jacobian
    tensor([[4., 3.],
            [2., 6.]], dtype=torch.float64)

The functions compute exactly what the commands compute (the same parser, engines and
records); the results carry tensors, ``to_dict()`` (the command's ``--format json``
object) and Rich and Jupyter displays. Bad input raises ``VjpError`` (``ParseError``,
``InputError``, ``ShapeError``) with the sentence the command line prints; nothing here
exits, prints, reads the environment or touches the remembered function.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import request
from .errors import InputError, VjpError
from .points import PointSpec, Value, parse_point, parse_vector

if TYPE_CHECKING:
    import torch

    from .problem import Problem
    from .results import Result as Record

__all__ = [
    "Check",
    "Explanation",
    "Graph",
    "Hessian",
    "Jacobian",
    "Jvp",
    "Product",
    "Result",
    "SymbolicJacobian",
    "VjpError",
    "check",
    "explain",
    "grad",
    "graph",
    "hessian",
    "jacobian",
    "jacobian_batch",
    "jvp",
    "product",
    "vjp",
]

PITFALLS = ("accumulate", "scalar", "retain", "leaf", "inplace", "no-grad", "detach")  # as `vjp explain --pitfall`

# ---- Python values -> the values a command line would have typed ---------------------------------


def _nested(obj: Any, option: str) -> tuple[tuple[int, ...], list[float]]:
    """(shape, flat row-major data) of a number, nested lists/tuples, a tensor or an array."""
    if isinstance(obj, bool) or isinstance(obj, str):
        raise InputError(f"{option}: {obj!r} is not a number")
    if isinstance(obj, (int, float)):
        return (), [_finite(obj, option)]
    if hasattr(obj, "detach"):  # a torch tensor: no grad history, on the CPU, as float64
        obj = obj.detach().cpu().double()
    if hasattr(obj, "tolist") and hasattr(obj, "shape"):  # a tensor, a NumPy array or scalar
        shape = tuple(int(s) for s in obj.shape)
        data = obj.tolist()
        flat = [data] if not shape else _flatten(data, shape, option)
        return shape, [_finite(v, option) for v in flat]
    if isinstance(obj, (list, tuple)):
        shape = _shape_of(obj, option)
        return shape, [_finite(v, option) for v in _flatten(obj, shape, option)]
    raise InputError(
        f"{option}: cannot use a {type(obj).__name__} as a value; give a number, nested lists, "
        "a torch tensor or a NumPy array"
    )


def _finite(v: Any, option: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InputError(f"{option}: {v!r} is not a number")
    x = float(v)
    if not math.isfinite(x):
        raise InputError(f"{option}: {v!r} is not a finite number")
    return x


def _shape_of(obj: Any, option: str) -> tuple[int, ...]:
    shape: list[int] = []
    while isinstance(obj, (list, tuple)):
        shape.append(len(obj))
        if not obj:
            break
        obj = obj[0]
    return tuple(shape)


def _flatten(obj: Any, shape: tuple[int, ...], option: str) -> list[Any]:
    if not shape:
        return [obj]
    if not isinstance(obj, (list, tuple)) or len(obj) != shape[0]:
        raise InputError(f"{option}: the nested lists are not rectangular (expected a shape {shape})")
    return [v for item in obj for v in _flatten(item, shape[1:], option)]


def _value(obj: Any, option: str) -> Value:
    shape, data = _nested(obj, option)
    return Value(shape, tuple(data))


def point_spec(at: Any, option: str = "--at") -> PointSpec | None:
    """``at=`` as the command line's --at: text, numbers in input order, a dict by name, or arrays.

    A tuple gives one value per input (``(2, 3)``, or ``(x_tensor, w_tensor)``); a list,
    tensor or array is one value (``[2, 3]`` spreads over scalar inputs x0, x1 as --at
    "[2,3]" does); a dict maps names to values.
    """
    if at is None:
        return None
    if isinstance(at, str):
        return parse_point(at, option)
    if isinstance(at, Mapping):
        named = {}
        for name, value in at.items():
            if not isinstance(name, str):
                raise InputError(f"{option}: the names must be strings, got {name!r}")
            named[name] = _value(value, f"{option} {name}")
        return PointSpec((), named, repr(at))
    if isinstance(at, tuple):
        return PointSpec(tuple(_value(v, option) for v in at), {}, repr(at))
    return PointSpec((_value(at, option),), {}, repr(at))


def _vector(v: Any, option: str) -> Value | None:
    if v is None:
        return None
    if isinstance(v, str):
        return parse_vector(v, option)
    return _value(v, option)


def _names(vars: str | Sequence[str] | None) -> list[str] | None:
    from .parsing import parse_names

    if vars is None:
        return None
    return parse_names(vars if isinstance(vars, str) else ",".join(vars))


def problem_of(
    expr: str,
    *,
    at: Any = None,
    vars: str | Sequence[str] | None = None,
    wrt: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Problem:
    """The checked problem for ``expr`` at ``at`` (no point: every input a scalar)."""
    from .parsing import parse
    from .problem import make_problem

    if not isinstance(expr, str):
        raise InputError(f'the expression must be text, e.g. "x0**2+3*x1"; got a {type(expr).__name__}')
    function = parse(expr, _names(vars))
    return make_problem(function, point_spec(at), dtype, _wrt(wrt))


def _wrt(wrt: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``wrt="W,b"`` or ``wrt=["W", "b"]``: the inputs to differentiate, in this order (as ``--wrt``)."""
    from .problem import parse_wrt

    if wrt is None or isinstance(wrt, str):
        return parse_wrt(wrt)
    if not all(isinstance(n, str) for n in wrt):
        raise InputError(f"wrt: expected input names (text), got {list(wrt)!r}")
    return parse_wrt(",".join(wrt))


def _cotangent(problem: Problem, v: Any, option: str = "--v") -> tuple[float, ...] | None:
    from .problem import check_cotangent

    value = _vector(v, option)
    return None if value is None else check_cotangent(problem, value, option)


def _tangent(problem: Problem, u: Any) -> tuple[float, ...]:
    from .problem import check_tangent

    if u is None:
        raise InputError(
            f"jvp needs a tangent: pass u= with one value per input ({', '.join(problem.columns[:6])}), "
            "e.g. u=" + repr(tuple([1] + [0] * (problem.n - 1)))
        )
    spec = point_spec(u, "--u")
    assert spec is not None
    return check_tangent(problem, spec, "--u")


def _at_point(problem: Problem, command: str) -> None:
    if problem.point is None:
        names = ", ".join(problem.names) or "x"
        example = "(" + ", ".join("1" for _ in problem.names or ["x"]) + ")"
        raise InputError(f"{command} needs a point: pass at= with one value per input ({names}), e.g. at={example}")


# ---- results -------------------------------------------------------------------------------------------


class Result:
    """What one call found: the record, its tensors, its JSON and its displays."""

    def __init__(self, record: Record) -> None:
        self.record = record

    # -- what every result says about its function
    @property
    def command(self) -> str:
        return self.record.header.command

    @property
    def expression(self) -> str:
        return self.record.header.expression

    @property
    def inputs(self) -> list[str]:
        return list(self.record.header.inputs)

    @property
    def outputs(self) -> list[str]:
        return list(self.record.header.outputs)

    @property
    def columns(self) -> list[str]:
        """One label per flattened input element: the Jacobian's columns."""
        return list(self.record.header.columns)

    @property
    def rows(self) -> list[str]:
        """One label per output element: the Jacobian's rows."""
        return list(self.record.header.rows)

    @property
    def dtype(self) -> torch.dtype:
        import torch

        return torch.float32 if self.record.header.dtype == "float32" else torch.float64

    @property
    def notes(self) -> list[str]:
        """What the command line would say on stderr about this result (non-finite values, kinks)."""
        return list(self.record.notes)

    @property
    def point(self) -> dict[str, torch.Tensor] | None:
        """Each input's value, in its own shape."""
        h = self.record.header
        return None if h.point is None else self._split(h.point)

    @property
    def value(self) -> torch.Tensor | None:
        """y at the point, in the output's shape."""
        h = self.record.header
        return None if h.value is None else self._tensor(h.value).reshape(tuple(h.output_shape))

    def _tensor(self, data: Any) -> torch.Tensor:
        import torch

        return torch.tensor(data, dtype=self.dtype)

    def _split(self, flat: Sequence[float]) -> dict[str, torch.Tensor]:
        out = {}
        k = 0
        for name, shape in self.record.header.input_shapes.items():
            size = math.prod(shape)
            out[name] = self._tensor(list(flat[k : k + size])).reshape(tuple(shape))
            k += size
        return out

    # -- the command's JSON, and displays
    def to_dict(self) -> dict[str, Any]:
        """The object ``vjp <command> --format json`` prints (non-finite numbers as "NaN", "Infinity")."""
        from .render import json_safe

        return json_safe(self.record.to_dict())

    def to_json(self) -> str:
        from .render import to_json

        return to_json(self.record.to_dict())

    def text(self, fmt: str = "plain", digits: int | None = None) -> str:
        """The text the command prints in ``fmt`` (plain, json, csv or tsv)."""
        from .render import text

        return text(self.record, fmt, digits)

    def __rich__(self) -> Any:
        from .render import renderable

        return renderable(self.record)

    def _repr_markdown_(self) -> str:
        from .render import markdown

        return markdown(self.record)

    def __repr__(self) -> str:
        h = self.record.header
        at = "" if h.point is None else " at " + ", ".join(self._point_words())
        return f"<{type(self).__name__} of {h.expression!r}{at}>"

    def _point_words(self) -> list[str]:
        point = self.point or {}
        return [f"{k}={v.tolist()!r}" for k, v in list(point.items())[:6]]


class Jacobian(Result):
    """``vjp jacobian``: y and the full Jacobian, rows from one-hot backward calls."""

    @property
    def jacobian(self) -> torch.Tensor:
        """J, one row per output element and one column per input element (``rows`` x ``columns``)."""
        return self._tensor(self.record.jacobian).reshape(len(self.rows), len(self.columns))  # type: ignore[attr-defined]

    @property
    def method(self) -> str:
        return self.record.method  # type: ignore[attr-defined]

    @property
    def determinant(self) -> float | None:
        return self.record.determinant  # type: ignore[attr-defined]


class SymbolicJacobian(Result):
    """``vjp jacobian`` without a point: SymPy's exact Jacobian, as text."""

    @property
    def jacobian(self) -> list[list[str]]:
        return [list(row) for row in self.record.jacobian]  # type: ignore[attr-defined]

    @property
    def method(self) -> str:
        return "symbolic"


class Product(Result):
    """``vjp product``: vᵀJ, the leaves' ``.grad`` after one ``y.backward(v)``."""

    @property
    def v(self) -> torch.Tensor | None:
        v = self.record.v  # type: ignore[attr-defined]
        return None if v is None else self._tensor(v)

    @property
    def vjp(self) -> torch.Tensor:
        """vᵀJ, flat over every input element (the Jacobian's columns)."""
        return self._tensor(self.record.vjp)  # type: ignore[attr-defined]

    @property
    def grads(self) -> dict[str, torch.Tensor]:
        """Each input's ``.grad``, in its own shape."""
        return self._split(self.record.vjp)  # type: ignore[attr-defined]

    @property
    def method(self) -> str:
        return self.record.method  # type: ignore[attr-defined]


class Check(Result):
    """``vjp check``: d(Σy)/dx four ways and the Jacobian three ways; ``match`` is the verdict."""

    @property
    def match(self) -> bool:
        return bool(self.record.match)  # type: ignore[attr-defined]

    def __bool__(self) -> bool:
        return self.match

    @property
    def max_abs_diff(self) -> float:
        return float(self.record.max_abs_diff)  # type: ignore[attr-defined]

    @property
    def grads(self) -> dict[str, torch.Tensor]:
        """Each input's ``.grad`` after ``y.sum().backward()``, in its own shape."""
        return self._split(self.record.sum_backward)  # type: ignore[attr-defined]

    def _vec(self, key: str) -> torch.Tensor:
        return self._tensor(getattr(self.record, key))

    @property
    def sum_backward(self) -> torch.Tensor:
        return self._vec("sum_backward")

    @property
    def ones_backward(self) -> torch.Tensor:
        return self._vec("ones_backward")

    @property
    def column_sums(self) -> torch.Tensor:
        return self._vec("column_sums")

    @property
    def symbolic(self) -> torch.Tensor:
        return self._vec("symbolic")

    def _matrix(self, key: str) -> torch.Tensor | None:
        rows = getattr(self.record, key)
        return None if rows is None else self._tensor(rows).reshape(len(self.rows), len(self.columns))

    @property
    def jacobian(self) -> torch.Tensor | None:
        return self._matrix("jacobian")

    @property
    def symbolic_jacobian(self) -> torch.Tensor | None:
        return self._matrix("symbolic_jacobian")

    @property
    def finite_differences(self) -> torch.Tensor | None:
        return self._matrix("finite_differences")

    @property
    def differences(self) -> list[dict[str, Any]]:
        return list(self.record.differences)  # type: ignore[attr-defined]


class Jvp(Result):
    """``vjp jvp``: J·u by forward mode; with ``v``, the check vᵀ(Ju) = (vᵀJ)u."""

    @property
    def u(self) -> torch.Tensor:
        return self._tensor(self.record.u)  # type: ignore[attr-defined]

    @property
    def jvp(self) -> torch.Tensor:
        """J·u, flat over the output elements (the Jacobian's rows)."""
        return self._tensor(self.record.jvp)  # type: ignore[attr-defined]

    @property
    def match(self) -> bool | None:
        return self.record.match  # type: ignore[attr-defined]


class Hessian(Result):
    """``vjp hessian``: one n x n Hessian per output element, by double backward."""

    @property
    def hessian(self) -> torch.Tensor:
        """(outputs, n, n)."""
        n = len(self.columns)
        return self._tensor(self.record.hessian).reshape(len(self.rows), n, n)  # type: ignore[attr-defined]

    @property
    def symbolic(self) -> torch.Tensor:
        n = len(self.columns)
        return self._tensor(self.record.symbolic).reshape(len(self.rows), n, n)  # type: ignore[attr-defined]

    @property
    def symmetric(self) -> bool:
        return bool(self.record.symmetric)  # type: ignore[attr-defined]

    @property
    def match(self) -> bool:
        return bool(self.record.match)  # type: ignore[attr-defined]


class Graph(Result):
    """``vjp graph``: y.grad_fn and its next_functions, as nested dicts."""

    @property
    def graph(self) -> dict[str, Any]:
        return self.record.tree  # type: ignore[attr-defined]

    @property
    def nodes(self) -> int:
        return int(self.record.nodes)  # type: ignore[attr-defined]


class Explanation(Result):
    """``vjp explain``: the calls autograd makes, step by step, with torch's real answers."""

    def __init__(self, record: Record, problem: Problem) -> None:
        super().__init__(record)
        self._problem = problem

    @property
    def steps(self) -> list[Any]:
        return list(self.record.steps)  # type: ignore[attr-defined]

    @property
    def jacobian(self) -> torch.Tensor | None:
        rows = getattr(self.record, "jacobian", None)
        return None if rows is None else self._tensor(rows).reshape(len(self.rows), len(self.columns))

    @property
    def code(self) -> str:
        """``vjp explain --code``: a plain-torch script that rebuilds the function and prints J."""
        from . import codegen

        return codegen.script(self._problem)


# ---- the commands ---------------------------------------------------------------------------------------


def jacobian(
    expr: str,
    *,
    at: Any = None,
    method: str = "auto",
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
    verbose: bool = False,
) -> Jacobian | SymbolicJacobian:
    """The Jacobian of ``expr`` at ``at``, built row by row from one-hot backward calls.

    Without ``at``, SymPy's exact Jacobian (``SymbolicJacobian``, entries as text).
    ``method``: rows, batched, forward or auto, as ``--method``.

        >>> jacobian("x0**2+3*x1; x1**2+2*x0", at=(2, 3)).jacobian.tolist()
        [[4.0, 3.0], [2.0, 6.0]]
    """
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    if problem.point is None:
        return SymbolicJacobian(request.symbolic_jacobian(problem))
    return Jacobian(request.engines().jacobian(problem, method, None, verbose))


def product(
    expr: str,
    *,
    at: Any,
    v: Any = None,
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Product:
    """vᵀJ: the leaves' ``.grad`` after one ``y.backward(v)``; a scalar y needs no ``v``.

    >>> product("x0**2+3*x1; x1**2+2*x0", at=(2, 3), v=(1, 0)).vjp.tolist()
    [4.0, 3.0]
    """
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    _at_point(problem, "product")
    return Product(request.engines().product(problem, _cotangent(problem, v)))


vjp = product


def grad(
    expr: str,
    *,
    at: Any,
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Product:
    """The gradient of a scalar function: the leaves' ``.grad`` after ``y.backward()``.

    >>> grad("x0**2*x1", at=(3, 2)).vjp.tolist()
    [12.0, 9.0]
    """
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    _at_point(problem, "grad")
    if problem.m != 1:
        from .shapes import fmt

        raise InputError(
            f"grad is the gradient of a scalar function, and y has {problem.m} elements (shape "
            f"{fmt(problem.output_shape)}); use jacobian() for every row, product(v=...) for one "
            "combination vᵀJ, or make y a scalar (sum(...), mean(...))"
        )
    return Product(request.engines().product(problem, None, "grad"))


def check(
    expr: str,
    *,
    at: Any,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    eps: float = 1e-6,
    method: str = "auto",
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Check:
    """y.sum().backward() == y.backward(ones_like(y)) == 1ᵀJ == SymPy, and J three ways; ``.match``."""
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    _at_point(problem, "check")
    return Check(request.engines().check(problem, atol, rtol, method, eps))


def jvp(
    expr: str,
    *,
    at: Any,
    u: Any,
    v: Any = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Jvp:
    """J·u by forward mode (dual numbers); with ``v``, also checks vᵀ(Ju) = (vᵀJ)u."""
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    _at_point(problem, "jvp")
    tangent = _tangent(problem, u)
    return Jvp(request.engines().jvp(problem, tangent, _cotangent(problem, v), atol, rtol))


def hessian(
    expr: str,
    *,
    at: Any,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Hessian:
    """The Hessian of each output element by double backward, checked for symmetry and against SymPy."""
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    _at_point(problem, "hessian")
    return Hessian(request.engines().hessian(problem, atol, rtol))


def graph(
    expr: str,
    *,
    at: Any,
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Graph:
    """The autograd graph of y: grad_fn nodes, next_functions, AccumulateGrad at the leaves."""
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    _at_point(problem, "graph")
    return Graph(request.engines().graph(problem))


def explain(
    expr: str,
    *,
    at: Any,
    v: Any = None,
    pitfall: str | None = None,
    wrt: str | Sequence[str] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Explanation:
    """What autograd does, step by step; ``pitfall`` (one of ``PITFALLS``) shows a classic mistake."""
    problem = problem_of(expr, at=at, vars=vars, wrt=wrt, dtype=dtype)
    _at_point(problem, "explain")
    if pitfall is not None and pitfall not in PITFALLS:
        raise InputError(f"pitfall={pitfall!r} is not one of {', '.join(PITFALLS)}")
    from .explain import explain as walk_through
    from .explain import pitfall as show_pitfall

    if pitfall is not None:
        return Explanation(show_pitfall(problem, pitfall), problem)
    return Explanation(walk_through(problem, _cotangent(problem, v)), problem)


# ---- many points at once -------------------------------------------------------------------------------


def jacobian_batch(
    expr: str,
    points: Any,
    *,
    method: str = "auto",
    shapes: Mapping[str, Sequence[int]] | None = None,
    vars: str | Sequence[str] | None = None,
    dtype: str = "float64",
) -> Any:
    """Jacobians at N points: an (N, n) array in, (N, m, n) out, through the many-points engine.

    Row k of ``points`` is one point, flattened in column order (``x0, x1`` or ``x[0], x[1],
    w``); ``shapes`` gives tensor inputs' shapes (scalars otherwise). A NumPy array in gives
    a NumPy array out (so it fits ``dask.array.map_blocks``); anything else gives a tensor.

        >>> jacobian_batch("x0**2+3*x1; x1**2+2*x0", [[2, 3], [1, 1]]).tolist()
        [[[4.0, 3.0], [2.0, 6.0]], [[2.0, 3.0], [2.0, 2.0]]]
    """
    import torch

    from .parsing import parse
    from .problem import make_problem

    function = parse(expr, _names(vars))
    sizes = {name: tuple(int(s) for s in (shapes or {}).get(name, ())) for name in function.names}
    unknown = [name for name in (shapes or {}) if name not in function.names]
    if unknown:
        raise InputError(f"shapes names {', '.join(unknown)}, which the expression does not use")
    zero = PointSpec((), {name: Value(s, (0.0,) * math.prod(s)) for name, s in sizes.items()}, "")
    problem = make_problem(function, zero, dtype)
    numpy_out = type(points).__module__.split(".")[0] == "numpy"
    request.engines()
    try:
        table = torch.as_tensor(points.detach() if hasattr(points, "detach") else points, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise InputError(f"points: expected an (N, n) array of numbers, one point per row ({e})") from None
    n = problem.n
    if table.ndim == 1 and table.numel() == 0:
        table = table.reshape(0, n)
    if table.ndim != 2 or table.shape[1] != n:
        raise InputError(
            f"points has shape {tuple(table.shape)} but the function has {n} input element{'s' if n != 1 else ''} "
            f"({', '.join(problem.columns[:6])}{', ...' if n > 6 else ''}); give an (N, {n}) array, one point per row"
        )
    if not bool(torch.isfinite(table).all()):
        bad = int((~torch.isfinite(table).all(dim=1)).nonzero()[0])
        raise InputError(f"points row {bad} is not finite: {table[bad].tolist()}; every value must be a finite number")
    request.engines()
    from .batch import BatchEngine

    engine = BatchEngine(problem, method)
    rows = table.tolist()
    size = engine.block_size()
    blocks = [engine.jacobian(rows[start : start + size]).tensors["jacobians"] for start in range(0, len(rows), size)]
    out = torch.cat(blocks) if blocks else torch.zeros(0, problem.m, n, dtype=engine.built.dtype)
    out = out.detach().reshape(len(rows), problem.m, n)
    return out.numpy() if numpy_out else out
