"""What autograd does, step by step, for the user's own function — and three classic pitfalls.

Every number and every error message here comes from running real torch calls on the
built function at the point: the explanation is a transcript, not a template.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from . import codegen
from .build import Built
from .engine_results import ExplainResult, PitfallResult, Step
from .engines import flat_grads
from .errors import InputError
from .problem import Problem, check_jacobian_size
from .results import Header, nonfinite_notes

MAX_ROWS_SHOWN = 8
PITFALLS = ("accumulate", "scalar", "retain", "leaf", "inplace", "no-grad", "detach")


def _fmt(values: list[float] | float) -> str:
    from .numtext import num

    if isinstance(values, list):
        return "[" + ", ".join(num(v, 6) for v in values) + "]"
    return num(values, 6)


def _shaped(values: list[float], shape: tuple[int, ...]) -> str:
    """Flat row-major values written in ``shape``, as tensor.tolist() nests them: ``[[1, 2], [3, 4]]``."""
    if not shape:
        return _fmt(values[0])
    if len(shape) == 1:
        return _fmt(values)
    step = math.prod(shape[1:])
    return "[" + ", ".join(_shaped(values[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])) + "]"


def _vec(values: list[float]) -> str:
    """A Python literal for a 1-D float list, as the steps' code writes it."""
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


class _Session:
    """The leaves and y of one run, with the words the steps use for them."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.built = Built(problem)
        self.leaves = self.built.leaves()
        self.y = self.built.of_leaves(*self.leaves)
        self.single = problem.single_leaf
        self.names = codegen.statement_names(problem)
        taken = set(self.names.values()) | set(problem.names)
        self.leaf = free_name(problem.leaf_name, taken)  # the one leaf of scalar inputs: x, unless x is a user's name
        taken.add(self.leaf)
        self.o = free_name(problem.output_name, taken)  # y, or z when a variable is called y
        taken.add(self.o)
        self.e = free_prefix("e", taken)
        self.row = free_prefix("row", taken)
        self.v = free_name("v", taken)
        leaf_vars = [self.names[n] for n in problem.leaf_names]
        self.leaf_vars = [self.leaf] if self.single else leaf_vars
        self.grad_name = ", ".join(f"{n}.grad" for n in self.leaf_vars)
        self.m, self.n = problem.m, problem.n
        self.dtype = problem.dtype

    def grad_text(self, values: list[float]) -> str:
        """Each leaf's .grad in its own shape: ``b.grad = [1, 2]; W.grad = [[1, 2], [3, 4]]``."""
        if self.single:
            return f"{self.leaf}.grad = {_fmt(values)}"
        parts: list[str] = []
        k = 0
        for inp, var in zip(self.problem.leaf_inputs, self.leaf_vars):
            size = math.prod(inp.shape)
            parts.append(f"{var}.grad = {_shaped(values[k : k + size], tuple(inp.shape))}")
            k += size
        return "; ".join(parts)

    def zero_code(self) -> str:
        return "; ".join(f"{n}.grad.zero_()" for n in self.leaf_vars)

    def read_code(self, target: str) -> str:
        if len(self.leaf_vars) == 1:
            return f"{target} = {self.leaf_vars[0]}.grad.clone()"
        return f"{target} = [" + ", ".join(f"{n}.grad.clone()" for n in self.leaf_vars) + "]"

    def leaf_code(self) -> list[str]:
        p = self.problem
        assert p.point is not None
        values = p.point_values()
        code: list[str] = []
        if self.single:
            flat = [v for inp in p.leaf_inputs for v in values[inp.name].data]
            code.append(f"{self.leaf} = torch.tensor({_vec(flat)}, dtype=torch.{self.dtype}, requires_grad=True)")
            if p.leaf_inputs:
                targets = [self.names[i.name] for i in p.leaf_inputs]
                code.append(f"{', '.join(targets)}{',' if len(targets) == 1 else ''} = {self.leaf}.unbind(0)")
        else:
            code += [
                f"{self.names[i.name]} = torch.tensor({values[i.name].nested()!r}, dtype=torch.{self.dtype}, "
                "requires_grad=True)"
                for i in p.leaf_inputs
            ]
        for inp in p.const_inputs:
            nested = values[inp.name].nested()
            if inp.kind == "index":
                code.append(f"{self.names[inp.name]} = torch.tensor({codegen._int_literal(nested)}, dtype=torch.int64)")
            else:
                code.append(f"{self.names[inp.name]} = torch.tensor({nested!r}, dtype=torch.{self.dtype})")
        return code

    def forward_code(self) -> list[str]:
        lines, _ = codegen.forward_lines(self.problem, self.names, self.o)
        return lines

    def grads(self) -> list[float]:
        return [float(v) for v in flat_grads(self.leaves).tolist()]

    def zero(self) -> None:
        for t in self.leaves:
            if t.grad is not None:
                t.grad.zero_()

    def onehot(self, i: int) -> torch.Tensor:
        e = torch.zeros(self.m, dtype=self.built.dtype)
        e[i] = 1.0
        return e.reshape(self.y.shape)

    def e_code(self, i: int) -> str:
        e = [0.0] * self.m
        e[i] = 1.0
        shape = tuple(self.y.shape)
        base = f"torch.tensor({_vec(e)}, dtype=torch.{self.dtype})"
        return base if len(shape) == 1 else f"{base}.reshape({shape})"


