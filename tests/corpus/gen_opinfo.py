"""Write tests/corpus/opinfo_cases.json from torch's own operator test inputs (OpInfo `op_db`).

    python tests/corpus/gen_opinfo.py          # needs `pip install expecttest` (torch's test helpers)

For each operation of issue 9's list (plus the basics), take float64 samples from
`torch.testing._internal.common_methods_invocations.op_db` whose arguments are plain
(tensors, Python numbers, ints, tuples of ints, strings, bools), write them as a user would
(`torch.cumsum(a, dim=1)`, `F.gelu(a, approximate='tanh')`, `a.cumsum(1)`), name the tensors
a, b, c... with their values as `--at` strings, and record the value and Jacobian that torch
gives when the same function is called directly (torch.autograd.functional.jacobian over the
float inputs that require grad; integer tensors such as class targets are constants).

Float inputs are rounded to 4 significant digits (short `--at` strings). Samples with a tensor
of more than 64 elements, or a Jacobian of more than 300 entries, are cut to their first 3
(else 2) entries along every dimension (each such case says so); a cut that makes the call
invalid is skipped. Each
written call is checked against the OpInfo's own op on the same sample before it is kept.

Then hand-written "domain edges and kinks" (relu/abs at 0, sqrt and log at 0, clamp at its
bounds, ties of max/maximum, ...), recording exactly what torch gives, non-finite included.

Only this generator imports op_db; the tests read the JSON.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812

HERE = Path(__file__).resolve().parent
OUT = HERE / "opinfo_cases.json"
PER_OP = 4  # samples kept per OpInfo entry (variants of an op each get their own)
MAX_ELEMENTS = 64
MAX_JACOBIAN = 300  # m * n entries, so the JSON stays small
CUTS = (None, 3, 2)  # as given, else every dimension cut to its first 3, else 2 entries

FAMILIES: dict[str, list[str]] = {
    "elementwise": (
        "log1p expm1 exp2 rsqrt reciprocal square sign floor ceil round trunc frac erfc erfinv lgamma digamma sinc "
        "sin cos tan exp log sqrt abs tanh sigmoid"
    ).split(),
    "binary": "hypot logaddexp xlogy lerp clamp clip maximum minimum where pow atan2".split(),
    "activation": (
        "gelu silu elu selu celu leaky_relu softsign logsigmoid hardtanh hardswish mish relu6 relu softplus"
    ).split(),
    "softmax-normalize": "log_softmax softmin softmax normalize logsumexp".split(),
    "shape": (
        "cumsum cumprod outer inner cross kron cat stack transpose permute reshape flatten squeeze unsqueeze flip "
        "diag diagonal tril triu trace einsum"
    ).split(),
    "linalg": "det inv solve matrix_exp logdet matmul mm mv dot norm".split(),
    "reduction": "std var amax amin sum mean prod max min".split(),
    "nn": "linear bilinear layer_norm cosine_similarity pairwise_distance".split(),
    "loss": (
        "mse_loss l1_loss smooth_l1_loss huber_loss binary_cross_entropy binary_cross_entropy_with_logits "
        "cross_entropy nll_loss kl_div"
    ).split(),
}
FAMILY_OF = {name: family for family, names in FAMILIES.items() for name in names}

# OpInfo names (name, variant) to use; the short name is the op in FAMILIES.
OPINFOS = [
    *[(n, "") for n in FAMILIES["elementwise"] if n not in ("round",)],
    ("round", ""),
    ("round", "decimals_3"),
    *[(n, "") for n in ("hypot", "logaddexp", "xlogy", "lerp", "clamp", "maximum", "minimum", "where", "pow", "atan2")],
    *[("nn.functional." + n, "") for n in FAMILIES["activation"]],
    ("log_softmax", ""),
    ("nn.functional.softmin", ""),
    ("softmax", ""),
    ("nn.functional.normalize", ""),
    ("logsumexp", ""),
    *[(n, "") for n in FAMILIES["shape"] if n != "cross"],
    ("cross", ""),
    ("linalg.cross", ""),
    ("squeeze", "multiple"),
    ("linalg.det", ""),
    ("linalg.inv", ""),
    ("linalg.solve", ""),
    ("matrix_exp", ""),
    ("logdet", ""),
    *[(n, "") for n in ("matmul", "mm", "mv", "dot")],
    ("norm", ""),
    ("norm", "fro"),
    ("norm", "inf"),
    ("linalg.norm", ""),
    ("std", ""),
    ("std", "unbiased"),
    ("var", ""),
    ("var", "unbiased"),
    ("amax", ""),
    ("amin", ""),
    ("sum", ""),
    ("mean", ""),
    ("prod", ""),
    ("max", "reduction_with_dim"),
    ("max", "reduction_no_dim"),
    ("max", "binary"),
    ("min", "reduction_with_dim"),
    ("min", "reduction_no_dim"),
    ("min", "binary"),
    *[("nn.functional." + n, "") for n in FAMILIES["nn"]],
    *[("nn.functional." + n, "") for n in FAMILIES["loss"]],
]

# other spellings of the same operation, tried on the first samples of the op
ALIASES: dict[str, list[str]] = {
    "clamp": ["torch.clip"],
    "linalg.det": ["torch.det"],
    "linalg.inv": ["torch.inverse"],
    "matrix_exp": ["torch.linalg.matrix_exp"],
    "sigmoid": ["torch.special.expit", "F.sigmoid"],
    "nn.functional.relu": ["torch.relu"],
    "softmax": ["F.softmax", "torch.special.softmax"],
    "log_softmax": ["F.log_softmax", "torch.special.log_softmax"],
    "erfc": ["torch.special.erfc"],
    "erfinv": ["torch.special.erfinv"],
    "expm1": ["torch.special.expm1"],
    "exp2": ["torch.special.exp2"],
    "log1p": ["torch.special.log1p"],
    "digamma": ["torch.special.digamma", "torch.special.psi"],
    "lgamma": ["torch.special.gammaln"],
    "sinc": ["torch.special.sinc"],
    "xlogy": ["torch.special.xlogy"],
    "logsumexp": ["torch.special.logsumexp"],
    "tanh": ["F.tanh"],
    "atan2": ["torch.arctan2"],
    "abs": ["torch.absolute"],
    "nn.functional.silu": [],
    "nn.functional.hardtanh": [],
    "linalg.norm": [],
}
ALIAS_SAMPLES = 2
# the op list name of an alias spelling, when the list names it separately
ALIAS_OP = {"torch.clip": "clip", "torch.det": "det", "torch.inverse": "inv"}


class UnfitSampleError(Exception):
    """This sample does not fit the corpus (said why)."""


def spelled(opinfo_name: str) -> str:
    if opinfo_name.startswith("nn.functional."):
        return "F." + opinfo_name[len("nn.functional.") :]
    return "torch." + opinfo_name


def resolve(spelling: str) -> Callable[..., Any]:
    """The callable a spelling names (trusted generator code: spellings come from the tables above)."""
    head, _, rest = spelling.partition(".")
    obj: Any = {"torch": torch, "F": F}[head]
    for part in rest.split("."):
        obj = getattr(obj, part)
    return obj


class Namer:
    """Tensors become inputs a, b, c... in order of appearance; the rest becomes literal text."""

    def __init__(self) -> None:
        self.inputs: dict[str, torch.Tensor] = {}
        self.masks: set[str] = set()

    def name(self, t: torch.Tensor, mask: bool = False) -> str:
        if t.is_complex() or t.is_sparse or t.layout != torch.strided:
            raise UnfitSampleError("complex or sparse tensor")
        if t.numel() == 0:
            raise UnfitSampleError("zero-size tensor")
        if mask:
            t = t.to(torch.float64)
        elif t.dtype not in (torch.float64, torch.int64):
            raise UnfitSampleError(f"tensor of dtype {t.dtype}")
        if t.dtype == torch.float64 and not torch.isfinite(t).all():
            raise UnfitSampleError("non-finite input")
        n = "abcdefghijklmnopqrstuvwxyz"[len(self.inputs)]
        self.inputs[n] = t.detach().clone()
        if mask:
            self.masks.add(n)
        return n

    def text(self, v: object) -> str:
        if isinstance(v, torch.Tensor):
            if v.dtype == torch.bool:
                return f"{self.name(v, mask=True)} > 0"
            return self.name(v)
        if isinstance(v, bool) or v is None:
            return repr(v)
        if isinstance(v, int):
            return repr(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                return f"float('{v}')"
            return repr(v)
        if isinstance(v, str):
            return repr(v)
        if isinstance(v, tuple | list | torch.Size):
            items = [self.text(x) for x in v]
            if all(isinstance(x, torch.Tensor) for x in v) and v:
                return "[" + ", ".join(items) + "]"
            if isinstance(v, list):
                return "[" + ", ".join(items) + "]"
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        raise UnfitSampleError(f"argument of type {type(v).__name__}")


def cut(v: object, k: int) -> object:
    """The sample with every dimension of every tensor cut to its first k entries."""
    if isinstance(v, torch.Tensor):
        grad = v.requires_grad
        for dim, size in enumerate(v.shape):
            if size > k:
                v = v.narrow(dim, 0, k)
        return v.detach().clone().requires_grad_(grad)
    if isinstance(v, tuple):
        return tuple(cut(x, k) for x in v)
    if isinstance(v, list):
        return [cut(x, k) for x in v]
    if isinstance(v, dict):
        return {key: cut(x, k) for key, x in v.items()}
    return v


def tensors_in(v: object) -> list[torch.Tensor]:
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, tuple | list):
        return [t for x in v for t in tensors_in(x)]
    if isinstance(v, dict):
        return [t for x in v.values() for t in tensors_in(x)]
    return []


def substitute(v: object, by_id: dict[int, torch.Tensor]) -> object:
    """The same structure with tensors replaced (by identity) from by_id."""
    if isinstance(v, torch.Tensor):
        return by_id.get(id(v), v)
    if isinstance(v, tuple):
        return tuple(substitute(x, by_id) for x in v)
    if isinstance(v, list):
        return [substitute(x, by_id) for x in v]
    if isinstance(v, dict):
        return {k: substitute(x, by_id) for k, x in v.items()}
    return v


def at_text(name: str, t: torch.Tensor) -> str:
    value = t.tolist()
    return f"{name}=" + json.dumps(value, separators=(",", ":"))


def spell_number(v: float) -> float | str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def jacobian_case(
    fn: Callable[..., torch.Tensor],
    inputs: dict[str, torch.Tensor],
    differentiable: list[str],
    allow_nonfinite: bool = False,
) -> tuple[list[float | str], dict[str, dict[str, Any]]]:
    """Value and Jacobian blocks of fn(**inputs) w.r.t. `differentiable`, by torch directly."""

    def f(*xs: torch.Tensor) -> torch.Tensor:
        kw = dict(inputs)
        kw.update(zip(differentiable, xs))
        out = fn(**kw)
        if not isinstance(out, torch.Tensor) or not out.dtype.is_floating_point:
            raise UnfitSampleError("output is not one float tensor")
        return out.reshape(-1)

    primals = tuple(inputs[n] for n in differentiable)
    value = f(*primals).detach()
    if value.numel() == 0:
        raise UnfitSampleError("zero-size output")
    n = sum(p.numel() for p in primals)
    if value.numel() * n > MAX_JACOBIAN:
        raise UnfitSampleError("Jacobian too large for the JSON")
    jac = torch.autograd.functional.jacobian(f, primals)
    m = value.numel()
    blocks = {name: block.reshape(m, -1).tolist() for name, block in zip(differentiable, jac)}
    finite = torch.isfinite(value).all() and all(torch.isfinite(b).all() for b in jac)
    if not finite and not allow_nonfinite:
        raise UnfitSampleError("non-finite value or Jacobian")
    return [spell_number(v) for v in value.tolist()], {k: sparse(rows) for k, rows in blocks.items()}


def sparse(rows: list[list[float]]) -> dict[str, Any]:
    """A Jacobian block as its shape and nonzero entries [i, j, v] (most blocks are diagonal or banded)."""
    entries = [[i, j, spell_number(v)] for i, row in enumerate(rows) for j, v in enumerate(row) if v != 0]
    return {"shape": [len(rows), len(rows[0]) if rows else 0], "nonzero": entries}


def same(a: object, b: object) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.shape == b.shape and bool(torch.allclose(a, b, equal_nan=True, rtol=1e-12, atol=1e-12))
    return False


def build(opinfo: Any, sample: Any, spelling: str, style: str) -> dict[str, Any]:
    """One case from one sample: the text, the point, and torch's answer. style: function | method."""
    namer = Namer()
    base = opinfo.name
    tail = ""
    if base == "where":  # OpInfo's op is where(condition, self, other) reordered as (self, condition, other)
        cond, other = sample.args
        args: list[str] = [namer.text(cond), namer.text(sample.input), namer.text(other)]
        kwargs: dict[str, str] = {}
        call_args: tuple = (cond, sample.input, other)
        call_kwargs: dict = {}
    elif base == "einsum":  # OpInfo's op is einsum(tensors, equation)
        (equation,) = sample.args
        args = [namer.text(equation)] + [namer.text(t) for t in sample.input]
        kwargs = {}
        call_args = (equation, *sample.input)
        call_kwargs = {}
    else:
        call_args = (sample.input, *sample.args)
        call_kwargs = dict(sample.kwargs)
        for k, v in call_kwargs.items():
            if k in ("out", "dtype", "generator", "device", "memory_format", "layout") or isinstance(v, torch.dtype):
                raise UnfitSampleError(f"keyword {k}")
        args = [namer.text(v) for v in call_args]
        kwargs = {k: namer.text(v) for k, v in call_kwargs.items()}
    if opinfo.name in ("max", "min") and opinfo.variant_test_name == "reduction_with_dim":
        tail = ".values"
    for t in tensors_in((call_args, call_kwargs)):
        if t.numel() > MAX_ELEMENTS:
            raise UnfitSampleError("tensor above 64 elements")
    fn_callable = resolve(spelling) if style == "function" else None
    method = spelling if style == "method" else ""
    arg_text = ", ".join(args[1:] if style == "method" else args)
    kw_text = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    inner = ", ".join(x for x in (arg_text, kw_text) if x)
    expr = f"{args[0]}.{method}({inner}){tail}" if style == "method" else f"{spelling}({inner}){tail}"

    # the same call as a function of the named inputs (ids map the sample's tensors to names)
    originals = tensors_in((call_args, call_kwargs))
    names = list(namer.inputs)
    if len(originals) != len(names):
        raise UnfitSampleError("a tensor appears in an unsupported place")
    if len({id(t) for t in originals}) != len(originals):
        raise UnfitSampleError("the same tensor passed twice")

    def call(**kw: torch.Tensor) -> torch.Tensor:
        by_id = {}
        for orig, name in zip(originals, names):
            t = kw[name]
            by_id[id(orig)] = (t > 0) if name in namer.masks else t
        a = substitute(call_args, by_id)
        k = substitute(call_kwargs, by_id)
        assert isinstance(a, tuple) and isinstance(k, dict)
        out = getattr(a[0], method)(*a[1:], **k) if style == "method" else fn_callable(*a, **k)  # type: ignore[misc]
        return out.values if tail else out

    with torch.no_grad():
        ours = call(**{n: (t.to(torch.bool) if n in namer.masks else t) for n, t in namer.inputs.items()})
        theirs = opinfo.op(sample.input, *sample.args, **sample.kwargs)
        if tail:
            theirs = theirs.values
    if not same(ours, theirs):
        raise UnfitSampleError("the written call disagrees with the OpInfo's op")
    differentiable = [
        n
        for n, orig in zip(names, originals)
        if orig.dtype == torch.float64 and orig.requires_grad and n not in namer.masks
    ]
    if not differentiable:
        raise UnfitSampleError("no differentiable input")
    value, blocks = jacobian_case(call, namer.inputs, differentiable)
    constants = [n for n in names if n not in differentiable]
    return {
        "expr": expr,
        "at": [at_text(n, t) for n, t in namer.inputs.items()],
        "wrt": differentiable if constants else None,
        "inputs": {
            n: {
                "shape": list(t.shape),
                "dtype": "int64" if t.dtype == torch.int64 else "float64",
                "differentiable": n in differentiable,
                **({"mask": "used as `name > 0`"} if n in namer.masks else {}),
            }
            for n, t in namer.inputs.items()
        },
        "value": value,
        "jacobian": blocks,
    }


