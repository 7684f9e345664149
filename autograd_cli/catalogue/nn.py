"""Neural-network functions: activations, softmax and friends, normalisation, linear layers,
and losses, as torch.nn.functional (and jax.nn) define them."""

from __future__ import annotations

import math
from typing import Any

from ..shapes import Info, broadcast, fmt, norm_dim, reduced, tensor
from .core import BOOL, DIM, INDEX, INTS, NUMBER, OPTIONAL_TENSOR, STR, Bound, P, TIn, tcall
from .dsl import X, at_values, at_zero, call_torch, default_emit, elementwise, op, spell
from .registry import register


def _sig(*params: Any) -> tuple[Any, ...]:
    return (X, *params)


def _sp(S: Any) -> Any:
    return S.sp


def act(
    key: str,
    doc: str,
    sym: Any,
    params: tuple[Any, ...] = (),
    *,
    torch_fn: str | None = None,
    torch: Any = False,
    method: Any = False,
    jax: Any = None,
    jax_sig: tuple[Any, ...] | None = None,
    kinks: Any = None,
    bare: Any = True,
    special: Any = False,
) -> None:
    """An activation from torch.nn.functional: ``F.KEY(x, params...)``."""
    spellings = spell(
        key,
        bare=bare,
        torch=torch,
        method=method,
        F=True,
        special=special,
        jax_nn=jax if jax is not None else False,
        sigs={"jax.nn": jax_sig} if jax_sig else None,
    )

    def sym_fn(S: Any, b: Bound, t: dict[str, Any]) -> Any:
        return S.map1(t["input"], lambda e: sym(S, b, e))

    register(
        op(
            key,
            doc,
            _sig(*params),
            sym=sym_fn if sym else None,
            kinks=kinks,
            torch=torch_fn or f"torch.nn.functional.{key}",
            group="activation",
            method=key if method else None,
        ),
        spellings,
    )


def _pw(S: Any, *cases: Any) -> Any:
    return S.sp.Piecewise(*cases)


