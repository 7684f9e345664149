"""Elementwise operations: maths functions of one argument, of two, and where/clamp."""

from __future__ import annotations

import math
from typing import Any

from .core import BOOL, INT, NUMBER, OPTIONAL_TENSOR, SCALAR, Bound, P, TConst, TIn, TOp, tcall
from .dsl import (
    X,
    arg_of,
    at_integers,
    at_zero,
    binary_sym,
    call_torch,
    default_emit,
    elementwise,
    op,
    pyvalue,
    spell,
    unary_sym,
)
from .registry import register


def unary(
    key: str,
    doc: str,
    sym: Any,
    *,
    torch_alias: tuple[str, ...] = (),
    np: Any = True,
    math: Any = False,
    special: Any = False,
    jsp: Any = False,
    sympy: Any = None,
    method: Any = True,
    bare: Any = True,
    kinks: Any = None,
    group: str = "math",
    differentiable: bool = True,
    note: str = "",
    F: Any = False,
    jax_nn: Any = False,
    torch: Any = True,
) -> None:
    """One elementwise function of one tensor: ``torch.KEY(x)``, ``x.KEY()``, ``np.KEY(x)``..."""
    spellings = spell(
        key,
        bare=bare,
        torch=(key, *torch_alias) if torch else False,
        method=(key, *torch_alias) if method is True else method,
        np=np,
        math=math,
        special=special,
        jsp=jsp,
        sympy=(bare if sympy is None else sympy),
        F=F,
        jax_nn=jax_nn,
    )
    register(
        op(
            key,
            doc,
            (X,),
            sym=unary_sym(sym) if sym is not None else None,
            kinks=kinks,
            group=group,
            method=key,
            differentiable=differentiable,
            note=note,
            torch=f"torch.{key}" if torch else f"torch.special.{key}",
        ),
        spellings,
    )


def _sym_step(name: str) -> Any:
    """floor, ceil, round, trunc: piecewise constant, derivative 0 (SymPy leaves it unevaluated)."""

    def fn(sp: Any, x: Any) -> Any:
        from .. import symbolic

        return getattr(symbolic, name)(x)

    return fn


# ---- trigonometric and hyperbolic --------------------------------------------------------------

unary("sin", "sine", lambda sp, x: sp.sin(x), math=True)
unary("cos", "cosine", lambda sp, x: sp.cos(x), math=True)
unary("tan", "tangent", lambda sp, x: sp.tan(x), math=True)
unary("asin", "inverse sine", lambda sp, x: sp.asin(x), torch_alias=("arcsin",), np=("arcsin", "asin"), math=True)
unary("acos", "inverse cosine", lambda sp, x: sp.acos(x), torch_alias=("arccos",), np=("arccos", "acos"), math=True)
unary("atan", "inverse tangent", lambda sp, x: sp.atan(x), torch_alias=("arctan",), np=("arctan", "atan"), math=True)
unary("sinh", "hyperbolic sine", lambda sp, x: sp.sinh(x), math=True)
unary("cosh", "hyperbolic cosine", lambda sp, x: sp.cosh(x), math=True)
unary("tanh", "hyperbolic tangent", lambda sp, x: sp.tanh(x), math=True, F=True, jax_nn=True)
unary(
    "asinh", "inverse hyperbolic sine", lambda sp, x: sp.asinh(x), torch_alias=("arcsinh",), np=("arcsinh",), math=True
)
unary(
    "acosh",
    "inverse hyperbolic cosine",
    lambda sp, x: sp.acosh(x),
    torch_alias=("arccosh",),
    np=("arccosh",),
    math=True,
)
unary(
    "atanh",
    "inverse hyperbolic tangent",
    lambda sp, x: sp.atanh(x),
    torch_alias=("arctanh",),
    np=("arctanh",),
    math=True,
)

# ---- exponentials and logarithms -----------------------------------------------------------------