MAX_EXPLAIN_ROWS = 1000


def free_name(preferred: str, taken: set[str]) -> str:
    """``preferred``, or the first of preferred_, preferred__ ... that no user name takes."""
    name = preferred
    while name in taken:
        name += "_"
    return name


def free_prefix(prefix: str, taken: set[str]) -> str:
    """A prefix for numbered names (e_0, row_1) that no user name starts with."""
    name = prefix
    while any(t == name or t.startswith(name + "_") for t in taken):
        name += "_"
    return name


def _walkable(problem: Problem) -> None:
    """explain runs one backward per row; past a thousand rows it is no longer a walk-through."""
    check_jacobian_size(problem)
    if problem.m > MAX_EXPLAIN_ROWS:
        raise InputError(
            f"explain walks through one backward call per output, and y has {problem.m:,} outputs (the limit is "
            f"{MAX_EXPLAIN_ROWS:,}); use `vjp jacobian` for the numbers"
        )


def explain(problem: Problem, v: tuple[float, ...] | None = None) -> ExplainResult:
    """The walk-through: leaves, forward, one-hot rows with zeroing, vᵀJ, sum vs ones."""
    _walkable(problem)
    s = _Session(problem)
    y, m, o = s.y, s.m, s.o
    steps: list[Step] = []
    if s.single:
        leaf_word = f"{s.leaf} is the leaf tensor"
    elif len(s.leaf_vars) == 1:
        leaf_word = f"{s.leaf_vars[0]} is the leaf tensor"
    else:
        leaf_word = f"{', '.join(s.leaf_vars)} are leaf tensors"
    steps.append(
        Step(
            "1. The leaf tensors",
            s.leaf_code(),
            [],
            f"{leaf_word}: created by you with requires_grad=True, so autograd records every operation on "
            f"{'it' if len(s.leaf_vars) == 1 else 'them'} and backward() stores gradients in {s.grad_name}.",
        )
    )
    value = [float(t) for t in y.detach().reshape(-1).tolist()]
    grad_fn = type(y.grad_fn).__name__ if y.grad_fn is not None else "None"
    shape_words = "is a scalar" if y.ndim == 0 else f"has shape {tuple(y.shape)}, {m} element{'s' if m != 1 else ''}"
    steps.append(
        Step(
            "2. The forward pass",
            s.forward_code(),
            [f"{o} = {_fmt(value)}", f"{o}.grad_fn = <{grad_fn}>"],
            f"{o} {shape_words}. "
            + (
                f"backward() needs no argument for a scalar: the gradient d{o}/d{o} = 1 is implied."
                if y.numel() == 1
                else f"backward() of a non-scalar needs a gradient argument of {o}'s shape: which combination "
                "of the outputs to differentiate (see --pitfall scalar)."
            ),
        )
    )
    rows: list[list[float]] = []
    number = 3
    from .engines import cuts

    stops = cuts(problem)
    constants = [s.names[i.name] for i in problem.const_inputs]
    if stops or constants:
        said = []
        if stops:
            said.append(
                f"{', '.join(stops)} {'is' if len(stops) == 1 else 'are'} detached: the same values, with no history, "
                "so backward() stops there and nothing computed before it gets a gradient from it"
            )
        if constants:
            said.append(
                f"{', '.join(constants)} {'is a constant' if len(constants) == 1 else 'are constants'} "
                f"(created without requires_grad): no gradient flows into {'it' if len(constants) == 1 else 'them'}"
            )
        steps.append(Step(f"{number}. Where the graph stops", [], [], "; ".join(said) + "."))
        number += 1
    for i in range(m):
        if y.requires_grad:
            y.backward(s.onehot(i), retain_graph=True)
        row = s.grads()
        rows.append(row)
        shown = i < MAX_ROWS_SHOWN or i == m - 1
        if shown:
            title = problem.row_title(i)
            steps.append(
                Step(
                    f"{number}. Row {i} of J",
                    [
                        f"{s.e}_{i} = {s.e_code(i)}",
                        f"{o}.backward({s.e}_{i}, retain_graph=True)  # {s.grad_text(row)}",
                        s.read_code(f"{s.row}_{i}"),
                        f"{s.zero_code()}  # back to zeros",
                    ],
                    [f"row {i} of J = {_fmt(row)}"],
                    f"e_{i} is one-hot, so e_{i}ᵀJ picks row {i}: the gradient of {title}. retain_graph=True "
                    "keeps the graph for the next row (see --pitfall retain); zeroing stops this row adding "
                    "onto the next (see --pitfall accumulate).",
                )
            )
            number += 1
        elif i == MAX_ROWS_SHOWN:
            steps.append(Step(f"{number}. Rows {i} to {m - 2}", [], [], "work the same way, one backward call each."))
            number += 1
        s.zero()
    jac_lines = [f"row {i}: {_fmt(r)}" for i, r in enumerate(rows[:MAX_ROWS_SHOWN])]
    steps.append(
        Step(f"{number}. The Jacobian", [], jac_lines, f"J is {m} x {s.n}: row i is the gradient of output i.")
    )
    number += 1
    vjp: list[float] | None = None
    if v is not None:
        vt = torch.tensor(v, dtype=s.built.dtype).reshape(y.shape)
        if y.requires_grad:
            y.backward(vt, retain_graph=True)
        vjp = s.grads()
        s.zero()
        terms = " + ".join(f"{_fmt(v[i])}·{_fmt(rows[i])}" for i in range(min(m, 4))) + (" + …" if m > 4 else "")
        reshape = "" if y.ndim <= 1 else f".reshape({tuple(y.shape)})"
        steps.append(
            Step(
                f"{number}. vᵀJ for v = {_fmt(list(v))}",
                [
                    f"{o}.backward(torch.tensor({_vec(list(v))}, dtype=torch.{s.dtype}){reshape}, retain_graph=True)"
                    f"  # {s.grad_text(vjp)}"
                ],
                [s.grad_text(vjp)],
                f"One backward call weighs the rows by v: vᵀJ = {terms} = {_fmt(vjp)}. "
                "This is why torch asks for `gradient`: it is v.",
            )
        )
        number += 1
    if y.requires_grad:
        y.sum().backward(retain_graph=True)
    g_sum = s.grads()
    s.zero()
    if y.requires_grad:
        y.backward(torch.ones_like(y), retain_graph=True)
    g_ones = s.grads()
    s.zero()
    colsums = [math.fsum(r[j] for r in rows) for j in range(s.n)]
    steps.append(
        Step(
            f"{number}. {o}.sum().backward() is {o}.backward(torch.ones_like({o}))",
            [
                f"{s.zero_code()}; {o}.sum().backward(retain_graph=True)  # {s.grad_text(g_sum)}",
                f"{s.zero_code()}; {o}.backward(torch.ones_like({o}), retain_graph=True)  # {s.grad_text(g_ones)}",
            ],
            [
                f"{s.grad_text(g_sum)}  (sum)",
                f"{s.grad_text(g_ones)}  (ones)",
                f"1ᵀJ = {_fmt(colsums)}  (column sums)",
            ],
            f"Σ{o} is a scalar, so it needs no gradient argument; its gradient is Σ_i row_i = 1ᵀJ, the same "
            "as weighting every row by 1. Both calls give the column sums of J.",
        )
    )
    header = Header.of("explain", problem, value)
    return ExplainResult(
        header, steps, rows, list(v) if v is not None else None, vjp, notes=nonfinite_notes(problem, value)
    )


