"""Every entry of the catalogue, in every spelling, through vjp against torch called directly.

For each sample of tests/catalogue_samples.py and each spelling of its operation
(``torch.cumsum``, ``np.cumsum``, ``x.cumsum()``, bare ``cumsum``...), the call is written in
that spelling with that spelling's own keyword names, run through vjp in-process (parse,
problem, build, the row-by-row Jacobian), and compared with the sample's reference: torch
code written by hand, differentiated by ``torch.autograd.functional.jacobian``. The value
and the Jacobian must agree in float64 (rtol 1e-7, atol 1e-10) and in float32 (rtol 1e-4,
atol 1e-5), with nan and inf in the same places. Where a library means something else by a
name (``np.std`` divides by n), the sample gives that family its own reference; where a
library refuses a call (``torch.cumsum`` of a matrix without ``dim``), vjp must refuse it too.

``math.*`` spellings turn a number into a Python float: they are checked against Python's
``math`` on numbers and must be refused on a differentiated input. The coverage tests fail
when an operation has no sample or a spelling is never exercised, so a new catalogue entry
needs a sample here.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from catalogue_samples import FAMILY_GROUPS, MATH_NUMBERS, REFUSED_ONLY, SAMPLES, STATIC_OPS, Sample
from torch.autograd.functional import jacobian as torch_jacobian

from autograd_cli import catalogue, engines
from autograd_cli.catalogue.core import Op, Param, Spelling
from autograd_cli.catalogue.registry import Overload
from autograd_cli.errors import VjpError
from autograd_cli.expr import Call, walk
from autograd_cli.parsing import Function, parse
from autograd_cli.points import PointSpec, Value
from autograd_cli.problem import make_problem

TOLERANCES = {"float64": (1e-7, 1e-10), "float32": (1e-4, 1e-5)}
DTYPES = {"float64": torch.float64, "float32": torch.float32}


@pytest.fixture(autouse=True)
def isolated_home() -> None:
    """In-process and HOME-free: these cases skip conftest's per-test HOME (thousands of tmp dirs)."""


# ---- writing a sample's call in one spelling ---------------------------------------------------------


def _signature(op: Op, spelling: Spelling) -> tuple[Param, ...]:
    return spelling.sig or op.sig


def _param_for(sig: tuple[Param, ...], key: str) -> tuple[Param, str] | None:
    """The spelling's parameter for a sample keyword: by the op's own name (``dim`` is np's
    ``axis``), else a keyword the spelling takes literally (``axis`` as torch's alias)."""
    for p in sig:
        if p.key == key:
            return p, p.name
    for p in sig:
        if key == p.name or key in p.aliases:
            return p, key
    return None


def call_text(op: Op, spelling: Spelling, args: list[str], keywords: list[tuple[str, str]]) -> str | None:
    """The call in this spelling, or None when the spelling has no way to say it.

    Positional arguments are bound to the op's own signature, then passed positionally
    while the spelling's slots agree and by the spelling's keyword names after that.
    """
    sig = _signature(op, spelling)
    op_slots = [p for p in op.sig if not p.kw_only]
    bound: list[tuple[str, list[str], bool]] = []
    for k, text in enumerate(args):
        p = op_slots[len(bound)]
        if p.varargs:
            bound.append((p.key, args[k:], True))
            break
        bound.append((p.key, [text], False))
    slots = [p for p in sig if not p.kw_only]
    positional: list[str] = []
    named: list[tuple[str, str]] = []
    for i, (key, texts, var) in enumerate(bound):
        found = _param_for(sig, key)
        if found is None:
            return None
        target, name = found
        if not named and i < len(slots) and slots[i].key == key:
            if var and not slots[i].varargs and len(texts) > 1:
                positional.append("(" + ", ".join(texts) + ")")
            else:
                positional.extend(texts)
            continue
        if target.varargs or (var and len(texts) > 1):
            return None
        named.append((name, texts[0]))
    for key, text in keywords:
        found = _param_for(sig, key)
        if found is None:
            return None
        named.append((found[1], text))
    if spelling.form == "call":
        inner = ", ".join([*positional, *(f"{k}={v}" for k, v in named)])
        return f"{spelling.text}({inner})"
    if not positional:
        return None
    recv = positional[0] if positional[0].isidentifier() else f"({positional[0]})"
    if spelling.form == "attr":
        return None if positional[1:] or named else f"{recv}.{spelling.text}"
    inner = ", ".join([*positional[1:], *(f"{k}={v}" for k, v in named)])
    return f"{recv}.{spelling.text}({inner})"