unary("exp", "e to the power x", lambda sp, x: sp.exp(x), math=True, jsp=False)
unary("exp2", "2 to the power x", lambda sp, x: 2**x, special=True, sympy=False)
unary("expm1", "exp(x) - 1, accurate near 0", lambda sp, x: sp.exp(x) - 1, special=True, math=True, sympy=False)
unary("log2", "base-2 logarithm", lambda sp, x: sp.log(x, 2), math=True, sympy=False)
unary("log10", "base-10 logarithm", lambda sp, x: sp.log(x, 10), math=True, sympy=False)
unary("log1p", "log(1 + x), accurate near 0", lambda sp, x: sp.log(1 + x), special=True, math=True, sympy=False)
unary("sqrt", "square root", lambda sp, x: sp.sqrt(x), math=True)
unary("rsqrt", "1/sqrt(x)", lambda sp, x: 1 / sp.sqrt(x), np=False, bare=True, sympy=False)
unary("square", "x**2", lambda sp, x: x**2, sympy=False)
unary("reciprocal", "1/x", lambda sp, x: 1 / x, sympy=False)


def _log_shape(b: Bound) -> Any:
    return elementwise(b)


def _log_emit(b: Bound) -> Any:
    if b.has("base"):
        return tcall("torch.div", tcall("torch.log", arg_of(b, "input")), tcall("torch.log", arg_of(b, "base")))
    return default_emit(b)


def _log_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    if "base" in t:
        return S.zipwith(
            [t["input"], t["base"]], lambda x, c: S.sp.log(x) / S.sp.log(c), b.out.shape if b.out else None
        )
    return S.map1(t["input"], S.sp.log)


register(
    op(
        "log",
        "natural logarithm; log(x, b) is the base-b logarithm (as SymPy and Python's math.log)",
        (X, P("base", OPTIONAL_TENSOR, None)),
        shape=_log_shape,
        emit=_log_emit,
        sym=_log_sym,
        method="log",
    ),
    spell("log", torch=False, np=False, math=True, sympy=True),
)
register(
    op("torch.log", "natural logarithm", (X,), sym=unary_sym(lambda sp, x: sp.log(x)), torch="torch.log", method="log"),
    spell("log", bare=False, method=True, np=True),
)

# ---- signs, absolute values, rounding --------------------------------------------------------------

unary(
    "abs",
    "absolute value (gradient 0 at 0, as torch)",
    lambda sp, x: sp.Abs(x),
    torch_alias=("absolute",),
    np=("abs", "absolute"),
    math="fabs",
    sympy=("Abs",),
    kinks=at_zero(),
)
unary("neg", "-x", lambda sp, x: -x, torch_alias=("negative",), np="negative", bare=False)
unary(
    "sign",
    "the sign -1, 0 or 1 (gradient 0)",
    lambda sp, x: sp.sign(x),
    torch_alias=("sgn",),
    kinks=at_zero(why="its argument is 0 (a jump)"),
    differentiable=False,
)
unary(
    "floor",
    "largest whole number <= x (gradient 0)",
    _sym_step("floor"),
    math=True,
    kinks=at_integers(),
    differentiable=False,
)
unary(
    "ceil",
    "smallest whole number >= x (gradient 0)",
    _sym_step("ceil"),
    math=True,
    sympy="ceiling",
    kinks=at_integers(),
    differentiable=False,
)
unary(
    "trunc",
    "x rounded toward 0 (gradient 0)",
    _sym_step("trunc"),
    torch_alias=("fix",),
    np=("trunc", "fix"),
    math=True,
    sympy=False,  # sympy.trunc truncates polynomials
    kinks=at_integers(),
    differentiable=False,
)
unary(
    "frac",
    "x - trunc(x) (gradient 1)",
    lambda sp, x: x - _sym_step("trunc")(sp, x),
    np=False,
    sympy=False,
    kinks=at_integers(),
)


def _round_shape(b: Bound) -> Any:
    if b["decimals"] not in (None, 0) and not isinstance(b["decimals"], int):
        raise b.error("decimals must be a whole number")
    return elementwise(b)