# ---- pitfalls ----------------------------------------------------------------------------------


def pitfall(problem: Problem, name: str) -> PitfallResult:
    _walkable(problem)
    if name == "accumulate":
        return _accumulate(problem)
    if name == "scalar":
        return _scalar(problem)
    if name == "leaf":
        return _leaf(problem)
    if name == "inplace":
        return _inplace(problem)
    if name == "no-grad":
        return _no_grad(problem)
    if name == "detach":
        return _detach(problem)
    return _retain(problem)


def _accumulate(problem: Problem) -> PitfallResult:
    s = _Session(problem)
    wrong: list[list[float]] = []
    for i in range(s.m):
        if s.y.requires_grad:
            s.y.backward(s.onehot(i), retain_graph=True)
        wrong.append(s.grads())  # no zeroing: the pitfall
    s.zero()
    right: list[list[float]] = []
    for i in range(s.m):
        if s.y.requires_grad:
            s.y.backward(s.onehot(i), retain_graph=True)
        right.append(s.grads())
        s.zero()
    steps = [
        Step(
            "Without zeroing",
            [
                "for i in range(m):",
                f"    {s.o}.backward({s.e}_i, retain_graph=True)",
                f"    rows.append({s.grad_name}.clone())  # never zeroed",
            ],
            [f"row {i}: {_fmt(r)}" for i, r in enumerate(wrong[:MAX_ROWS_SHOWN])],
            "backward() adds into .grad; it never overwrites. Each row comes out as the sum of all rows so "
            "far: row i holds rows 0..i of the true Jacobian.",
        ),
        Step(
            "With zeroing (the fix)",
            [
                "for i in range(m):",
                f"    {s.o}.backward({s.e}_i, retain_graph=True)",
                f"    rows.append({s.grad_name}.clone())",
                f"    {s.leaf}.grad.zero_()  # or {s.leaf}.grad = None"
                if s.single
                else "    for t in leaves: t.grad = None",
            ],
            [f"row {i}: {_fmt(r)}" for i, r in enumerate(right[:MAX_ROWS_SHOWN])],
            "Zero the gradient after reading each row (optimizer.zero_grad() does the same in training loops).",
        ),
    ]
    value = [float(t) for t in s.y.detach().reshape(-1).tolist()]
    return PitfallResult(Header.of("explain", problem, value), steps, "accumulate", None, wrong, right)


