"""The parts every operation is declared with: parameters, spellings, the op record, and a
small torch-code form (``T*`` nodes) that is both run by the builder and printed by
``explain --code``, so the code shown is the code that ran.

Nothing here imports torch or SymPy: an op's torch and SymPy forms are functions that
receive those modules (or their helpers) when they run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ShapeError
from ..expr import Call, Node, Seq, to_text
from ..shapes import Info, Shape, fmt, short

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()

# parameter kinds
TENSOR = "tensor"  # a tensor expression (numbers are 0-d tensors)
OPTIONAL_TENSOR = "tensor?"  # a tensor, or None
TENSORS = "tensors"  # a list or tuple of tensor expressions
INDEX = "index"  # an integer tensor: class targets (an input of integers, a constant)
DIM = "dim"  # a whole number, or None
DIMS = "dims"  # a whole number, a tuple of them, or None
INT = "int"  # a whole number
INTS = "ints"  # whole numbers: several arguments or one tuple (sizes, permutations)
NUMBER = "number"  # a number known before the computation (alpha, p, eps)
SCALAR = "scalar"  # a number or a tensor (clamp's min and max)
BOOL = "bool"
STR = "str"  # one of ``choices``
ORD = "ord"  # a norm order: a number, inf, -inf, or a string such as 'fro'
STATIC = "static"  # any value known before the computation (a number, a tuple of them)
NONE = "none"  # only None is accepted (NumPy's out=None, dtype=None)
NESTED = "nested"  # a number, or nested lists of numbers or tensors (torch.tensor's data)
ANY = "any"  # any value, checked by the op's own shape rule (a pair for .values)

STATIC_KINDS = frozenset({DIM, DIMS, INT, INTS, NUMBER, BOOL, STR, ORD, STATIC, NONE})


@dataclass(frozen=True)
class Param:
    """One parameter of a signature, by the library's own keyword name.

    ``canon``: the operation's name for it (np's ``axis`` is the op's ``dim``); ``aliases``:
    other keywords accepted (torch takes ``axis`` for ``dim``); ``emit``: how the torch code
    passes it (``kw`` keyword, ``pos`` positional, ``skip`` not at all: the op's emit uses it).
    """

    name: str
    kind: str
    default: Any = REQUIRED
    canon: str = ""
    choices: tuple[Any, ...] = ()
    kw_only: bool = False
    aliases: tuple[str, ...] = ()
    varargs: bool = False
    nondiff: bool = False  # a tensor torch does not differentiate (a loss's class weights): refused if it is
    # worked out once (shape inference reads them for every argument of every call)
    key: str = field(init=False, compare=False, repr=False)  # the op's name for it: canon or name
    required: bool = field(init=False, compare=False, repr=False)  # no default

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.canon or self.name)
        object.__setattr__(self, "required", self.default is REQUIRED)


def P(name: str, kind: str = TENSOR, default: Any = REQUIRED, **kw: Any) -> Param:  # noqa: N802 - a declaration helper
    return Param(name, kind, default, **kw)


# ---- the torch code form --------------------------------------------------------------------


@dataclass(frozen=True)
class TIn:
    """The tensor value of parameter ``name`` (``item`` picks one tensor of a list parameter)."""

    name: str
    item: int | None = None


@dataclass(frozen=True)
class TCall:
    """``fn(*args, **kwargs)``; ``fn`` is a dotted torch path from the catalogue (``torch.sin``)."""

    fn: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class TMethod:
    """``recv.name(*args, **kwargs)``."""

    recv: Any
    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class TAttr:
    """``recv.name`` (``x.T``, ``pair.values``)."""

    recv: Any
    name: str


@dataclass(frozen=True)
class TOp:
    """An operator: ``+ - * / ** @`` (two args), ``neg`` (one), ``[]`` (getitem with a static key)."""

    op: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class TList:
    """A Python list of tensors (``torch.cat([a, b])``)."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class TConst:
    """A constant tensor of the problem's dtype: ``torch.tensor(value, dtype=...)``."""

    value: Any


class _Dtype:
    """The problem's dtype, filled in when the code runs or is printed (torch.float64)."""

    def __repr__(self) -> str:
        return "DTYPE"


DTYPE: Any = _Dtype()

TExpr = TIn | TCall | TMethod | TAttr | TOp | TList | TConst


def tcall(fn: str, *args: Any, **kwargs: Any) -> TCall:
    return TCall(fn, tuple(args), tuple(kwargs.items()))


def tmethod(recv: Any, name: str, *args: Any, **kwargs: Any) -> TMethod:
    return TMethod(recv, name, tuple(args), tuple(kwargs.items()))


# ---- spellings --------------------------------------------------------------------------------

# How each library prefix is written, and whether the spelling is torch itself (then the
# code vjp runs and prints uses the user's own spelling).
PREFIXES: dict[str, tuple[tuple[str, ...], bool]] = {
    "torch": (("torch",), True),
    "F": (("F", "torch.nn.functional", "nn.functional"), True),
    "special": (("torch.special",), True),
    "linalg": (("torch.linalg",), True),
    "np": (("np", "numpy"), False),
    "np.linalg": (("np.linalg", "numpy.linalg"), False),
    "jnp": (("jnp", "jax.numpy"), False),
    "jnp.linalg": (("jnp.linalg", "jax.numpy.linalg"), False),
    "jax.nn": (("jax.nn",), False),
    "jax.scipy.special": (("jax.scipy.special", "jsp.special", "scipy.special"), False),
    "jax.lax": (("jax.lax", "lax"), False),
    "math": (("math",), False),
    "sympy": (("sympy", "sp"), False),
}
MODULE_ROOTS = frozenset(p.split(".")[0] for paths, _ in PREFIXES.values() for p in paths)


@dataclass(frozen=True)
class Spelling:
    """One way to write an operation: ``text`` is the dotted name (``torch.nn.functional.relu``)
    for a call, or the method/attribute name (``relu``) with form ``method``/``attr``."""

    text: str
    form: str  # "call", "method", "attr"
    family: str  # "bare", "torch", "F", "np", "method", ...
    native: bool  # torch's own spelling: run and printed as written
    sig: tuple[Param, ...] | None = None  # the library's own signature, when it differs


@dataclass(frozen=True)
class Op:
    """One operation, declared once.

    ``sig``: the parameters (torch's names and defaults). ``shape``: the result's kind and
    shape from the arguments' (a ShapeError when they do not fit). ``emit``: the torch code.
    ``sym``: the SymPy form on tensors of SymPy expressions, or None when there is none.
    ``kinks``: where the op is not differentiable, given the arguments' values (for check).
    ``torch``: the torch spelling it runs as (for `vjp functions`). ``group``: for listings.
    """

    key: str
    doc: str
    sig: tuple[Param, ...]
    shape: Callable[[Bound], Info]
    emit: Callable[[Bound], Any]
    torch: str
    group: str
    sym: Callable[[Any, Bound, dict[str, Any]], Any] | None = None
    kinks: Callable[[Any, Bound, dict[str, Any]], list[tuple[Any, str]]] | None = None
    spellings: tuple[Spelling, ...] = ()
    method: str | None = None  # torch's method name, when the op has one
    differentiable: bool = True  # False: the gradient is cut (detach) or zero almost everywhere
    constant: bool = False  # builds a constant (torch.ones): no argument is differentiated
    note: str = ""  # a caveat shown in `vjp functions`

    def with_spellings(self, spellings: Sequence[Spelling]) -> Op:
        from dataclasses import replace

        return replace(self, spellings=tuple(spellings))


# ---- a call, bound and checked: what shape inference hands to build, SymPy and codegen --------


@dataclass
class Bound:
    """A call with its arguments' kinds and shapes known and its static arguments evaluated.

    ``infos``: each given parameter's Info (tensors, lists, statics); ``values``: static
    parameters (given or default); ``extra``: what the shape rule worked out for the other
    stages (normalised dims, an einsum plan, the chosen reading of an overloaded name).
    """

    call: Call
    op: Op
    infos: dict[str, Info]
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    out: Info | None = None
    dtype: str = "float64"

    @property
    def where(self) -> str:
        return short(to_text(self.call), 80)

    @property
    def native(self) -> bool:
        return self.extra.get("native", False)

    def node(self, name: str) -> Node | None:
        return self.call.arg(name)

    def has(self, name: str) -> bool:
        info = self.infos.get(name)
        return info is not None and not (info.kind == "static" and info.value is None)

    def info(self, name: str) -> Info:
        return self.infos[name]

    def shape(self, name: str) -> Shape:
        info = self.infos.get(name)
        if info is None:
            raise self.error(f"{self.op.key}() needs the argument {name!r}")
        if not info.is_tensor:
            raise self.error(f"the argument {name!r} of {self.where} must be a tensor, got {info.describe()}")
        return info.shape

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def error(self, message: str) -> ShapeError:
        return ShapeError(message if self.where in message else f"{message} (in {self.where})")

    def arg_text(self, name: str) -> str:
        node = self.node(name)
        return short(to_text(node), 40) if node is not None else name

    def describe_shapes(self, *names: str) -> str:
        return " and ".join(f"{self.arg_text(n)} has shape {fmt(self.shape(n))}" for n in names)


# ---- binding the arguments of a call to a signature -------------------------------------------


class BindError(Exception):
    """The arguments do not fit the signature (the parser turns it into a ParseError)."""


def bind(
    display: str, sig: Sequence[Param], positional: Sequence[Node], keywords: Sequence[tuple[str, Node]]
) -> tuple[tuple[tuple[str, Node], ...], tuple[tuple[str | None, Node], ...]]:
    """Python's binding rules: positionals in order (a ``varargs`` parameter takes the rest as a
    tuple), then keywords by name or alias. Returns (bound by canonical name, shown)."""
    layout = _LAYOUTS.get(id(sig))
    if layout is None or layout[0] is not sig:
        layout = _LAYOUTS[id(sig)] = (sig, *_layout(tuple(sig)))
    _, slots, by_name, order, required, keys, least = layout
    if not keywords and least <= len(positional) <= len(keys):
        # the common call: positionals only, no varargs, every required parameter among them
        return tuple(zip(keys, positional)), tuple([(None, n) for n in positional])
    bound: dict[str, Node] = {}
    shown: list[tuple[str | None, Node]] = []
    i = 0
    for k, node in enumerate(positional):
        if i >= len(slots):
            raise BindError(_arity(display, sig, len(positional)) + _keyword_hint(sig))
        p = slots[i]
        if p.varargs:
            rest = tuple(positional[k:])
            if len(rest) == 1 and isinstance(rest[0], Seq):
                bound[p.key] = rest[0]
            else:
                bound[p.key] = Seq(rest, "()")
            shown.extend((None, n) for n in rest)
            i = len(slots)
            break
        bound[p.key] = node
        shown.append((None, node))
        i += 1
    for name, node in keywords:
        found = by_name.get(name)
        if found is None:
            accepted = ", ".join(q.name for q in sig if not q.varargs) or "none"
            raise BindError(f"{display}() takes no keyword {name!r} (its keywords: {accepted})")
        p = found
        if p.key in bound:
            raise BindError(f"{display}() got {name!r} twice")
        bound[p.key] = node
        shown.append((name, node))
    missing = [p.name for p in required if p.key not in bound]
    if missing:
        if not keywords:
            raise BindError(_arity(display, sig, len(positional)))
        raise BindError(f"{display}() is missing the argument{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if keywords:
        args = tuple(sorted(bound.items(), key=lambda kv: order[kv[0]]))
    else:
        args = tuple(bound.items())  # positionals fill the slots in the signature's order
    return args, tuple(shown)


# per signature object (the catalogue's are fixed tuples; hashing their Params on every call cost
# more than the binding): the signature itself, kept so that its id is not reused, and its layout
_LAYOUTS: dict[int, tuple[Any, ...]] = {}


def _layout(
    sig: tuple[Param, ...],
) -> tuple[list[Param], dict[str, Param], dict[str, int], list[Param], tuple[str, ...], int]:
    """What binding needs of a signature, worked out once per signature (the catalogue's are fixed).

    The last two: the keys of the leading positional slots (up to a varargs parameter) and how
    many positionals fill every required parameter; ``least`` is past ``keys`` when a required
    parameter is keyword-only or varargs, so that such calls take the full path."""
    by_name = {p.name: p for p in sig}
    for p in sig:
        for a in p.aliases:
            by_name.setdefault(a, p)
    order = {p.key: n for n, p in enumerate(sig)}
    slots = [p for p in sig if not p.kw_only]
    keys: list[str] = []
    for p in slots:
        if p.varargs:
            break
        keys.append(p.key)
    required = [p for p in sig if p.required]
    least = 0
    for p in required:
        least = max(least, keys.index(p.key) + 1 if p.key in keys else len(keys) + 1)
    return slots, by_name, order, required, tuple(keys), least


def _arity(display: str, sig: Sequence[Param], got: int) -> str:
    """``sin() takes 1 argument, got 2``; ``log() takes 1 to 2 arguments, got 3``."""
    slots = [p for p in sig if not p.kw_only and p.kind not in ("none",)]
    least = sum(1 for p in slots if p.required)
    most = len(slots)
    if any(p.varargs for p in slots):
        want, plural = f"at least {least}", least != 1
    elif least == most:
        want, plural = str(least), least != 1
    else:
        want, plural = f"{least} to {most}", True
    return f"{display}() takes {want} argument{'s' if plural else ''}, got {got}"


def _keyword_hint(sig: Sequence[Param]) -> str:
    kw = [p.name for p in sig if p.kw_only]
    return f" (keyword-only: {', '.join(kw)})" if kw else ""


def defaults(sig: Sequence[Param]) -> Mapping[str, Any]:
    return {p.key: p.default for p in sig if not p.required}