def _round_emit(b: Bound) -> Any:
    d = b["decimals"] or 0
    if d == 0:
        return default_emit(b, skip=("decimals",))
    return default_emit(b)


def _round_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    d = b["decimals"] or 0
    scale = S.sp.Integer(10) ** d
    return S.map1(t["input"], lambda e: S.round_half_even(e * scale) / scale)


_ROUND_NP = (P("a", canon="input"), P("decimals", INT, 0))
register(
    op(
        "round",
        "round half to even, to `decimals` places (gradient 0)",
        (X, P("decimals", INT, 0, kw_only=True)),
        shape=_round_shape,
        emit=_round_emit,
        sym=_round_sym,
        kinks=at_integers(half=True),
        method="round",
        differentiable=False,
    ),
    spell(
        "round",
        method=True,
        np=("round", "around"),
        sigs={"bare": (X, P("ndigits", INT, 0, canon="decimals")), "np": _ROUND_NP, "jnp": _ROUND_NP},
    ),
)

# ---- special functions ---------------------------------------------------------------------------

unary("erf", "error function", lambda sp, x: sp.erf(x), np=False, special=True, math=True, jsp=True)
unary("erfc", "complementary error function", lambda sp, x: sp.erfc(x), np=False, special=True, math=True, jsp=True)
unary("erfinv", "inverse error function", lambda sp, x: sp.erfinv(x), np=False, special=True, jsp=True)
unary(
    "lgamma",
    "log |Γ(x)|",
    lambda sp, x: sp.loggamma(x),
    np=False,
    special="gammaln",
    math=True,
    jsp="gammaln",
    sympy=False,  # sympy.loggamma is complex where Γ(x) < 0
)
unary("digamma", "Γ'(x)/Γ(x)", lambda sp, x: sp.polygamma(0, x), np=False, special=("digamma", "psi"), jsp="digamma")
unary(
    "sinc",
    "sin(πx)/(πx), 1 at 0 (normalised, as NumPy and torch)",
    lambda sp, x: sp.Piecewise((1, sp.Eq(x, 0)), (sp.sin(sp.pi * x) / (sp.pi * x), True)),
    special=True,
    sympy=False,  # SymPy's sinc is sin(x)/x: its own op below
)
unary(
    "sigmoid",
    "1/(1+exp(-x))",
    lambda sp, x: _sigmoid(x),
    np=False,
    special="expit",
    jsp="expit",
    group="activation",
    F=True,
    jax_nn=True,
    sympy=False,  # SymPy has no sigmoid
)
unary(
    "entr",
    "-x log x (0 at 0, -inf below 0)",
    lambda sp, x: sp.Piecewise((0, sp.Eq(x, 0)), (-x * sp.log(x), True)),
    np=False,
    bare=False,
    method=False,
    special=True,
    torch=False,
)


# SymPy's own meanings of two names torch also has: sinc(x) = sin(x)/x (not normalised by π),
# frac(x) = x - floor(x) (frac(-1.25) = 0.75, where torch.frac gives -0.25)


def _sympy_sinc_emit(b: Bound) -> Any:
    return tcall("torch.sinc", TOp("/", (TIn("input"), math.pi)))


def _sympy_frac_emit(b: Bound) -> Any:
    return TOp("-", (TIn("input"), tcall("torch.floor", TIn("input"))))


register(
    op(
        "sympy.sinc",
        "SymPy's sinc: sin(x)/x, 1 at 0 (not normalised by π)",
        (X,),
        emit=_sympy_sinc_emit,
        sym=unary_sym(lambda sp, x: sp.sinc(x)),
        torch="torch.sinc(x / pi)",
    ),
    spell("sinc", bare=False, torch=False, sympy=True),
)
register(
    op(
        "sympy.frac",
        "SymPy's frac: x - floor(x), in [0, 1) (gradient 1)",
        (X,),
        emit=_sympy_frac_emit,
        sym=unary_sym(lambda sp, x: x - _sym_step("floor")(sp, x)),
        kinks=at_integers(),
        torch="x - torch.floor(x)",
    ),
    spell("frac", bare=False, torch=False, sympy=True),
)