def _scalar(problem: Problem) -> PitfallResult:
    s = _Session(problem)
    value = [float(t) for t in s.y.detach().reshape(-1).tolist()]
    header = Header.of("explain", problem, value)
    error: str | None = None
    if not s.y.requires_grad:
        error = None
        outcome = ["y does not depend on the inputs, so it has no graph to backpropagate through"]
    else:
        try:
            s.y.backward(retain_graph=True)
            outcome = [f"{s.grad_text(s.grads())}  (no error: y is a scalar)"]
        except RuntimeError as err:
            error = str(err).strip().splitlines()[0]
            outcome = [f"RuntimeError: {error}"]
    s.zero()
    text = (
        "torch refuses: a non-scalar y has no single derivative to start from. backward() needs the "
        "gradient argument, a v of y's shape, and then computes vᵀJ."
        if error
        else "y is a scalar here, so backward() uses the implicit gradient 1. Try a function with several "
        "outputs (e.g. --example seed) to see torch refuse."
    )
    fix_grads: list[float] = []
    if s.y.requires_grad:
        s.y.backward(torch.ones_like(s.y), retain_graph=True)
        fix_grads = s.grads()
    steps = [
        Step(f"Calling backward() on {s.o}", [f"{s.o}.backward()"], outcome, text),
        Step(
            "The fix",
            [f"{s.o}.backward(torch.ones_like({s.o}))  # or {s.o}.sum().backward(), or {s.o}.backward(v)"],
            [s.grad_text(fix_grads)],
            "torch.ones_like(y) weighs every output by 1, giving the column sums 1ᵀJ; any v gives vᵀJ; "
            "`vjp jacobian` uses one-hot v's to get each row.",
        ),
    ]
    return PitfallResult(header, steps, "scalar", error)