def samples_of(opinfo: Any) -> list[Any]:
    """The op's float64 samples with requires_grad, the same ones on every call (seeded)."""
    torch.manual_seed(0)
    return list(opinfo.sample_inputs("cpu", torch.float64, requires_grad=True))


def rounded(v: object) -> object:
    """Float tensors rounded to 4 significant digits, so the `--at` strings stay short."""
    if isinstance(v, torch.Tensor):
        if v.dtype != torch.float64:
            return v
        r = torch.tensor([float(f"{x:.4g}") for x in v.detach().reshape(-1).tolist()], dtype=v.dtype)
        return r.reshape(v.shape).requires_grad_(v.requires_grad)
    if isinstance(v, tuple):
        return tuple(rounded(x) for x in v)
    if isinstance(v, list):
        return [rounded(x) for x in v]
    if isinstance(v, dict):
        return {key: rounded(x) for key, x in v.items()}
    return v


def sized(sample: Any, k: int | None) -> Any:
    """The sample cut to k entries per dimension (None: as given), its floats rounded to 4 digits."""
    parts = (
        (sample.input, sample.args, sample.kwargs)
        if k is None
        else tuple(cut(p, k) for p in (sample.input, sample.args, sample.kwargs))
    )
    return type(sample)(rounded(parts[0]), args=rounded(parts[1]), kwargs=rounded(parts[2]))