act(
    "relu",
    "max(x, 0) (gradient 0 at 0, as torch)",
    lambda S, b, x: S.relu(x),
    torch=True,
    method=True,
    jax=True,
    kinks=at_zero(),
)
act(
    "relu6",
    "min(max(x, 0), 6)",
    lambda S, b, x: _pw(S, (0, x <= 0), (6, x >= 6), (x, True)),
    jax=True,
    kinks=at_values((0, 6)),
)
act(
    "leaky_relu",
    "x for x > 0, negative_slope*x otherwise",
    lambda S, b, x: _pw(S, (x, x > 0), (S.number(b["negative_slope"]) * x, True)),
    (P("negative_slope", NUMBER, 0.01), P("inplace", BOOL, False)),
    jax=True,
    kinks=at_zero(),
)
act(
    "elu",
    "x for x > 0, alpha*(exp(x) - 1) otherwise",
    lambda S, b, x: _pw(S, (x, x > 0), (S.number(b["alpha"]) * (S.sp.exp(x) - 1), True)),
    (P("alpha", NUMBER, 1.0), P("inplace", BOOL, False)),
    jax=True,
    kinks=at_zero(),
)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
act(
    "selu",
    "scale*(x for x > 0, alpha*(exp(x) - 1) otherwise), self-normalising constants",
    lambda S, b, x: S.number(_SELU_SCALE) * _pw(S, (x, x > 0), (S.number(_SELU_ALPHA) * (S.sp.exp(x) - 1), True)),
    (P("inplace", BOOL, False),),
    torch=True,
    jax=True,
    kinks=at_zero(),
)
act(
    "celu",
    "max(0, x) + min(0, alpha*(exp(x/alpha) - 1))",
    lambda S, b, x: _pw(S, (x, x > 0), (S.number(b["alpha"]) * (S.sp.exp(x / S.number(b["alpha"])) - 1), True)),
    (P("alpha", NUMBER, 1.0), P("inplace", BOOL, False)),
    torch=True,
    jax=True,
)
act(
    "gelu",
    "x*Φ(x); approximate='tanh' uses the tanh approximation",
    lambda S, b, x: (
        x / 2 * (1 + S.sp.erf(x / S.sp.sqrt(2)))
        if b["approximate"] == "none"
        else x / 2 * (1 + S.sp.tanh(S.sp.sqrt(2 / S.sp.pi) * (x + S.sp.Rational(44715, 1000000) * x**3)))
    ),
    (P("approximate", STR, "none", choices=("none", "tanh"), kw_only=True),),
)
act("silu", "x*sigmoid(x) (swish)", lambda S, b, x: x * S.sigmoid(x), jax=("silu", "swish"))
act("mish", "x*tanh(softplus(x))", lambda S, b, x: x * S.sp.tanh(S.sp.log(1 + S.sp.exp(x))), jax=True)
act("softsign", "x/(1 + |x|)", lambda S, b, x: x / (1 + S.sp.Abs(x)), jax="soft_sign", kinks=None)
act("logsigmoid", "log(sigmoid(x))", lambda S, b, x: -S.sp.log(1 + S.sp.exp(-x)), jax="log_sigmoid")
act(
    "hardtanh",
    "x limited to [min_val, max_val] (gradient 0 at the ends, as torch)",
    lambda S, b, x: _pw(
        S, (S.number(b["min_val"]), x <= b["min_val"]), (S.number(b["max_val"]), x >= b["max_val"]), (x, True)
    ),
    (P("min_val", NUMBER, -1.0), P("max_val", NUMBER, 1.0), P("inplace", BOOL, False)),
    jax="hard_tanh",
    jax_sig=(X,),
    kinks=lambda T, b, v: [
        (
            T.minimum((v["input"] - b["min_val"]).abs(), (v["input"] - b["max_val"]).abs()),
            "its argument is at an end of hardtanh",
        )
    ],
)
act(
    "hardswish",
    "x*relu6(x + 3)/6",
    lambda S, b, x: _pw(S, (0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)),
    jax="hard_swish",
    kinks=at_values((-3, 3)),
)
act(
    "hardsigmoid",
    "relu6(x + 3)/6",
    lambda S, b, x: _pw(S, (0, x <= -3), (1, x >= 3), (x / 6 + S.sp.Rational(1, 2), True)),
    jax="hard_sigmoid",
    kinks=at_values((-3, 3)),
)
act("tanhshrink", "x - tanh(x)", lambda S, b, x: x - S.sp.tanh(x))
act(
    "softshrink",
    "x - lambd for x > lambd, x + lambd for x < -lambd, else 0",
    lambda S, b, x: _pw(
        S, (x - S.number(b["lambd"]), x > b["lambd"]), (x + S.number(b["lambd"]), x < -b["lambd"]), (0, True)
    ),
    (P("lambd", NUMBER, 0.5),),
    kinks=lambda T, b, v: [((v["input"].abs() - b["lambd"]).abs(), "its argument is at ±lambd")],
)
act(
    "hardshrink",
    "x where |x| > lambd, else 0",
    lambda S, b, x: _pw(S, (x, S.sp.Abs(x) > b["lambd"]), (0, True)),
    (P("lambd", NUMBER, 0.5),),
    kinks=lambda T, b, v: [((v["input"].abs() - b["lambd"]).abs(), "its argument is at ±lambd (a jump)")],
)


def _softplus_sym(S: Any, b: Bound, x: Any) -> Any:
    beta, threshold = S.number(b["beta"]), b["threshold"]
    return S.softplus(x, beta, threshold)


act(
    "softplus",
    "log(1 + exp(beta*x))/beta, linear where beta*x > threshold (as torch)",
    _softplus_sym,
    (P("beta", NUMBER, 1.0), P("threshold", NUMBER, 20.0)),
    jax=True,
    jax_sig=(X,),
)


def _jax_gelu_emit(b: Bound) -> Any:
    return tcall("torch.nn.functional.gelu", TIn("input"), approximate="tanh" if b["approximate"] else "none")


def _jax_gelu_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    sp = S.sp

    def f(x: Any) -> Any:
        if not b["approximate"]:
            return x / 2 * (1 + sp.erf(x / sp.sqrt(2)))
        return x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Rational(44715, 1000000) * x**3)))

    return S.map1(t["input"], f)


register(
    op(
        "jax.gelu",
        "jax.nn.gelu: the tanh approximation by default (approximate=True)",
        (X, P("approximate", BOOL, True)),
        emit=_jax_gelu_emit,
        sym=_jax_gelu_sym,
        torch="torch.nn.functional.gelu",
        group="activation",
    ),
    spell("gelu", bare=False, torch=False, jax_nn=True),
)