def expression(sample: Sample, op: Op, spelling: Spelling) -> str | None:
    """The sample's expression with its one ``f(...)`` written in this spelling."""
    tree = ast.parse(sample.expr, mode="eval")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "f"]
    assert len(calls) == 1, f"{sample.expr!r} must call f exactly once"
    call = calls[0]
    seg = ast.get_source_segment
    args = [seg(sample.expr, a) or "" for a in call.args]
    keywords = [(k.arg or "", seg(sample.expr, k.value) or "") for k in call.keywords]
    text = call_text(op, spelling, args, keywords)
    if text is None:
        return None
    return sample.expr[: call.col_offset] + text + sample.expr[call.end_col_offset :]


def routed_op(text: str, spelling: Spelling) -> str | None:
    """The op the parser chose for this spelling's call in ``text`` (overloads choose by arguments)."""
    function = parse(text)
    roots = [*function.components, *(s.value for s in function.statements)]
    for root in roots:
        for node in walk(root):
            if isinstance(node, Call) and node.spelling == spelling.text and node.form == spelling.form:
                return node.op
    return None


# ---- the cases ---------------------------------------------------------------------------------------


def family(spelling: Spelling) -> str:
    return spelling.family


@dataclass(frozen=True)
class Case:
    op: str
    spelling: Spelling
    sample: Sample
    text: str
    outcome: str  # "value" or "refused"

    @property
    def label(self) -> str:
        s = self.spelling
        shown = s.text if s.form == "call" else f".{s.text}" + ("()" if s.form == "method" else "")
        return f"{self.op}-{shown}-{self.sample.name}"


def cases_of(samples: dict[str, tuple[Sample, ...]]) -> Iterator[Case]:
    for key, group in samples.items():
        op = catalogue.OPS[key]
        for spelling in op.spellings:
            if spelling.family == "math":
                continue  # Python floats: test_math_spellings
            for sample in group:
                fam = family(spelling)
                if not sample.applies(fam):
                    continue
                text = expression(sample, op, spelling)
                if text is None:
                    continue
                entry = catalogue.lookup(spelling.form, spelling.text)
                if isinstance(entry, Overload):
                    try:
                        chosen = routed_op(text, spelling)
                    except VjpError:
                        chosen = key  # the refusal is the case's business
                    if chosen != key:
                        continue  # this call means another op of the overload (its own samples cover it)
                yield Case(key, spelling, sample, text, "refused" if sample.refuses(fam) else "value")


CASES = list(cases_of(SAMPLES))
STATIC_CASES = list(cases_of({k: v for k, v in SAMPLES.items() if k in STATIC_OPS}))
DIFF_CASES = [c for c in CASES if c.op not in STATIC_OPS]


def _params(cases: list[Case]) -> list[Any]:
    out = []
    for case in cases:
        for dtype in ("float64",) if case.outcome == "refused" else ("float64", "float32"):
            out.append(pytest.param(case, dtype, id=f"{case.label}-{dtype}"))
    return out


# ---- running vjp and the reference -------------------------------------------------------------------


def _value(data: Any) -> Value:
    t = torch.tensor(data, dtype=torch.float64)
    return Value(tuple(t.shape), tuple(float(v) for v in t.reshape(-1).tolist()))


def run_vjp(case: Case, dtype: str) -> tuple[Function, tuple[str, ...], torch.Tensor, torch.Tensor]:
    """vjp in-process, as `vjp jacobian --method rows` runs it: (function, leaves, y, J)."""
    sample = case.sample
    spec = PointSpec(named={name: _value(v) for name, v in sample.inputs.items()})
    function = parse(case.text)
    problem = make_problem(function, spec, dtype, sample.wrt)
    y, jac, _ = engines.compute_jacobian(problem, "rows")
    return function, problem.leaf_names, y, jac