def build_sized(
    opinfo: Any, sample: Any, spelling: str, style: str, k: int | None = None
) -> tuple[dict[str, Any], int | None]:
    """build() on the sample as given, or cut smaller until its tensors and Jacobian are small enough."""
    sizes = CUTS if k is None else (k,)
    for i, size in enumerate(sizes):
        try:
            return build(opinfo, sized(sample, size), spelling, style), size
        except UnfitSampleError as e:
            too_big = str(e) in ("tensor above 64 elements", "Jacobian too large for the JSON")
            if not too_big or i == len(sizes) - 1:
                raise
    raise AssertionError("unreachable")


def signature(case: dict[str, Any]) -> tuple:
    """What makes a sample a different kind of call: its keywords and argument kinds."""
    expr = case["expr"]
    inside = expr[expr.index("(") :]
    kinds = tuple(sorted(k for k in ("=", "'", "(", "[", ".") if k in inside[1:]))
    return (len(case["at"]), kinds, tuple(sorted(a.split("=")[0] for a in inside.split(",") if "=" in a)))


def op_short(opinfo_name: str) -> str:
    return opinfo_name.split(".")[-1]


def other_spellings(
    opinfo: Any, samples: list[Any], chosen: list[tuple[dict[str, Any], int, int | None]], cases: list[dict[str, Any]]
) -> int:
    """Cases for the method spelling (`a.cumsum(1)`) and the aliases of an op, on its first samples."""
    short = op_short(opinfo.name)
    variant = f" ({opinfo.variant_test_name})" if opinfo.variant_test_name else ""
    extra = 0
    if opinfo.method_variant is not None and not opinfo.name.startswith(("nn.", "linalg.")) and short != "where":
        for _case, i, size in chosen[:1]:
            try:
                case, _ = build_sized(opinfo, samples[i], short, "method", size)
                cases.append(finish(case, short, f"op_db {opinfo.name}{variant} sample {i}{cut_note(size)}, method"))
                extra += 1
            except (UnfitSampleError, RuntimeError, TypeError) as e:
                print(f"  {opinfo.name}: method spelling skipped: {e}", file=sys.stderr)
    for alias in ALIASES.get(opinfo.name, []) if not variant else []:
        for _case, i, size in chosen[:ALIAS_SAMPLES]:
            try:
                case, _ = build_sized(opinfo, samples[i], alias, "function", size)
                source = f"op_db {opinfo.name} sample {i}{cut_note(size)}, spelled {alias}"
                cases.append(finish(case, ALIAS_OP.get(alias, short), source))
                extra += 1
            except (UnfitSampleError, RuntimeError, TypeError) as e:
                print(f"  {opinfo.name}: {alias} skipped: {e}", file=sys.stderr)
    return extra