# ---- softmax and friends --------------------------------------------------------------------------------


def _legacy_dim(ndim: int) -> int:
    """torch.nn.functional.softmax without dim: torch's implicit choice (it warns)."""
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_shape(b: Bound) -> Info:
    shape = b.shape("input")
    dim = b["dim"]
    if dim is None:
        family = b.extra.get("family")
        if family == "F":
            dim = _legacy_dim(len(shape))
            b.extra["implicit"] = dim
        elif family == "jax.scipy.special":  # SciPy's softmax (and JAX's copy): every element
            b.extra["all"] = True
            b.extra["dim"] = 0
            return tensor(shape)
        elif family in ("bare", "jax.nn"):
            dim = -1
        else:
            raise b.error(f"{b.call.spelling}() needs dim (torch has no default here), e.g. dim=-1")
    b.extra["dim"] = norm_dim(dim, len(shape), b.where)
    return tensor(shape)


def _softmax_emit(b: Bound) -> Any:
    if b.extra.get("all"):
        flat = tcall(f"torch.{b.op.key}", tcall("torch.flatten", TIn("input")), dim=0)
        return tcall("torch.reshape", flat, b.shape("input"))
    d = b.extra["dim"]
    if b.native:
        return call_torch(b, [TIn("input")], [("dim", d)])
    return tcall(f"torch.{b.op.key}" if b.op.key != "softmin" else "torch.nn.functional.softmin", TIn("input"), dim=d)


def _softmax_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    x = t["input"]
    if b.extra.get("all") and x.shape:
        flat = S.softmax(S.SymTensor((len(x.items),), x.items), 0, b.op.key)
        return S.SymTensor(x.shape, flat.items)
    return S.softmax(x, b.extra["dim"], b.op.key)


_SOFTMAX_SIG = (X, P("dim", DIM, None, aliases=("axis",)), P("_stacklevel", "int", 3), P("dtype", "none", None))
_JAX_SOFTMAX = (P("x", canon="input"), P("axis", DIM, -1, canon="dim"))
_JSP_SOFTMAX = (P("x", canon="input"), P("axis", DIM, None, canon="dim"))  # None: every element
for _key, _doc in (
    ("softmax", "exp(x)/sum(exp(x)) along dim"),
    ("log_softmax", "log(softmax(x)) along dim, computed stably"),
    ("softmin", "softmax(-x) along dim"),
):
    register(
        op(
            _key,
            _doc,
            _SOFTMAX_SIG,
            shape=_softmax_shape,
            emit=_softmax_emit,
            sym=_softmax_sym,
            group="activation",
            method=_key if _key != "softmin" else None,
            torch=f"torch.{_key}" if _key != "softmin" else "torch.nn.functional.softmin",
        ),
        spell(
            _key,
            torch=_key != "softmin",
            method=_key != "softmin",
            F=True,
            special=_key != "softmin",
            jax_nn=_key != "softmin",
            jsp="softmax" if _key == "softmax" else False,
            sigs={
                "jax.nn": _JAX_SOFTMAX,
                "jax.scipy.special": _JSP_SOFTMAX,
                "torch": (X, P("dim", DIM, aliases=("axis",)), P("dtype", "none", None)),
                "method": (X, P("dim", DIM, aliases=("axis",)), P("dtype", "none", None)),
            },
        ),
    )


def _normalize_shape(b: Bound) -> Info:
    shape = b.shape("input")
    b.extra["dim"] = norm_dim(b["dim"], len(shape), b.where)
    return tensor(shape)


def _normalize_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.normalize(t["input"], float(b["p"]), b.extra["dim"], float(b["eps"]))


register(
    op(
        "normalize",
        "x / max(‖x‖_p, eps) along dim",
        (X, P("p", NUMBER, 2.0), P("dim", DIM, 1), P("eps", NUMBER, 1e-12)),
        shape=_normalize_shape,
        sym=_normalize_sym,
        torch="torch.nn.functional.normalize",
        group="activation",
    ),
    spell("normalize", F=True, torch=False),
)

# ---- layers -----------------------------------------------------------------------------------------