def _logit_shape(b: Bound) -> Any:
    return elementwise(b)


def _logit_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    eps = b["eps"]
    sp = S.sp

    def f(x: Any) -> Any:
        if eps is None:
            return sp.log(x / (1 - x))
        e = S.number(eps)
        z = sp.Piecewise((e, x < e), (1 - e, x > 1 - e), (x, True))
        return sp.log(z / (1 - z))

    return S.map1(t["input"], f)


def _logit_kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    eps = b["eps"]
    if eps is None:
        return []
    e = float(eps)
    x = v["input"]
    return [(T.minimum((x - e).abs(), (x - 1 + e).abs()), "its argument is at eps or 1 - eps (where logit clamps)")]


register(
    op(
        "logit",
        "log(x/(1-x)); with eps, x is clamped to [eps, 1-eps] first",
        (X, P("eps", NUMBER, None)),
        shape=_logit_shape,
        sym=_logit_sym,
        kinks=_logit_kinks,
        method="logit",
    ),
    spell("logit", method=True, special=True, jsp=True, sigs={"jax.scipy.special": (X,)}),
)


def _sigmoid(x: Any) -> Any:
    from .. import symbolic

    return symbolic.sigmoid(x)


# ---- two arguments ---------------------------------------------------------------------------------


def binary(
    key: str,
    doc: str,
    sym: Any,
    names: tuple[str, str] = ("input", "other"),
    *,
    torch_alias: tuple[str, ...] = (),
    np: Any = True,
    math: Any = False,
    special: Any = False,
    method: bool = True,
    bare: Any = True,
    kinks: Any = None,
    np_names: tuple[str, str] = ("x1", "x2"),
    torch: bool = True,
) -> None:
    a, c = names
    sig = (P(a), P(c))
    np_sig = (P(np_names[0], canon=a), P(np_names[1], canon=c))
    register(
        op(
            key,
            doc,
            sig,
            sym=binary_sym(sym, a, c),
            kinks=kinks,
            method=key if method else None,
            torch=f"torch.{key}" if torch else f"torch.special.{key}",
        ),
        spell(
            key,
            bare=bare,
            torch=(key, *torch_alias) if torch else False,
            method=(key, *torch_alias) if method else False,
            np=np,
            math=math,
            special=special,
            sigs={"np": np_sig, "jnp": np_sig},
        ),
    )