def opinfo_cases() -> list[dict[str, Any]]:
    from torch.testing._internal.common_methods_invocations import op_db

    by_name = {(o.name, o.variant_test_name): o for o in op_db}
    cases: list[dict[str, Any]] = []
    for key in OPINFOS:
        opinfo = by_name[key]
        short = op_short(opinfo.name)
        variant = f" ({opinfo.variant_test_name})" if opinfo.variant_test_name else ""
        made: list[tuple[dict[str, Any], int, int | None]] = []
        skipped: dict[str, int] = {}
        samples = samples_of(opinfo)
        for i, sample in enumerate(samples):
            try:
                made.append((*build_sized(opinfo, sample, spelled(opinfo.name), "function"), i))
            except UnfitSampleError as e:
                skipped[str(e)] = skipped.get(str(e), 0) + 1
            except (RuntimeError, ValueError, IndexError, TypeError) as e:
                skipped[type(e).__name__] = skipped.get(type(e).__name__, 0) + 1
        # keep a handful, preferring different kinds of call (keywords, argument kinds)
        made = [(case, i, size) for case, size, i in made]  # type: ignore[misc]
        chosen: list[tuple[dict[str, Any], int, int | None]] = []
        seen: set[tuple] = set()
        for item in made:
            if signature(item[0]) not in seen:
                seen.add(signature(item[0]))
                chosen.append(item)
        for item in made:
            if len(chosen) >= PER_OP:
                break
            if item not in chosen:
                chosen.append(item)
        chosen = sorted(chosen[: max(PER_OP, min(len(seen), PER_OP + 2))], key=lambda item: item[1])
        for case, i, size in chosen:
            cases.append(finish(case, short, f"op_db {opinfo.name}{variant} sample {i}{cut_note(size)}"))
        extra = other_spellings(opinfo, samples, chosen, cases)
        print(
            f"{opinfo.name}{variant}: {len(chosen)} kept (+{extra} spellings) of {len(made)} usable; skipped {skipped}"
        )
    return cases


def cut_note(size: int | None) -> str:
    return "" if size is None else f" (each dimension cut to {size})"


def finish(case: dict[str, Any], op: str, source: str) -> dict[str, Any]:
    return {"op": op, "family": FAMILY_OF[op], "source": source, **case}


# ---- domain edges and kinks ----------------------------------------------------------------------
# (family, text, point, function of the named inputs [, wrt]); what torch gives is recorded as is.
Edge = tuple[str, str, dict[str, Any], Callable[..., torch.Tensor]]