def _linear_shape(b: Bound) -> Info:
    x, w = b.shape("input"), b.shape("weight")
    if len(w) not in (1, 2):
        raise b.error(f"linear's weight must be 1-D or 2-D, got shape {fmt(w)}")
    if not x or x[-1] != w[-1]:
        raise b.error(
            f"linear: {b.describe_shapes('input', 'weight')}; the input's last size must equal the weight's last size (weight is out x in)"
        )
    out = x[:-1] + w[:-1]
    if b.has("bias"):
        out = broadcast(out, b.shape("bias"), b.where)
    return tensor(out)


def _linear_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    w = t["weight"]
    wt = S.permute(w, tuple(reversed(range(len(w.shape)))))
    y = S.matmul(t["input"], wt, b.shape("input")[:-1] + b.shape("weight")[:-1])
    if "bias" in t:
        y = S.zipwith([y, t["bias"]], lambda a, c: a + c, b.out.shape if b.out else ())
    return y


register(
    op(
        "linear",
        "x @ weight.T + bias",
        (X, P("weight"), P("bias", OPTIONAL_TENSOR, None)),
        shape=_linear_shape,
        sym=_linear_sym,
        torch="torch.nn.functional.linear",
        group="layer",
    ),
    spell("linear", F=True, torch=False),
)


def _bilinear_shape(b: Bound) -> Info:
    x1, x2, w = b.shape("input1"), b.shape("input2"), b.shape("weight")
    if len(w) != 3 or not x1 or not x2 or x1[-1] != w[1] or x2[-1] != w[2] or x1[:-1] != x2[:-1]:
        raise b.error(
            f"bilinear: inputs {fmt(x1)} and {fmt(x2)} do not fit a weight of shape {fmt(w)} (out x in1 x in2)"
        )
    out = (*x1[:-1], w[0])
    if b.has("bias"):
        out = broadcast(out, b.shape("bias"), b.where)
    return tensor(out)


def _bilinear_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    y = S.einsum(["bi", "kij", "bj"], "bk", {}, [S.as_batch(t["input1"]), t["weight"], S.as_batch(t["input2"])])
    y = S.SymTensor((*b.shape("input1")[:-1], b.shape("weight")[0]), y.items)
    if "bias" in t:
        y = S.zipwith([y, t["bias"]], lambda a, c: a + c, b.out.shape if b.out else ())
    return y


register(
    op(
        "bilinear",
        "y_k = x1ᵀ W_k x2 + b_k",
        (P("input1"), P("input2"), P("weight"), P("bias", OPTIONAL_TENSOR, None)),
        shape=_bilinear_shape,
        sym=_bilinear_sym,
        torch="torch.nn.functional.bilinear",
        group="layer",
    ),
    spell("bilinear", F=True, torch=False),
)


def _layer_norm_shape(b: Bound) -> Info:
    x = b.shape("input")
    ns = b["normalized_shape"]
    ns = (ns,) if isinstance(ns, int) else tuple(ns)
    if tuple(x[len(x) - len(ns) :]) != ns or len(ns) > len(x):
        raise b.error(f"layer_norm: normalized_shape {ns} is not the end of the input's shape {fmt(x)}")
    for name in ("weight", "bias"):
        if b.has(name) and b.shape(name) != ns:
            raise b.error(f"layer_norm: {name} has shape {fmt(b.shape(name))}, not normalized_shape {fmt(ns)}")
    b.extra["dims"] = tuple(range(len(x) - len(ns), len(x)))
    return tensor(x)


def _layer_norm_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    y = S.layer_norm(t["input"], b.extra["dims"], float(b["eps"]))
    for name, fn in (("weight", lambda a, c: a * c), ("bias", lambda a, c: a + c)):
        if name in t:
            y = S.zipwith([y, t[name]], fn, b.out.shape if b.out else ())
    return y


register(
    op(
        "layer_norm",
        "(x - mean)/sqrt(var + eps) over the last dims, then * weight + bias",
        (
            X,
            P("normalized_shape", INTS),
            P("weight", OPTIONAL_TENSOR, None),
            P("bias", OPTIONAL_TENSOR, None),
            P("eps", NUMBER, 1e-5),
        ),
        shape=_layer_norm_shape,
        sym=_layer_norm_sym,
        torch="torch.nn.functional.layer_norm",
        group="layer",
    ),
    spell("layer_norm", F=True, torch=False),
)