_REFERENCES: dict[tuple[int, int, str, tuple[str, ...]], tuple[torch.Tensor, torch.Tensor]] = {}


def reference(sample: Sample, fam: str, dtype: str, order: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """(y, J) of the sample's reference for this family, J laid out as vjp lays it (rows x leaves)."""
    ref = sample.reference(fam)
    key = (id(sample), id(ref), dtype, order)  # families sharing a reference share its Jacobian
    if key not in _REFERENCES:
        tensors = {
            name: torch.tensor(v, dtype=torch.int64 if name in sample.index else DTYPES[dtype])
            for name, v in sample.inputs.items()
        }

        def fn(*leaves: torch.Tensor) -> torch.Tensor:
            return ref(**{**tensors, **dict(zip(order, leaves))})

        leaves = tuple(tensors[n] for n in order)
        y = fn(*leaves).detach()
        m = y.numel()
        parts = torch_jacobian(fn, leaves) if leaves else ()
        jac = torch.cat([p.reshape(m, -1) for p in parts], dim=1) if parts else torch.zeros(m, 0)
        _REFERENCES[key] = (y, jac.to(DTYPES[dtype]))
    return _REFERENCES[key]


def assert_same(got: torch.Tensor, want: torch.Tensor, dtype: str, what: str, text: str) -> None:
    rtol, atol = TOLERANCES[dtype]
    assert got.shape == want.shape, f"{what} of {text!r}: shape {tuple(got.shape)}, torch {tuple(want.shape)}"
    assert got.dtype == want.dtype, f"{what} of {text!r}: dtype {got.dtype}, torch {want.dtype}"
    torch.testing.assert_close(
        got, want, rtol=rtol, atol=atol, equal_nan=True, msg=lambda m: f"{what} of {text!r} differs from torch:\n{m}"
    )


@pytest.mark.filterwarnings("ignore:The use of `x.T` on tensors:UserWarning")  # T-reverse pins it
@pytest.mark.parametrize(("case", "dtype"), _params(DIFF_CASES))
def test_spelling_agrees_with_torch(case: Case, dtype: str) -> None:
    check(case, dtype)


@pytest.mark.parametrize(("case", "dtype"), _params(STATIC_CASES))
def test_shape_queries_and_static_values(case: Case, dtype: str) -> None:
    """shape, ndim, numel, len, size, range, list, float: whole numbers known before the computation."""
    check(case, dtype)


def check(case: Case, dtype: str) -> None:
    fam = family(case.spelling)
    if case.outcome == "refused":
        with pytest.raises(VjpError):
            run_vjp(case, dtype)
        return
    function, names, y, jac = run_vjp(case, dtype)
    expected = case.sample.differentiated()
    assert set(names) == set(expected), f"{case.text!r} differentiates {names}, expected {expected}"
    want_y, want_j = reference(case.sample, fam, dtype, names)
    assert_same(y, want_y, dtype, "the value", case.text)
    assert_same(jac, want_j, dtype, "the Jacobian", case.text)
    ops = {n.op for root in function.components for n in walk(root) if isinstance(n, Call)}
    assert case.op in ops, f"{case.text!r} resolved to {sorted(ops)}, not {case.op}"


# The cases skip a sample whose call an overloaded spelling gives to another op; this pins the choices.
ROUTES = [
    ("torch.max(A)", "amax"),
    ("torch.max(A, 1)", "max.dim"),
    ("torch.max(A, dim=1, keepdim=True)", "max.dim"),
    ("torch.max(A, B)", "maximum"),
    ("A.max()", "amax"),
    ("A.max(1)", "max.dim"),
    ("A.max(B)", "maximum"),
    ("max(A)", "amax"),
    ("max(A, dim=1)", "amax"),
    ("max(A, B)", "max.n"),
    ("max([A, B])", "max.n"),
    ("max(A, B, 0.5)", "max.n"),
    ("max(A, 0)", "max.ambiguous"),
    ("torch.min(A)", "amin"),
    ("torch.min(A, 0)", "min.dim"),
    ("A.min(B)", "minimum"),
    ("min(A, dim=0)", "amin"),
    ("min(A, B)", "min.n"),
    ("min(A, 1)", "min.ambiguous"),
    ("norm(A)", "norm.bare"),
    ("norm(A, p=1)", "norm.bare"),
    ("norm(A, dim=1)", "norm.bare"),
    ("norm(A, 1)", "norm.ambiguous"),
]


@pytest.mark.parametrize(("text", "key"), ROUTES, ids=[t for t, _ in ROUTES])
def test_overloaded_spellings_choose_by_their_arguments(text: str, key: str) -> None:
    call = parse(text).components[0]
    assert isinstance(call, Call) and call.op == key


# ---- math.*: Python floats ---------------------------------------------------------------------------

MATH_SPELLINGS = [
    (key, s) for key, op in catalogue.OPS.items() for s in op.spellings if s.family == "math" and s.form == "call"
]


@pytest.mark.parametrize(("key", "spelling"), MATH_SPELLINGS, ids=[s.text for _, s in MATH_SPELLINGS])
def test_math_spellings_are_python_numbers_and_refused_on_differentiated_inputs(key: str, spelling: Spelling) -> None:
    args = MATH_NUMBERS[spelling.text]
    fn = getattr(math, spelling.text.removeprefix("math."))  # test code: the name comes from the catalogue
    want = float(fn(*args))
    literal = ", ".join(repr(a) for a in args)
    spec = PointSpec(named={"x": _value(1.5)})
    problem = make_problem(parse(f"{spelling.text}({literal}) * x"), spec, "float64", None)
    y, jac, _ = engines.compute_jacobian(problem, "rows")
    assert y.item() == pytest.approx(want * 1.5, rel=1e-15, abs=0.0)
    assert jac.item() == pytest.approx(want, rel=1e-15, abs=0.0)
    # a constant input (not differentiated) is data: math takes its number
    names = [f"c{i}" for i in range(len(args))]
    spec = PointSpec(named={"x": _value(1.5), **{n: _value(a) for n, a in zip(names, args)}})
    problem = make_problem(parse(f"{spelling.text}({', '.join(names)}) * x"), spec, "float64", ("x",))
    y, jac, _ = engines.compute_jacobian(problem, "rows")
    # computed by torch on the data tensor: torch's libm may differ from Python's in the last bits
    assert y.item() == pytest.approx(want * 1.5, rel=1e-13, abs=0.0)
    # on a differentiated input torch would get a Python float back and no gradient
    spec = PointSpec(named={n: _value(a) for n, a in zip(names, args)})
    with pytest.raises(VjpError, match="Python float"):
        make_problem(parse(f"{spelling.text}({', '.join(names)})"), spec, "float64", None)


# ---- coverage: a new entry needs a sample, every spelling is exercised ---------------------------------


def test_every_operation_has_a_sample() -> None:
    missing = sorted(k for k, op in catalogue.OPS.items() if op.group != "refused" and k not in SAMPLES)
    assert not missing, f"operations without a sample in tests/catalogue_samples.py: {missing}"
    unknown = sorted(set(SAMPLES) - set(catalogue.OPS))
    assert not unknown, f"samples for operations the catalogue does not have: {unknown}"


def test_every_spelling_is_exercised() -> None:
    seen = {(c.op, c.spelling.form, c.spelling.text) for c in CASES if c.outcome == "value"}
    seen |= {(k, s.form, s.text) for k, s in MATH_SPELLINGS}
    missing = sorted(
        f"{key}: {s.text if s.form == 'call' else '.' + s.text}"
        for key, op in catalogue.OPS.items()
        if op.group != "refused" and key in SAMPLES
        for s in op.spellings
        if (key, s.form, s.text) not in seen and key not in REFUSED_ONLY
    )
    assert not missing, f"spellings no sample reaches with a value: {missing}"


def test_the_math_table_is_the_math_spellings() -> None:
    assert set(MATH_NUMBERS) == {s.text for _, s in MATH_SPELLINGS}


def test_family_groups_name_real_families() -> None:
    families = {s.family for op in catalogue.OPS.values() for s in op.spellings}
    for group in FAMILY_GROUPS.values():
        assert set(group) <= families, set(group) - families
    for group in SAMPLES.values():
        for sample in group:
            named = set(sample.refs) | set(sample.refused) | set(sample.only or ())
            assert named <= families, (sample.name, named - families)