def _ties(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    return [((v["input"] - v["other"]).abs(), "its two arguments are equal (a tie)")]


binary(
    "atan2",
    "atan2(y, x): the angle of the point (x, y)",
    lambda sp, y, x: sp.atan2(y, x),
    torch_alias=("arctan2",),
    np=("arctan2", "atan2"),
    math=True,
)
binary("hypot", "sqrt(x² + y²)", lambda sp, x, y: sp.sqrt(x**2 + y**2), math=True)
binary("logaddexp", "log(exp(x) + exp(y))", lambda sp, x, y: sp.log(sp.exp(x) + sp.exp(y)))
binary("logaddexp2", "log2(2**x + 2**y)", lambda sp, x, y: sp.log(2**x + 2**y, 2))
binary(
    "xlogy",
    "x*log(y), 0 where x = 0",
    lambda sp, x, y: sp.Piecewise((0, sp.Eq(x, 0)), (x * sp.log(y), True)),
    special=True,
    np=False,
)
binary(
    "xlog1py",
    "x*log1p(y), 0 where x = 0",
    lambda sp, x, y: sp.Piecewise((0, sp.Eq(x, 0)), (x * sp.log(1 + y), True)),
    special=True,
    np=False,
    bare=False,
    method=False,
    torch=False,
)
binary("maximum", "elementwise maximum (ties share the gradient)", lambda sp, x, y: sp.Max(x, y), np=True, kinks=_ties)
binary("minimum", "elementwise minimum (ties share the gradient)", lambda sp, x, y: sp.Min(x, y), np=True, kinks=_ties)
binary("fmax", "elementwise maximum, ignoring nan", lambda sp, x, y: sp.Max(x, y), kinks=_ties, bare=False)
binary("fmin", "elementwise minimum, ignoring nan", lambda sp, x, y: sp.Min(x, y), kinks=_ties, bare=False)
binary("copysign", "|x| with the sign of y", lambda sp, x, y: sp.Abs(x) * sp.sign(y), kinks=None)


def _arith(key: str, doc: str, fn: Any, np_names: tuple[str, ...], sym_op: Any, alpha: bool = False) -> None:
    sig: tuple[Any, ...] = (P("input"), P("other"))
    if alpha:
        sig = (*sig, P("alpha", NUMBER, 1, kw_only=True))
    np_sig = (P("x1", canon="input"), P("x2", canon="other"))

    def sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
        a = b["alpha"] if alpha and b["alpha"] is not None else 1
        return S.zipwith(
            [t["input"], t["other"]], lambda x, y: sym_op(x, y * S.number(a)), b.out.shape if b.out else None
        )

    register(
        op(key, doc, sig, sym=sym, method=key, torch=f"torch.{fn}"),
        spell(
            key,
            bare=False,
            torch=(key, *(n for n in np_names if n != key)),
            method=(key, *(n for n in np_names if n != key)),
            np=np_names,
            sigs={"np": np_sig, "jnp": np_sig},
        ),
    )


_arith("add", "x + alpha*y", "add", ("add",), lambda x, y: x + y, alpha=True)
_arith("sub", "x - alpha*y", "sub", ("subtract",), lambda x, y: x - y, alpha=True)
_arith("mul", "x * y", "mul", ("multiply",), lambda x, y: x * y)
_arith("div", "x / y", "div", ("divide", "true_divide"), lambda x, y: x / y)


def _pow_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.zipwith([t["input"], t["exponent"]], lambda x, e: x**e, b.out.shape if b.out else None)


register(
    op("pow", "x ** y", (P("input"), P("exponent")), sym=_pow_sym, method="pow"),
    spell(
        "pow",
        method=True,
        np=("power", "pow"),
        math=True,
        sigs={
            "np": (P("x1", canon="input"), P("x2", canon="exponent")),
            "jnp": (P("x1", canon="input"), P("x2", canon="exponent")),
            "bare": (P("base", canon="input"), P("exp", canon="exponent")),
            "math": (P("x", canon="input"), P("y", canon="exponent")),
        },
    ),
)
register(
    op("float_power", "x ** y in float64", (P("input"), P("exponent")), sym=_pow_sym, method="float_power"),
    spell("float_power", bare=False, method=True, np=True),
)


def _lerp_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.zipwith(
        [t["input"], t["end"], t["weight"]], lambda x, e, w: x + w * (e - x), b.out.shape if b.out else None
    )


register(
    op("lerp", "x + weight*(end - x)", (P("input"), P("end"), P("weight")), sym=_lerp_sym, method="lerp"),
    spell("lerp", method=True),
)

# ---- where and clamp --------------------------------------------------------------------------------


def _where_shape(b: Bound) -> Any:
    cond = b.info("condition")
    if cond.kind not in ("bool",) and not (cond.kind == "static" and isinstance(cond.value, bool)):
        raise b.error(f"the condition of where() must be a comparison such as x > 0, got {cond.describe()}")
    return elementwise(b)


def _where_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    shape = b.out.shape if b.out else None
    return S.zipwith([t["condition"], t["input"], t["other"]], lambda c, x, y: S.sp.Piecewise((x, c), (y, True)), shape)


_WHERE_SIG = (P("condition"), P("input"), P("other"))
register(
    op(
        "where",
        "where(condition, x, y): x where the condition holds, else y",
        _WHERE_SIG,
        shape=_where_shape,
        sym=_where_sym,
    ),
    spell(
        "where",
        np=True,
        sigs={
            "np": (P("condition"), P("x", canon="input"), P("y", canon="other")),
            "jnp": (P("condition"), P("x", canon="input"), P("y", canon="other")),
        },
    ),
)


def _where_method_emit(b: Bound) -> Any:
    from .core import TIn, TMethod

    if b.native:
        return TMethod(TIn("input"), "where", (TIn("condition"), arg_of(b, "other")))
    return default_emit(b)


register(
    op(
        "where.method",
        "x.where(condition, y): x where the condition holds, else y",
        (P("input"), P("condition"), P("other")),
        shape=_where_shape,
        sym=_where_sym,
        emit=_where_method_emit,
        torch="torch.where",
    ),
    spell("where", bare=False, torch=False, method=True),
)


def _clamp_shape(b: Bound) -> Any:
    if not b.has("min") and not b.has("max"):
        raise b.error(f"{b.call.spelling}() needs at least one of min and max")
    return elementwise(b)


def _clamp_emit(b: Bound) -> Any:
    """torch.clamp takes both bounds as numbers or both as tensors: a number next to a tensor
    bound is passed as a constant tensor (torch.clamp(x, lo, 1.0) raises a TypeError)."""
    bounds = [k for k in ("min", "max") if b.has(k)]
    tensors = [k for k in bounds if b.info(k).kind != "static"]
    if not tensors or len(tensors) == len(bounds):
        return default_emit(b)
    kwargs = [(k, arg_of(b, k) if k in tensors else TConst(float(pyvalue(b.info(k).value)))) for k in bounds]
    return call_torch(b, [TIn("input")], kwargs)


def _clamp_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    sp = S.sp
    parts = [t["input"]]
    names = ["input"]
    for k in ("min", "max"):
        if k in t:
            parts.append(t[k])
            names.append(k)

    def f(*vals: Any) -> Any:
        x = vals[0]
        given = dict(zip(names, vals))
        lo, hi = given.get("min"), given.get("max")
        # torch: the gradient flows where lo <= x <= hi (boundaries included); min wins over max
        cases = []
        if hi is not None:
            cases.append((hi, x > hi))
        if lo is not None:
            cases.insert(0, (lo, x < lo))
        return sp.Piecewise(*cases, (x, True))

    return S.zipwith(parts, f, b.out.shape if b.out else None)


def _clamp_kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    out = []
    for k in ("min", "max"):
        if k in v:
            out.append(((v["input"] - v[k]).abs(), f"its argument equals {k} (the edge of the clamp)"))
    return out


_CLAMP_SIG = (X, P("min", SCALAR, None), P("max", SCALAR, None))
register(
    op(
        "clamp",
        "x limited to [min, max] (gradient 1 inside, boundaries included; 0 outside)",
        _CLAMP_SIG,
        shape=_clamp_shape,
        emit=_clamp_emit,
        sym=_clamp_sym,
        kinks=_clamp_kinks,
        method="clamp",
    ),
    spell(
        "clamp",
        torch=("clamp", "clip"),
        method=("clamp", "clip"),
        np="clip",
        sigs={
            "np": (P("a", canon="input"), P("a_min", SCALAR, None, canon="min"), P("a_max", SCALAR, None, canon="max")),
            "jnp": (
                P("a", canon="input", aliases=("x", "arr")),
                P("min", SCALAR, None, aliases=("a_min",)),
                P("max", SCALAR, None, aliases=("a_max",)),
            ),
        },
    ),
)
register(
    op(
        "clamp_min",
        "max(x, min)",
        (X, P("min", SCALAR)),
        shape=_clamp_shape,
        sym=_clamp_sym,
        kinks=_clamp_kinks,
        method="clamp_min",
    ),
    spell("clamp_min", bare=False, method=True),
)
register(
    op(
        "clamp_max",
        "min(x, max)",
        (X, P("max", SCALAR)),
        shape=_clamp_shape,
        sym=_clamp_sym,
        kinks=_clamp_kinks,
        method="clamp_max",
    ),
    spell("clamp_max", bare=False, method=True),
)

__all__ = ["BOOL", "binary", "unary"]