def _cos_shape(b: Bound) -> Info:
    shape = broadcast(b.shape("x1"), b.shape("x2"), b.where)
    d = norm_dim(b["dim"], len(shape), b.where)
    b.extra["dims"] = (d,) if shape else ()
    return tensor(reduced(shape, b.extra["dims"], False))


def _cos_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    """torch 2.x: x1·x2 / (max(‖x1‖, eps) max(‖x2‖, eps)), each norm clamped on its own."""
    shape = broadcast(b.shape("x1"), b.shape("x2"))
    dims, sp, e2 = b.extra["dims"], S.sp, S.number(b["eps"]) ** 2
    a, c = (S.SymTensor(shape, S.expand(t[k], shape)) for k in ("x1", "x2"))
    dot = S.reduce(S.zipwith([a, c], lambda x, y: x * y, shape), dims, False, lambda xs: sp.Add(*xs))
    na, nc = (S.reduce(v, dims, False, lambda xs: sp.Add(*[x**2 for x in xs])) for v in (a, c))

    def clamped(sq: Any) -> Any:  # max(‖x‖, eps) as sqrt(max(‖x‖², eps²)): no 0/0 at the zero vector
        return sp.sqrt(S.maximum(sq, e2))

    return S.zipwith([dot, na, nc], lambda d, p, q: d / (clamped(p) * clamped(q)), dot.shape)


def _cos_kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    dims, eps = b.extra["dims"], float(b["eps"])
    return [
        ((T.linalg.vector_norm(v[k], dim=dims) - eps).abs(), f"‖{k}‖ is at eps, where cosine_similarity clamps it")
        for k in ("x1", "x2")
    ]


register(
    op(
        "cosine_similarity",
        "x1·x2 / (max(‖x1‖, eps) max(‖x2‖, eps)) along dim",
        (P("x1"), P("x2"), P("dim", DIM, 1), P("eps", NUMBER, 1e-8)),
        shape=_cos_shape,
        sym=_cos_sym,
        kinks=_cos_kinks,
        torch="torch.nn.functional.cosine_similarity",
        group="layer",
    ),
    spell("cosine_similarity", F=True, torch=True),
)


def _pdist_shape(b: Bound) -> Info:
    shape = broadcast(b.shape("x1"), b.shape("x2"), b.where)
    if not shape:
        raise b.error("pairwise_distance needs vectors")
    b.extra["dims"] = (len(shape) - 1,)
    return tensor(reduced(shape, b.extra["dims"], bool(b["keepdim"])))


def _pdist_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    shape = broadcast(b.shape("x1"), b.shape("x2"))
    eps = S.number(b["eps"])
    diff = S.zipwith([t["x1"], t["x2"]], lambda a, c: a - c + eps, shape)
    return S.reduce(diff, b.extra["dims"], bool(b["keepdim"]), lambda xs: S.vector_norm(xs, float(b["p"])))


register(
    op(
        "pairwise_distance",
        "‖x1 - x2 + eps‖_p along the last dim",
        (P("x1"), P("x2"), P("p", NUMBER, 2.0), P("eps", NUMBER, 1e-6), P("keepdim", BOOL, False)),
        shape=_pdist_shape,
        sym=_pdist_sym,
        torch="torch.nn.functional.pairwise_distance",
        group="layer",
    ),
    spell("pairwise_distance", F=True, torch=True),
)


# ---- losses ------------------------------------------------------------------------------------------------

REDUCTION = P("reduction", STR, "mean", choices=("mean", "sum", "none"))
_LEGACY = (P("size_average", "none", None), P("reduce", "none", None))


def _loss_out(b: Bound, shape: tuple[int, ...]) -> Info:
    return tensor(shape if b["reduction"] == "none" else ())


def _pointwise_loss_shape(b: Bound) -> Info:
    x, y = b.shape("input"), b.shape("target")
    if x != y:
        if b.op.key in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
            shape = broadcast(x, y, b.where, (b.arg_text("input"), b.arg_text("target")))
        else:
            raise b.error(f"{b.op.key}: {b.describe_shapes('input', 'target')}; they must be equal")
    else:
        shape = x
    if b.has("weight"):
        if b.op.key == "mse_loss" and b.shape("weight") != x:  # torch: "Weights and input must have the same size"
            raise b.error(
                f"mse_loss: {b.describe_shapes('weight', 'input')}; torch needs the weight in the input's shape"
            )
        shape = broadcast(shape, b.shape("weight"), b.where)
    b.extra["shape"] = shape
    return _loss_out(b, shape)