def _retain(problem: Problem) -> PitfallResult:
    s = _Session(problem)
    value = [float(t) for t in s.y.detach().reshape(-1).tolist()]
    header = Header.of("explain", problem, value)
    error: str | None = None
    outcome: list[str] = []
    if not s.y.requires_grad:
        outcome = ["y does not depend on the inputs, so it has no graph at all"]
    else:
        g = s.onehot(0)
        s.y.backward(g)  # no retain_graph: the graph's saved tensors are freed
        outcome.append(f"first backward: {s.grad_text(s.grads())}")
        s.zero()
        try:
            s.y.backward(s.onehot(min(1, s.m - 1)))
            outcome.append(f"second backward: {s.grad_text(s.grads())}")
        except RuntimeError as err:
            error = str(err).strip().splitlines()[0]
            outcome.append(f"second backward: RuntimeError: {error}")
    text = (
        "The first backward() freed the tensors the graph saved for its backward pass (e.g. x0 for "
        "x0**2). A second backward through the same graph has nothing to work with."
        if error
        else "torch did not complain here: no operation in this graph saved a tensor for backward, "
        "so nothing was freed. With a product or a power (x0*x1, x0**2) the second call fails."
    )
    steps = [
        Step(
            "Two backward calls without retain_graph",
            [f"{s.o}.backward(e_0)", f"{s.o}.backward(e_1)"],
            outcome,
            text,
        ),
        Step(
            "The fix",
            [f"{s.o}.backward(e_0, retain_graph=True)", f"{s.o}.backward(e_1)  # the last call may free the graph"],
            [],
            "retain_graph=True keeps the graph for another backward; `vjp jacobian` passes it for every row.",
        ),
    ]
    return PitfallResult(header, steps, "retain", error)


# ---- what is differentiated: leaves, in-place ops, no_grad, detach ---------------------------------------