EDGES: list[Edge] = [
    # elementwise: kinks and the ends of domains
    ("elementwise", "torch.abs(x)", {"x": [-1.0, 0.0, 2.0]}, lambda x: torch.abs(x)),
    ("elementwise", "x.abs()", {"x": 0.0}, lambda x: x.abs()),
    ("elementwise", "torch.sqrt(x)", {"x": 0.0}, lambda x: torch.sqrt(x)),
    ("elementwise", "torch.sqrt(x)", {"x": [0.0, 4.0]}, lambda x: torch.sqrt(x)),
    ("elementwise", "torch.sqrt(x)", {"x": -1.0}, lambda x: torch.sqrt(x)),
    ("elementwise", "torch.log(x)", {"x": 0.0}, lambda x: torch.log(x)),
    ("elementwise", "torch.log(x)", {"x": [0.0, 1.0]}, lambda x: torch.log(x)),
    ("elementwise", "torch.log(x)", {"x": -1.0}, lambda x: torch.log(x)),
    ("elementwise", "torch.log1p(x)", {"x": -1.0}, lambda x: torch.log1p(x)),
    ("elementwise", "torch.rsqrt(x)", {"x": 0.0}, lambda x: torch.rsqrt(x)),
    ("elementwise", "torch.reciprocal(x)", {"x": 0.0}, lambda x: torch.reciprocal(x)),
    ("elementwise", "1 / x", {"x": 0.0}, lambda x: 1 / x),
    ("elementwise", "x ** 0.5", {"x": 0.0}, lambda x: x**0.5),
    ("elementwise", "x ** 2", {"x": 0.0}, lambda x: x**2),
    ("elementwise", "torch.sign(x)", {"x": [-2.0, 0.0, 3.0]}, lambda x: torch.sign(x)),
    ("elementwise", "torch.floor(x)", {"x": [1.0, -2.5]}, lambda x: torch.floor(x)),
    ("elementwise", "torch.round(x)", {"x": [0.5, 1.5, 2.5, -0.5]}, lambda x: torch.round(x)),
    ("elementwise", "torch.frac(x)", {"x": [2.0, -1.0]}, lambda x: torch.frac(x)),
    ("elementwise", "torch.erfinv(x)", {"x": [1.0, -1.0, 0.0]}, lambda x: torch.erfinv(x)),
    ("elementwise", "torch.lgamma(x)", {"x": [0.0, 1.0, 2.0]}, lambda x: torch.lgamma(x)),
    ("elementwise", "torch.sinc(x)", {"x": [0.0, 1.0]}, lambda x: torch.sinc(x)),
    ("elementwise", "torch.acos(x)", {"x": [1.0, -1.0]}, lambda x: torch.acos(x)),
    ("elementwise", "torch.asin(x)", {"x": 1.0}, lambda x: torch.asin(x)),
    ("elementwise", "torch.sqrt(x ** 2)", {"x": 0.0}, lambda x: torch.sqrt(x**2)),
    # activations at their kinks
    ("activation", "torch.relu(x)", {"x": [-1.0, 0.0, 1.0]}, lambda x: torch.relu(x)),
    ("activation", "F.relu(x)", {"x": 0.0}, lambda x: F.relu(x)),
    ("activation", "F.relu6(x)", {"x": [0.0, 6.0, 3.0]}, lambda x: F.relu6(x)),
    ("activation", "F.leaky_relu(x)", {"x": [0.0, -1.0]}, lambda x: F.leaky_relu(x)),
    ("activation", "F.leaky_relu(x, negative_slope=0.2)", {"x": 0.0}, lambda x: F.leaky_relu(x, negative_slope=0.2)),
    ("activation", "F.elu(x)", {"x": 0.0}, lambda x: F.elu(x)),
    ("activation", "F.elu(x, alpha=2.0)", {"x": 0.0}, lambda x: F.elu(x, alpha=2.0)),
    ("activation", "F.celu(x, alpha=0.5)", {"x": 0.0}, lambda x: F.celu(x, alpha=0.5)),
    ("activation", "F.selu(x)", {"x": 0.0}, lambda x: F.selu(x)),
    ("activation", "F.hardtanh(x)", {"x": [-1.0, 1.0, 0.5]}, lambda x: F.hardtanh(x)),
    (
        "activation",
        "F.hardtanh(x, min_val=-2.0, max_val=2.0)",
        {"x": [-2.0, 2.0]},
        lambda x: F.hardtanh(x, min_val=-2.0, max_val=2.0),
    ),
    ("activation", "F.hardswish(x)", {"x": [-3.0, 3.0, 0.0]}, lambda x: F.hardswish(x)),
    ("activation", "F.softplus(x)", {"x": [20.0, 20.5, -30.0]}, lambda x: F.softplus(x)),
    (
        "activation",
        "F.softplus(x, beta=2, threshold=5)",
        {"x": [2.5, 2.4]},
        lambda x: F.softplus(x, beta=2, threshold=5),
    ),
    ("activation", "F.gelu(x)", {"x": 0.0}, lambda x: F.gelu(x)),
    ("activation", "F.silu(x)", {"x": 0.0}, lambda x: F.silu(x)),
    ("activation", "F.mish(x)", {"x": 0.0}, lambda x: F.mish(x)),
    ("activation", "F.logsigmoid(x)", {"x": [-800.0, 800.0]}, lambda x: F.logsigmoid(x)),
    ("activation", "torch.sigmoid(x)", {"x": [-800.0, 800.0]}, lambda x: torch.sigmoid(x)),
    ("activation", "F.softsign(x)", {"x": 0.0}, lambda x: F.softsign(x)),
    # clamp, maximum, minimum, where: bounds and ties
    ("binary", "torch.clamp(x, min=0.0)", {"x": [0.0, -1.0, 1.0]}, lambda x: torch.clamp(x, min=0.0)),
    (
        "binary",
        "torch.clamp(x, min=-0.5, max=0.5)",
        {"x": [-0.5, 0.5, 0.0]},
        lambda x: torch.clamp(x, min=-0.5, max=0.5),
    ),
    ("binary", "x.clamp(0, 1)", {"x": [0.0, 1.0]}, lambda x: x.clamp(0, 1)),
    ("binary", "torch.clip(x, -1, 1)", {"x": [-1.0, 1.0]}, lambda x: torch.clip(x, -1, 1)),
    (
        "binary",
        "torch.clamp(x, min=lo, max=hi)",
        {"x": [0.0, 1.0], "lo": [0.0, 0.0], "hi": [1.0, 1.0]},
        lambda x, lo, hi: torch.clamp(x, min=lo, max=hi),
    ),
    ("binary", "torch.maximum(x, y)", {"x": [1.0, 2.0], "y": [1.0, 3.0]}, lambda x, y: torch.maximum(x, y)),
    ("binary", "torch.minimum(x, y)", {"x": [1.0, 2.0], "y": [1.0, 3.0]}, lambda x, y: torch.minimum(x, y)),
    ("binary", "torch.max(x, y)", {"x": [1.0, 2.0], "y": [1.0, 3.0]}, lambda x, y: torch.max(x, y)),
    ("binary", "torch.fmax(x, y)", {"x": [1.0, 2.0], "y": [1.0, 3.0]}, lambda x, y: torch.fmax(x, y)),
    (
        "binary",
        "torch.where(x > 0, torch.log(x), 0.)",
        {"x": [0.0, 1.0]},
        lambda x: torch.where(x > 0, torch.log(x), 0.0),
    ),
    (
        "binary",
        "torch.where(x > 0, torch.sqrt(x), 0.)",
        {"x": [0.0, -1.0, 4.0]},
        lambda x: torch.where(x > 0, torch.sqrt(x), 0.0),
    ),
    ("binary", "torch.where(x >= 0, x, 0.01 * x)", {"x": [0.0, -1.0]}, lambda x: torch.where(x >= 0, x, 0.01 * x)),
    ("binary", "torch.xlogy(x, y)", {"x": [0.0, 0.0], "y": [0.0, 1.0]}, lambda x, y: torch.xlogy(x, y)),
    ("binary", "x * torch.log(y)", {"x": [0.0, 0.0], "y": [0.0, 1.0]}, lambda x, y: x * torch.log(y)),
    ("binary", "torch.pow(x, y)", {"x": [0.0, 0.0, 2.0], "y": [0.0, 2.0, 0.0]}, lambda x, y: torch.pow(x, y)),
    ("binary", "x ** y", {"x": [-2.0], "y": [2.0]}, lambda x, y: x**y),
    ("binary", "torch.hypot(x, y)", {"x": [0.0], "y": [0.0]}, lambda x, y: torch.hypot(x, y)),
    ("binary", "torch.atan2(y, x)", {"y": [0.0, 1.0], "x": [0.0, 0.0]}, lambda y, x: torch.atan2(y, x)),
    ("binary", "torch.logaddexp(x, y)", {"x": [-800.0, 0.0], "y": [-800.0, 0.0]}, lambda x, y: torch.logaddexp(x, y)),
    (
        "binary",
        "torch.lerp(x, y, w)",
        {"x": [1.0, 2.0], "y": [1.0, 5.0], "w": [0.0, 1.0]},
        lambda x, y, w: torch.lerp(x, y, w),
    ),
    ("binary", "torch.clamp(x, max=0.0)", {"x": [0.0, 1.0, -1.0]}, lambda x: torch.clamp(x, max=0.0)),
    ("binary", "torch.clamp(x, min=1.0, max=-1.0)", {"x": [0.0, 2.0]}, lambda x: torch.clamp(x, min=1.0, max=-1.0)),
    # reductions: ties, zeros, constants
    ("reduction", "torch.max(x)", {"x": [1.0, 3.0, 3.0]}, lambda x: torch.max(x)),
    ("reduction", "x.max()", {"x": [2.0, 2.0, 2.0, 2.0]}, lambda x: x.max()),
    ("reduction", "torch.min(x)", {"x": [1.0, 1.0, 3.0]}, lambda x: torch.min(x)),
    ("reduction", "torch.amax(x, dim=1)", {"x": [[1.0, 3.0, 3.0], [0.0, 0.0, -1.0]]}, lambda x: torch.amax(x, dim=1)),
    ("reduction", "torch.amin(x, 0)", {"x": [[1.0, 3.0], [1.0, -1.0]]}, lambda x: torch.amin(x, 0)),
    (
        "reduction",
        "torch.max(x, dim=1).values",
        {"x": [[1.0, 3.0, 3.0], [0.0, 0.0, -1.0]]},
        lambda x: torch.max(x, dim=1).values,
    ),
    ("reduction", "torch.max(x, 1)[0]", {"x": [[1.0, 3.0, 3.0], [0.0, 0.0, -1.0]]}, lambda x: torch.max(x, 1)[0]),
    ("reduction", "x.max(dim=0).values", {"x": [[2.0, 1.0], [2.0, 0.0]]}, lambda x: x.max(dim=0).values),
    ("reduction", "torch.norm(x)", {"x": [0.0, 0.0, 0.0]}, lambda x: torch.norm(x)),
    ("reduction", "torch.linalg.vector_norm(x)", {"x": [0.0, 0.0]}, lambda x: torch.linalg.vector_norm(x)),
    ("reduction", "torch.linalg.norm(x, 1)", {"x": [0.0, 1.0, -2.0]}, lambda x: torch.linalg.norm(x, 1)),
    (
        "reduction",
        "torch.linalg.vector_norm(x, ord=float('inf'))",
        {"x": [1.0, -3.0, 3.0]},
        lambda x: torch.linalg.vector_norm(x, ord=float("inf")),
    ),
    ("reduction", "torch.sqrt((x ** 2).sum())", {"x": [0.0, 0.0]}, lambda x: torch.sqrt((x**2).sum())),
    ("reduction", "torch.std(x)", {"x": [1.0, 1.0, 1.0]}, lambda x: torch.std(x)),
    ("reduction", "torch.std(x)", {"x": [1.5]}, lambda x: torch.std(x)),
    ("reduction", "torch.var(x, correction=0)", {"x": [2.0, 2.0]}, lambda x: torch.var(x, correction=0)),
    ("reduction", "torch.prod(x)", {"x": [0.0, 2.0, 3.0]}, lambda x: torch.prod(x)),
    ("reduction", "torch.prod(x)", {"x": [0.0, 0.0, 3.0]}, lambda x: torch.prod(x)),
    ("reduction", "torch.cumprod(x, dim=0)", {"x": [2.0, 0.0, 3.0]}, lambda x: torch.cumprod(x, dim=0)),
    ("reduction", "torch.logsumexp(x, 0)", {"x": [-800.0, -800.0]}, lambda x: torch.logsumexp(x, 0)),
    ("reduction", "torch.median(x)", {"x": [1.0, 2.0, 2.0, 5.0]}, lambda x: torch.median(x)),
    ("reduction", "x.sort().values", {"x": [2.0, 1.0, 2.0]}, lambda x: x.sort().values),
    # linear algebra at singular or degenerate points
    ("linalg", "torch.linalg.det(A)", {"A": [[1.0, 2.0], [2.0, 4.0]]}, lambda A: torch.linalg.det(A)),
    ("linalg", "torch.det(A)", {"A": [[0.0, 0.0], [0.0, 0.0]]}, lambda A: torch.det(A)),
    ("linalg", "torch.logdet(A)", {"A": [[1.0, 2.0], [3.0, 4.0]]}, lambda A: torch.logdet(A)),
    ("linalg", "torch.logdet(A)", {"A": [[1.0, 2.0], [2.0, 4.0]]}, lambda A: torch.logdet(A)),
    (
        "linalg",
        "torch.linalg.slogdet(A).logabsdet",
        {"A": [[1.0, 2.0], [3.0, 4.0]]},
        lambda A: torch.linalg.slogdet(A).logabsdet,
    ),
    ("linalg", "torch.linalg.inv(A)", {"A": [[1.0, 0.0], [0.0, 1e-300]]}, lambda A: torch.linalg.inv(A)),
    ("linalg", "torch.linalg.matrix_exp(A)", {"A": [[0.0, 0.0], [0.0, 0.0]]}, lambda A: torch.linalg.matrix_exp(A)),
    ("linalg", "torch.linalg.norm(A, 2)", {"A": [[1.0, 0.0], [0.0, 1.0]]}, lambda A: torch.linalg.norm(A, 2)),
    ("linalg", "torch.linalg.norm(A, 'nuc')", {"A": [[1.0, 0.0], [0.0, 2.0]]}, lambda A: torch.linalg.norm(A, "nuc")),
    ("linalg", "torch.norm(A, 2)", {"A": [[1.0, 2.0], [3.0, 4.0]]}, lambda A: torch.norm(A, 2)),
    ("linalg", "torch.norm(A, 1)", {"A": [[1.0, -2.0], [3.0, 4.0]]}, lambda A: torch.norm(A, 1)),
    ("linalg", "torch.linalg.norm(A, 1)", {"A": [[1.0, -2.0], [3.0, 4.0]]}, lambda A: torch.linalg.norm(A, 1)),
    (
        "linalg",
        "torch.linalg.matrix_norm(A, ord=1)",
        {"A": [[1.0, -2.0], [1.0, 2.0]]},
        lambda A: torch.linalg.matrix_norm(A, ord=1),
    ),
    ("linalg", "torch.trace(A)", {"A": [[0.0, 1.0], [2.0, 0.0]]}, lambda A: torch.trace(A)),
    ("linalg", "F.normalize(x, dim=0)", {"x": [0.0, 0.0]}, lambda x: F.normalize(x, dim=0)),
    (
        "linalg",
        "F.cosine_similarity(x, y, dim=0)",
        {"x": [0.0, 0.0], "y": [1.0, 0.0]},
        lambda x, y: F.cosine_similarity(x, y, dim=0),
    ),
    ("linalg", "torch.dist(x, y)", {"x": [1.0, 2.0], "y": [1.0, 2.0]}, lambda x, y: torch.dist(x, y)),
    (
        "linalg",
        "F.pairwise_distance(x, y)",
        {"x": [[1.0, 2.0]], "y": [[1.0, 2.0]]},
        lambda x, y: F.pairwise_distance(x, y),
    ),
    ("linalg", "torch.cdist(x, y)", {"x": [[1.0, 2.0]], "y": [[1.0, 2.0], [0.0, 0.0]]}, lambda x, y: torch.cdist(x, y)),
    (
        "linalg",
        "torch.cross(a, b, dim=0)",
        {"a": [1.0, 0.0, 0.0], "b": [2.0, 0.0, 0.0]},
        lambda a, b: torch.cross(a, b, dim=0),
    ),
    # losses at their kinks and at the ends of their domains
    ("loss", "F.l1_loss(x, y)", {"x": [1.0, 2.0], "y": [1.0, 0.0]}, lambda x, y: F.l1_loss(x, y)),
    ("loss", "F.smooth_l1_loss(x, y)", {"x": [1.0, 2.0], "y": [0.0, 2.0]}, lambda x, y: F.smooth_l1_loss(x, y)),
    (
        "loss",
        "F.smooth_l1_loss(x, y, beta=0.0)",
        {"x": [1.0, 2.0], "y": [0.0, 2.0]},
        lambda x, y: F.smooth_l1_loss(x, y, beta=0.0),
    ),
    (
        "loss",
        "F.huber_loss(x, y, delta=0.5)",
        {"x": [0.5, 2.0], "y": [0.0, 2.0]},
        lambda x, y: F.huber_loss(x, y, delta=0.5),
    ),
    (
        "loss",
        "F.mse_loss(x, y, reduction='sum')",
        {"x": [1.0, 2.0], "y": [1.0, 0.0]},
        lambda x, y: F.mse_loss(x, y, reduction="sum"),
    ),
    (
        "loss",
        "F.binary_cross_entropy(p, t)",
        {"p": [0.0, 1.0, 0.5], "t": [0.0, 1.0, 1.0]},
        lambda p, t: F.binary_cross_entropy(p, t),
        ["p"],
    ),
    (
        "loss",
        "F.binary_cross_entropy(p, t)",
        {"p": [0.0, 1.0], "t": [1.0, 0.0]},
        lambda p, t: F.binary_cross_entropy(p, t),
        ["p"],
    ),
    (
        "loss",
        "F.binary_cross_entropy_with_logits(x, t)",
        {"x": [-800.0, 800.0], "t": [1.0, 0.0]},
        lambda x, t: F.binary_cross_entropy_with_logits(x, t),
        ["x"],
    ),
    (
        "loss",
        "F.kl_div(x, t, reduction='sum')",
        {"x": [-1.0, -2.0], "t": [0.0, 1.0]},
        lambda x, t: F.kl_div(x, t, reduction="sum"),
    ),
    (
        "loss",
        "F.nll_loss(x, t)",
        {"x": [[-1.0, -2.0], [-0.5, -1.5]], "t": [1, 0]},
        lambda x, t: F.nll_loss(x, t),
        ["x"],
    ),
    (
        "loss",
        "F.cross_entropy(x, t, label_smoothing=0.1)",
        {"x": [[0.0, 0.0], [1.0, -1.0]], "t": [1, 0]},
        lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
        ["x"],
    ),
    (
        "loss",
        "F.cross_entropy(x, t, ignore_index=0)",
        {"x": [[0.0, 1.0], [1.0, -1.0]], "t": [1, 0]},
        lambda x, t: F.cross_entropy(x, t, ignore_index=0),
        ["x"],
    ),
    (
        "loss",
        "F.cross_entropy(x, t, reduction='sum')",
        {"x": [[800.0, 0.0], [0.0, 0.0]], "t": [1, 0]},
        lambda x, t: F.cross_entropy(x, t, reduction="sum"),
        ["x"],
    ),
    (
        "loss",
        "F.l1_loss(x, y, reduction='none')",
        {"x": [0.0, -1.0], "y": [0.0, 1.0]},
        lambda x, y: F.l1_loss(x, y, reduction="none"),
    ),
    ("loss", "F.huber_loss(x, y)", {"x": [1.0, -1.0], "y": [0.0, 0.0]}, lambda x, y: F.huber_loss(x, y)),
    (
        "loss",
        "F.smooth_l1_loss(x, y, beta=0.5)",
        {"x": [0.5, 0.0], "y": [0.0, 0.0]},
        lambda x, y: F.smooth_l1_loss(x, y, beta=0.5),
    ),
    (
        "loss",
        "F.kl_div(x, t, reduction='batchmean', log_target=True)",
        {"x": [[-1.0, -0.5]], "t": [[-800.0, 0.0]]},
        lambda x, t: F.kl_div(x, t, reduction="batchmean", log_target=True),
    ),
    (
        "loss",
        "F.nll_loss(x, t, reduction='sum')",
        {"x": [[0.0, -800.0]], "t": [1]},
        lambda x, t: F.nll_loss(x, t, reduction="sum"),
        ["x"],
    ),
    (
        "loss",
        "F.binary_cross_entropy(torch.sigmoid(x), t)",
        {"x": [40.0, -40.0], "t": [1.0, 0.0]},
        lambda x, t: F.binary_cross_entropy(torch.sigmoid(x), t),
        ["x"],
    ),
    (
        "loss",
        "F.cosine_embedding_loss(x, y, t)",
        {"x": [[1.0, 0.0]], "y": [[1.0, 0.0]], "t": [1]},
        lambda x, y, t: F.cosine_embedding_loss(x, y, t),
        ["x", "y"],
    ),
    ("loss", "F.log_softmax(x, dim=0)", {"x": [800.0, 0.0]}, lambda x: F.log_softmax(x, dim=0)),
    ("loss", "torch.log(F.softmax(x, dim=0))", {"x": [800.0, 0.0]}, lambda x: torch.log(F.softmax(x, dim=0))),
]