def _loss_sym(fn: Any) -> Any:
    def sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
        names = [n for n in ("input", "target", "weight", "pos_weight") if n in t]
        per = S.zipwith([t[n] for n in names], lambda *v: fn(S, b, dict(zip(names, v))), b.extra["shape"])
        if b.op.key == "mse_loss" and "weight" in t and b["reduction"] == "mean":  # torch divides by sum(weight)
            total = S.reduction(per, "sum").items[0]
            return S.SymTensor((), (total / S.sp.Add(*t["weight"].items),))
        return S.reduction(per, b["reduction"])

    return sym


def _loss(key: str, doc: str, fn: Any, params: tuple[Any, ...], kinks: Any = None) -> None:
    register(
        op(
            key,
            doc,
            (P("input"), P("target"), *params),
            shape=_pointwise_loss_shape,
            sym=_loss_sym(fn),
            kinks=kinks,
            torch=f"torch.nn.functional.{key}",
            group="loss",
        ),
        spell(key, F=True, torch=False),
    )


def _diff_kink(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    return [((v["input"] - v["target"]).abs(), "input equals target (|x - y| has a kink)")]


_loss(
    "mse_loss",
    "mean((x - y)²); with weight w: sum(w (x - y)²)/sum(w)",
    lambda S, b, v: (v["input"] - v["target"]) ** 2 * v.get("weight", 1),
    (*_LEGACY, REDUCTION, P("weight", OPTIONAL_TENSOR, None, kw_only=True)),
)
_loss(
    "l1_loss",
    "mean(|x - y|)",
    lambda S, b, v: S.sp.Abs(v["input"] - v["target"]),
    (*_LEGACY, REDUCTION),
    kinks=_diff_kink,
)


def _smooth_l1(S: Any, b: Bound, v: dict[str, Any]) -> Any:
    d = v["input"] - v["target"]
    beta = S.number(b["beta"])
    if b["beta"] == 0:
        return S.sp.Abs(d)
    return S.sp.Piecewise((d**2 / (2 * beta), S.sp.Abs(d) < beta), (S.sp.Abs(d) - beta / 2, True))


def _huber(S: Any, b: Bound, v: dict[str, Any]) -> Any:
    d = v["input"] - v["target"]
    delta = S.number(b["delta"])
    return S.sp.Piecewise((d**2 / 2, S.sp.Abs(d) < delta), (delta * (S.sp.Abs(d) - delta / 2), True))


_loss(
    "smooth_l1_loss",
    "0.5(x-y)²/beta where |x-y| < beta, else |x-y| - beta/2",
    _smooth_l1,
    (*_LEGACY, REDUCTION, P("beta", NUMBER, 1.0)),
    kinks=lambda T, b, v: _diff_kink(T, b, v) if b["beta"] == 0 else [],
)
_loss(
    "huber_loss",
    "0.5(x-y)² where |x-y| < delta, else delta(|x-y| - delta/2)",
    _huber,
    (REDUCTION, P("delta", NUMBER, 1.0)),
)


def _bce(S: Any, b: Bound, v: dict[str, Any]) -> Any:
    x, y = v["input"], v["target"]
    loss = -(y * S.sp.log(x) + (1 - y) * S.sp.log(1 - x))
    return loss * v["weight"] if "weight" in v else loss


_loss(
    "binary_cross_entropy",
    "-(y log x + (1-y) log(1-x)), x a probability",
    _bce,
    (P("weight", OPTIONAL_TENSOR, None, nondiff=True), *_LEGACY, REDUCTION),
)


def _bce_logits(S: Any, b: Bound, v: dict[str, Any]) -> Any:
    x, y = v["input"], v["target"]
    sp = S.sp
    log_sig = -sp.log(1 + sp.exp(-x))  # log sigmoid(x)
    log_1m = -sp.log(1 + sp.exp(x))  # log (1 - sigmoid(x))
    pw = v.get("pos_weight", 1)
    loss = -(pw * y * log_sig + (1 - y) * log_1m)
    return loss * v["weight"] if "weight" in v else loss


_loss(
    "binary_cross_entropy_with_logits",
    "binary cross entropy of sigmoid(x), computed stably",
    _bce_logits,
    (
        P("weight", OPTIONAL_TENSOR, None, nondiff=True),
        *_LEGACY,
        REDUCTION,
        P("pos_weight", OPTIONAL_TENSOR, None, nondiff=True),
    ),
)


def _kl_shape(b: Bound) -> Info:
    x, y = b.shape("input"), b.shape("target")
    shape = broadcast(x, y, b.where)
    b.extra["shape"] = shape
    if b["reduction"] == "batchmean":
        b.extra["batch"] = shape[0] if shape else 1
    return tensor(shape if b["reduction"] == "none" else ())


def _kl_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    sp = S.sp

    def f(x: Any, y: Any) -> Any:
        if b["log_target"]:
            return sp.exp(y) * (y - x)
        return sp.Piecewise((0, sp.Eq(y, 0)), (y * (sp.log(y) - x), True))

    per = S.zipwith([t["input"], t["target"]], f, b.extra["shape"])
    if b["reduction"] == "batchmean":
        total = S.reduction(per, "sum")
        return S.map1(total, lambda e: e / b.extra["batch"])
    return S.reduction(per, b["reduction"])


register(
    op(
        "kl_div",
        "KL divergence with x as log-probabilities: y (log y - x); reduction 'mean' averages every element",
        (
            P("input"),
            P("target"),
            *_LEGACY,
            P("reduction", STR, "mean", choices=("mean", "sum", "none", "batchmean")),
            P("log_target", BOOL, False),
        ),
        shape=_kl_shape,
        sym=_kl_sym,
        torch="torch.nn.functional.kl_div",
        group="loss",
    ),
    spell("kl_div", F=True, torch=False),
)


def _class_loss_shape(b: Bound) -> Info:
    x = b.shape("input")
    target = b.info("target")
    if not x:
        raise b.error(f"{b.op.key} needs scores of shape (C,) or (N, C)")
    c_dim = 0 if len(x) == 1 else 1
    classes = x[c_dim]
    if (target.kind == "index" and target.shape != x) or (target.kind == "static" and isinstance(target.value, int)):
        want = x[:c_dim] + x[c_dim + 1 :]
        if target.shape != want:
            raise b.error(
                f"{b.op.key}: class targets have shape {fmt(target.shape)}; scores of shape {fmt(x)} need targets of shape {fmt(want)}"
            )
        b.extra["indices"] = True
        out = want
    else:
        if b.op.key == "nll_loss":
            raise b.error("nll_loss needs integer class targets (an input given whole numbers, e.g. --at 't=[0,2]')")
        if target.shape != x:
            raise b.error(
                f"cross_entropy with class probabilities needs a target of the input's shape {fmt(x)}, got {fmt(target.shape)}"
            )
        b.extra["indices"] = False
        out = x[:c_dim] + x[c_dim + 1 :]
    if b.has("weight") and b.shape("weight") != (classes,):
        raise b.error(
            f"{b.op.key}: weight must have one entry per class ({classes}), got shape {fmt(b.shape('weight'))}"
        )
    b.extra["c_dim"] = c_dim
    b.extra["classes"] = classes
    return tensor(out if b["reduction"] == "none" else ())


def _class_loss_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.class_loss(
        b.op.key,
        t["input"],
        t["target"],
        t.get("weight"),
        b.extra,
        b["reduction"],
        b.get("ignore_index", -100),
        float(b.get("label_smoothing", 0.0) or 0.0),
    )


register(
    op(
        "cross_entropy",
        "softmax cross entropy of scores x (N, C) with class indices or class probabilities",
        (
            P("input"),
            P("target", INDEX),
            P("weight", OPTIONAL_TENSOR, None, nondiff=True),
            *_LEGACY,
            P("ignore_index", "int", -100),
            REDUCTION,
            P("label_smoothing", NUMBER, 0.0),
        ),
        shape=_class_loss_shape,
        sym=_class_loss_sym,
        torch="torch.nn.functional.cross_entropy",
        group="loss",
    ),
    spell("cross_entropy", F=True, torch=False),
)
register(
    op(
        "nll_loss",
        "negative log likelihood of log-probabilities x (N, C) at class indices",
        (
            P("input"),
            P("target", INDEX),
            P("weight", OPTIONAL_TENSOR, None, nondiff=True),
            *_LEGACY,
            P("ignore_index", "int", -100),
            REDUCTION,
        ),
        shape=_class_loss_shape,
        sym=_class_loss_sym,
        torch="torch.nn.functional.nll_loss",
        group="loss",
    ),
    spell("nll_loss", F=True, torch=False),
)

__all__ = ["default_emit", "elementwise", "math"]


def _standardize_shape(b: Bound) -> Info:
    shape = b.shape("input")
    from .dsl import reduce_dims

    b.extra["dims"] = reduce_dims(b, len(shape))
    return tensor(shape)


def _standardize_emit(b: Bound) -> Any:
    from .core import TOp, tmethod
    from .dsl import pyvalue

    dims = b.extra["dims"]
    x = TIn("input")
    mean = tmethod(x, "mean", dim=dims, keepdim=True)
    var = tmethod(x, "var", dim=dims, correction=0, keepdim=True)
    eps = pyvalue(b["eps"])
    return TOp("/", (TOp("-", (x, mean)), tcall("torch.sqrt", TOp("+", (var, eps)))))


def _standardize_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.layer_norm(t["input"], b.extra["dims"], float(b["eps"]))


register(
    op(
        "standardize",
        "jax.nn.standardize: (x - mean)/sqrt(var + epsilon) along axis (-1 by default)",
        (
            P("x", canon="input"),
            P("axis", "dims", -1, canon="dim"),
            P("mean", "none", None),
            P("variance", "none", None),
            P("epsilon", NUMBER, 1e-5, canon="eps"),
        ),
        shape=_standardize_shape,
        emit=_standardize_emit,
        sym=_standardize_sym,
        torch="(x - mean) / sqrt(var + eps)",
        group="activation",
    ),
    spell("standardize", bare=False, torch=False, jax_nn=True),
)


def _cos_emb_shape(b: Bound) -> Info:
    a, c, t = b.shape("input1"), b.shape("input2"), b.info("target")
    if a != c or len(a) not in (1, 2):
        raise b.error(f"cosine_embedding_loss needs two (N, D) or (D,) tensors of one shape, got {fmt(a)} and {fmt(c)}")
    want = a[:1] if len(a) == 2 else ()
    if t.shape != want:
        raise b.error(
            f"cosine_embedding_loss: the target (1 or -1 per pair) must have shape {fmt(want)}, got {fmt(t.shape)}"
        )
    b.extra["rows"] = want
    return tensor(want if b["reduction"] == "none" else ())


def _cos_emb_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    sp = S.sp
    x1, x2, y = t["input1"], t["input2"], t["target"]
    d = x1.shape[-1]
    rows = max(1, len(x1.items) // d)
    eps = S.number(1e-12)
    margin = S.number(b["margin"])
    losses = []
    for r in range(rows):
        a = x1.items[r * d : (r + 1) * d]
        c = x2.items[r * d : (r + 1) * d]
        cos = sp.Add(*[p * q for p, q in zip(a, c)]) / sp.sqrt(
            (sp.Add(*[p**2 for p in a]) + eps) * (sp.Add(*[q**2 for q in c]) + eps)
        )
        label = y.items[r]
        if label == 1:
            losses.append(1 - cos)
        elif label == -1:
            losses.append(S.maximum(sp.Integer(0), cos - margin))
        else:
            raise S.NoSymbolicForm("cosine_embedding_loss needs targets of 1 or -1 (give a point with --at)")
    per = S.SymTensor(b.extra["rows"], tuple(losses))
    return S.reduction(per, b["reduction"])


register(
    op(
        "cosine_embedding_loss",
        "1 - cos(x1, x2) where the target is 1, max(0, cos(x1, x2) - margin) where it is -1",
        (P("input1"), P("input2"), P("target", INDEX), P("margin", NUMBER, 0.0), *_LEGACY, REDUCTION),
        shape=_cos_emb_shape,
        sym=_cos_emb_sym,
        torch="torch.nn.functional.cosine_embedding_loss",
        group="loss",
    ),
    spell("cosine_embedding_loss", F=True, torch=False),
)