def _torch_error(fn: Any) -> tuple[str | None, list[str]]:
    """Run ``fn``; torch's error (first line) and any warnings it gave, in its own words."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
            error = None
        except RuntimeError as err:
            error = str(err).strip().splitlines()[0]
    said = [str(w.message).strip().splitlines()[0] for w in caught if issubclass(w.category, UserWarning)]
    return error, said


def _leaf(problem: Problem) -> PitfallResult:
    """A non-leaf's .grad is None (torch warns); retain_grad() keeps it."""
    s = _Session(problem)
    value = [float(t) for t in s.y.detach().reshape(-1).tolist()]
    header = Header.of("explain", problem, value)
    o = s.o
    if not s.y.requires_grad:
        steps = [
            Step("A non-leaf's .grad", [], ["y does not depend on the differentiated inputs: it has no graph"], "")
        ]
        return PitfallResult(header, steps, "leaf", None)
    grads: dict[str, Any] = {}

    def read() -> None:
        s.y.sum().backward(retain_graph=True)
        grads["y"] = s.y.grad

    error, warned = _torch_error(read)
    leaf_grad = _fmt(s.grads()) if s.leaves[0].grad is not None else "None"
    s.zero()
    s.y.retain_grad()
    s.y.sum().backward(retain_graph=True)
    kept = s.y.grad
    kept_text = _fmt([float(v) for v in kept.reshape(-1).tolist()]) if kept is not None else "None"
    s.zero()
    steps = [
        Step(
            f"{o}.grad of a non-leaf",
            [f"{o}.sum().backward(retain_graph=True)", f"{o}.grad"],
            [f"{o}.grad = None"]
            + [f"UserWarning: {w}" for w in warned[:1]]
            + ([f"RuntimeError: {error}"] if error else []),
            f"{o} was computed from the leaves ({', '.join(s.leaf_vars)}), so it is not a leaf: backward() fills "
            f".grad only on leaves (requires_grad=True and created by you). {s.grad_name} is set ({leaf_grad}); "
            f"{o}.grad is not.",
        ),
        Step(
            "The fix: retain_grad()",
            [f"{o}.retain_grad()", f"{o}.sum().backward(retain_graph=True)", f"{o}.grad"],
            [f"{o}.grad = {kept_text}"],
            f"retain_grad() asks autograd to keep the gradient of this non-leaf too: d(Σ{o})/d{o} is 1 "
            "for every element.",
        ),
    ]
    return PitfallResult(header, steps, "leaf", error or (warned[0] if warned else None))


def _inplace(problem: Problem) -> PitfallResult:
    """In-place ops on a leaf that requires grad, and on a tensor saved for backward: torch's errors."""
    import torch

    s = _Session(problem)
    value = [float(t) for t in s.y.detach().reshape(-1).tolist()]
    header = Header.of("explain", problem, value)
    leaf = s.leaves[0]
    name = s.leaf_vars[0]

    def on_leaf() -> None:
        leaf.add_(1)

    leaf_error, _ = _torch_error(on_leaf)
    fresh = leaf.detach().clone().requires_grad_(True)
    saved = fresh.exp()  # exp saves its output for backward

    def on_saved() -> None:
        saved.mul_(2)
        saved.sum().backward()

    saved_error, _ = _torch_error(on_saved)
    fixed = leaf.detach().clone().requires_grad_(True)
    out = fixed.exp()
    out = out * 2  # out of place: the saved exp(x) is untouched
    out.sum().backward()
    grad = fixed.grad
    steps = [
        Step(
            "An in-place op on a leaf",
            [f"{name}.add_(1)"],
            [f"RuntimeError: {leaf_error}"] if leaf_error else ["(no error)"],
            f"{name} requires grad and autograd needs its value for the backward pass; changing it in place "
            "would change the function under autograd's feet, so torch refuses.",
        ),
        Step(
            "An in-place op on a tensor saved for backward",
            [f"s = {name}.exp()  # exp saves its output for backward", "s.mul_(2)", "s.sum().backward()"],
            [f"RuntimeError: {saved_error}"] if saved_error else ["(no error)"],
            "The backward of exp multiplies by the exp it saved; mul_ overwrote it, and torch notices from the "
            "tensor's version counter.",
        ),
        Step(
            "The fix: out of place",
            [f"s = {name}.exp()", "s = s * 2  # a new tensor; the saved exp is untouched", "s.sum().backward()"],
            [f"{name}.grad = {_fmt([float(v) for v in (grad if grad is not None else torch.zeros(1)).reshape(-1)])}"],
            "Write s = s * 2 (or work on s.clone()); to change a leaf's value, do it under torch.no_grad() "
            "before the forward pass.",
        ),
    ]
    return PitfallResult(header, steps, "inplace", saved_error or leaf_error)