def edge_cases() -> list[dict[str, Any]]:
    cases = []
    for edge in EDGES:
        family, expr, point, fn = edge[:4]
        wrt = edge[4] if len(edge) > 4 else None  # type: ignore[misc]
        inputs = {
            n: torch.tensor(v, dtype=torch.int64 if _all_ints(v) and n in ("t",) else torch.float64)
            for n, v in point.items()
        }
        differentiable = list(wrt) if wrt else [n for n, t in inputs.items() if t.dtype == torch.float64]
        value, blocks = jacobian_case(fn, inputs, differentiable, allow_nonfinite=True)
        cases.append(
            {
                "op": expr,
                "family": "edges:" + family,
                "source": "hand-written domain edge or kink; expected = what torch gives",
                "expr": expr,
                "at": [at_text(n, t) for n, t in inputs.items()],
                "wrt": differentiable if len(differentiable) < len(inputs) else None,
                "inputs": {
                    n: {
                        "shape": list(t.shape),
                        "dtype": "int64" if t.dtype == torch.int64 else "float64",
                        "differentiable": n in differentiable,
                    }
                    for n, t in inputs.items()
                },
                "value": value,
                "jacobian": blocks,
            }
        )
    return cases


def _all_ints(v: object) -> bool:
    if isinstance(v, list):
        return all(_all_ints(x) for x in v)
    return isinstance(v, int) and not isinstance(v, bool)


# a few samples exactly as op_db gives them (full precision, not cut): the size of input the
# acceptance checks may use; the largest sample whose Jacobian has at most RAW_NONZERO nonzeros
RAW = [
    ("exp", ""),
    ("sigmoid", ""),
    ("nn.functional.gelu", ""),
    ("clamp", ""),
    ("where", ""),
    ("sum", ""),
    ("softmax", ""),
    ("matmul", ""),
    ("linalg.det", ""),
    ("nn.functional.cross_entropy", ""),
    ("nn.functional.mse_loss", ""),
    ("logsumexp", ""),
]
RAW_NONZERO = 1300


def raw_cases() -> list[dict[str, Any]]:
    global MAX_ELEMENTS, MAX_JACOBIAN
    from torch.testing._internal.common_methods_invocations import op_db

    by_name = {(o.name, o.variant_test_name): o for o in op_db}
    saved = MAX_ELEMENTS, MAX_JACOBIAN
    MAX_ELEMENTS, MAX_JACOBIAN = 10**6, 400_000
    cases = []
    try:
        for key in RAW:
            opinfo = by_name[key]
            best: tuple[int, int, dict[str, Any]] | None = None
            for i, sample in enumerate(samples_of(opinfo)):
                try:
                    case = build(opinfo, sample, spelled(opinfo.name), "function")
                except (UnfitSampleError, RuntimeError, ValueError, IndexError, TypeError):
                    continue
                nonzero = sum(len(block["nonzero"]) for block in case["jacobian"].values())
                size = sum(math.prod(spec["shape"]) for spec in case["inputs"].values())
                if nonzero <= RAW_NONZERO and (best is None or size > best[0]):
                    best = (size, i, case)
            if best is not None:
                size, i, case = best
                short = op_short(opinfo.name)
                done = finish(case, short, f"op_db {opinfo.name} sample {i}, as given (full precision, not cut)")
                done["family"] = "raw:" + done["family"]
                cases.append(done)
                print(f"raw {opinfo.name}: sample {i}, {size} input elements")
    finally:
        MAX_ELEMENTS, MAX_JACOBIAN = saved
    return cases