def _no_grad(problem: Problem) -> PitfallResult:
    """Computed under torch.no_grad(), or from tensors without requires_grad: backward has nothing to follow."""
    import torch

    s = _Session(problem)
    value = [float(t) for t in s.y.detach().reshape(-1).tolist()]
    header = Header.of("explain", problem, value)
    o = s.o
    with torch.no_grad():
        y = s.built.of_leaves(*s.leaves)
    error, _ = _torch_error(lambda: y.sum().backward())
    plain = [t.detach() for t in s.leaves]
    y2 = s.built.of_leaves(*plain)
    error2, _ = _torch_error(lambda: y2.sum().backward())
    if s.y.requires_grad:
        s.y.sum().backward(retain_graph=True)
    fix = s.grads()
    s.zero()
    steps = [
        Step(
            "Under torch.no_grad()",
            ["with torch.no_grad():", f"    {o} = ...  # the forward pass", f"{o}.sum().backward()"],
            [f"{o}.requires_grad = {y.requires_grad}", f"RuntimeError: {error}" if error else "(no error)"],
            "no_grad() switches recording off: the result has no grad_fn, so backward() has no graph to walk.",
        ),
        Step(
            "From tensors without requires_grad",
            [
                f"{', '.join(s.leaf_vars)} = torch.tensor(...)  # requires_grad=False",
                f"{o} = ...",
                f"{o}.sum().backward()",
            ],
            [f"{o}.requires_grad = {y2.requires_grad}", f"RuntimeError: {error2}" if error2 else "(no error)"],
            "autograd records only operations on tensors that require grad; these do not.",
        ),
        Step(
            "The fix",
            [
                f"{', '.join(s.leaf_vars)} = torch.tensor(..., requires_grad=True)",
                f"{o} = ...  # outside no_grad",
                f"{o}.sum().backward()",
            ],
            [f"{s.grad_name} = {_fmt(fix)}"],
            "Create the inputs you differentiate with requires_grad=True (vjp does this for --wrt) and keep "
            "torch.no_grad() for code that must not be differentiated (evaluation, parameter updates).",
        ),
    ]
    return PitfallResult(header, steps, "no-grad", error)


def _detach(problem: Problem) -> PitfallResult:
    """d2l's example: u = y.detach() is a constant to autograd; z = u * x gives x.grad = u."""
    import torch

    s = _Session(problem)
    value = [float(t) for t in s.y.detach().reshape(-1).tolist()]
    header = Header.of("explain", problem, value)
    name = s.leaf_vars[0] if not s.single else s.leaf
    x = s.leaves[0].detach().clone().requires_grad_(True)
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    with_detach = [float(v) for v in x.grad.reshape(-1).tolist()] if x.grad is not None else []
    x2 = s.leaves[0].detach().clone().requires_grad_(True)
    y2 = x2 * x2
    z2 = y2 * x2
    z2.sum().backward()
    without = [float(v) for v in x2.grad.reshape(-1).tolist()] if x2.grad is not None else []
    u_values = [float(v) for v in u.reshape(-1).tolist()]
    steps = [
        Step(
            "u = y.detach() (d2l's example)",
            [f"y = {name} * {name}", "u = y.detach()", f"z = u * {name}", "z.sum().backward()"],
            [f"{name}.grad = {_fmt(with_detach)}", f"u = {_fmt(u_values)}"],
            f"detach() returns the same values with no history: autograd treats u as a constant, so "
            f"dz/d{name} = u, not 3{name}². The graph stops at u: nothing flows back into y.",
        ),
        Step(
            "Without detach",
            [f"y = {name} * {name}", f"z = y * {name}", "z.sum().backward()"],
            [f"{name}.grad = {_fmt(without)}  (3·{name}²)"],
            "This is the gradient through both factors. Use detach() when a value should be used but not "
            "trained through (targets, running statistics); vjp's --wrt makes whole inputs constants the same way.",
        ),
    ]
    del torch
    return PitfallResult(header, steps, "detach", None)