def main() -> None:
    warnings.filterwarnings("ignore")  # deprecations inside torch's own samples (cross without dim, kl_div 'mean')
    cases = opinfo_cases() + raw_cases()
    counts: dict[str, int] = {}
    for case in cases:
        counts[case["op"]] = counts.get(case["op"], 0) + 1
    missing = [op for op in FAMILY_OF if op not in counts]
    edges = edge_cases()
    seen: dict[str, int] = {}
    for case in [*cases, *edges]:
        family = case["family"]
        base = family if family.startswith("edges:") else ("raw:" if family.startswith("raw:") else "") + case["op"]
        base = base.replace(" ", "")
        seen[base] = seen.get(base, 0) + 1
        case["id"] = f"{base}-{seen[base]}"
    doc = {
        "about": (
            "torch OpInfo samples (op_db, float64) written as vjp expressions, and hand-written domain edges; "
            "expected value and Jacobian blocks from torch directly: per differentiated input, its shape "
            "[m, n] (rows = the flattened output, columns = the flattened input) and nonzero entries [i, j, v]; "
            "non-finite numbers are the strings NaN, Infinity, -Infinity. Written by "
            "tests/corpus/gen_opinfo.py; do not edit by hand."
        ),
        "torch": torch.__version__,
        "cases": [{"id": c.pop("id"), **c} for c in [*cases, *edges]],
    }
    text = json.dumps(doc, indent=None, separators=(",", ":"), allow_nan=False)
    OUT.write_text(text.replace('},{"id"', '},\n{"id"') + "\n")
    print(
        f"wrote {len(cases)} OpInfo cases (raw ones included) and {len(edges)} edge cases to {OUT} ({len(text) // 1024} KiB)"
    )
    if missing:
        print(f"ops with no usable sample: {missing}")


if __name__ == "__main__":
    main()
