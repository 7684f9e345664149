"""The one table of operations: every spelling resolves to what its library means, nothing
outside the table resolves, and each library's own meaning of a shared name is kept (or the
ambiguous call is refused, naming both spellings).

Numbers are compared with torch called directly (torch.autograd.functional.jacobian on the
same function written by hand); tests/test_catalogue_differential.py walks every entry.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from torch.autograd.functional import jacobian as torch_jacobian

from autograd_cli import catalogue
from autograd_cli.build import resolve
from autograd_cli.errors import InputError, ParseError, ShapeError
from autograd_cli.parsing import parse
from autograd_cli.points import merge, parse_point
from autograd_cli.problem import make_problem, parse_wrt

ATTRIBUTES = {"T", "mT", "shape", "ndim", "values", "indices", "sign", "logabsdet"}


# ---- the table itself ------------------------------------------------------------------------------


def test_every_torch_spelling_and_method_exists_in_torch():
    missing = []
    for op in catalogue.OPS.values():
        if op.group == "refused":
            continue
        if op.torch.startswith("torch.") and " " not in op.torch:
            try:
                resolve(op.torch)
            except AttributeError:
                missing.append((op.key, op.torch))
        for s in op.spellings:
            if s.native and s.form == "call":
                try:
                    resolve(s.text)
                except AttributeError:
                    missing.append((op.key, s.text))
            elif s.form == "method" and not hasattr(torch.Tensor, s.text):
                missing.append((op.key, f".{s.text}()"))
            elif s.form == "attr" and s.text not in ATTRIBUTES and not hasattr(torch.Tensor, s.text):
                missing.append((op.key, f".{s.text}"))
    assert not missing


def test_a_spelling_means_one_thing():
    """registry.register refuses a second meaning for a spelling; the table has as many keys as spellings."""
    seen: dict[tuple[str, str], str] = {}
    for (form, text), entry in catalogue.SPELLINGS.items():
        assert (form, text) not in seen
        seen[(form, text)] = getattr(entry, "op", "overload")


def test_every_op_is_documented_and_listed():
    listed = {r["name"] for r in catalogue.listing()}
    for op in catalogue.OPS.values():
        assert op.doc, op.key
        if op.group != "refused":
            assert op.key in listed


def test_the_listing_says_which_ops_have_a_symbolic_form():
    rows = {r["name"]: r for r in catalogue.listing()}
    assert rows["sin"]["symbolic"] is True
    assert rows["matrix_exp"]["symbolic"] is False
    assert "torch.sin" in rows["sin"]["spellings"] and "x.sin()" in rows["sin"]["spellings"]
    assert "np.sin" in rows["sin"]["spellings"] and "jnp.sin" in rows["sin"]["spellings"]


def test_vjp_functions_lists_the_table_as_json(vjp):
    r = vjp("functions", "--format", "json")
    assert r.code == 0, r
    names = {f["name"] for f in json.loads(r.stdout)["functions"]}
    assert names == {row["name"] for row in catalogue.listing()}


def test_vjp_functions_name_finds_one_and_refuses_unknown_names(vjp):
    r = vjp("functions", "torch.cumsum", "--format", "json")
    assert [f["name"] for f in r.json()["functions"]] == ["cumsum"]
    r = vjp("functions", "qqqq")
    assert r.code == 2 and "no function matches 'qqqq'" in r.stderr


# ---- nothing outside the table resolves, and refusing it needs no torch ----------------------------

INJECTIONS = [
    "x.__class__",
    "torch.__dict__",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "getattr(x, 'grad')",
    "x.grad_fn.next_functions",
    "x.grad",
    "torch.load('f')",
    "torch.save(x, 'f')",
    "np.fromfile('f')",
    "np.load('f')",
    "F.__globals__",
    "torch.nn.Module",
    "torch.hub.load('a', 'b')",
    "x.register_hook(print)",
    "__import__('os')",
    "open('f')",
    "eval('1')",
    "exec('1')",
    "x.to('cuda')",
    "torch.ops.aten.sin(x)",
    "torch.Tensor.sin(x)",
    "sympy.sympify('x')",
    "sp.parse_expr('x')",
    "math.__loader__",
    "torch.sin.__self__",
    "x.sum.__call__(x)",
    "jax.numpy.load('f')",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_names_outside_the_table_are_refused(text):
    with pytest.raises(ParseError):
        parse(text)


def test_refusals_import_no_torch():
    code = (
        "import sys\n"
        "from autograd_cli.parsing import parse\n"
        "from autograd_cli.errors import ParseError\n"
        f"for text in {INJECTIONS!r}:\n"
        "    try:\n"
        "        parse(text)\n"
        "    except ParseError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit('accepted: ' + text)\n"
        "assert 'torch' not in sys.modules and 'sympy' not in sys.modules, sorted(sys.modules)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


# ---- helpers --------------------------------------------------------------------------------------


def problem(text: str, *at: str, wrt: str | None = None, dtype: str = "float64"):
    spec = merge([parse_point(a) for a in at]) if at else None
    return make_problem(parse(text), spec, dtype, parse_wrt(wrt))


def vjp_jacobian(text: str, *at: str, wrt: str | None = None) -> torch.Tensor:
    from autograd_cli import engines

    result = engines.jacobian(problem(text, *at, wrt=wrt), "rows")
    return torch.tensor(result.jacobian, dtype=torch.float64)


def reference(fn, *inputs: torch.Tensor) -> torch.Tensor:
    """The Jacobian of fn by torch itself, flattened as vjp lays it out (rows x columns)."""
    out = fn(*inputs)
    m = out.numel()
    parts = torch_jacobian(fn, inputs)
    if not isinstance(parts, tuple):
        parts = (parts,)
    return torch.cat([p.reshape(m, -1) for p in parts], dim=1)


T = torch.tensor
A = T([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], dtype=torch.float64)
X3 = T([0.5, -1.5, 2.0], dtype=torch.float64)
AT = "A=[[1,-2,0.5],[3,0.25,-1]]"
XT = "x=[0.5,-1.5,2]"


# ---- one meaning per library, or a refusal ----------------------------------------------------------


def test_numpy_dot_of_a_matrix_is_a_matrix_product():
    got = vjp_jacobian("np.dot(A, x)", AT, XT)
    assert torch.allclose(got, reference(lambda a, x: a @ x, A, X3))


def test_torch_dot_takes_two_vectors_as_torch_says():
    with pytest.raises(ShapeError, match=r"needs two vectors of the same length, got shapes \(2, 3\) and \(3,\)"):
        problem("torch.dot(A, x)", AT, XT)
    with pytest.raises(ShapeError, match=r"np\.dot\(a, b\) or a @ b"):
        problem("dot(A, x)", AT, XT)


def test_std_divides_as_each_library_says_and_the_bare_name_asks():
    torch_std = vjp_jacobian("torch.std(x)", XT)
    np_std = vjp_jacobian("np.std(x)", XT)
    assert torch.allclose(torch_std, reference(lambda x: torch.std(x), X3))
    assert torch.allclose(np_std, reference(lambda x: torch.std(x, correction=0), X3))
    with pytest.raises(ShapeError, match=r"std\(x\) is ambiguous: torch\.std divides by n-1"):
        problem("std(x)", XT)
    assert torch.allclose(vjp_jacobian("std(x, correction=0)", XT), np_std)


@pytest.mark.parametrize(
    ("text", "spellings"),
    [
        ("max(A, 1)", ["torch.max(A, dim=1).values", "maximum(A, 1)"]),
        ("min(A, 0)", ["torch.min(A, dim=0).values", "minimum(A, 0)"]),
        ("norm(A, 1)", ["torch.norm(A, 1)", "norm(A, dim=1)"]),
    ],
)
def test_a_bare_name_with_two_plausible_readings_is_refused_with_both_spellings(text, spellings):
    with pytest.raises(ShapeError) as info:
        problem(text, AT)
    for s in spellings:
        assert s in str(info.value), str(info.value)


def test_bare_max_of_a_scalar_and_a_number_is_the_elementwise_maximum():
    assert vjp_jacobian("max(x0, 0)", "x0=2").tolist() == [[1.0]]
    assert vjp_jacobian("max(x0, 0)", "x0=-2").tolist() == [[0.0]]


def test_torch_max_with_a_dim_is_a_pair_and_values_or_zero_pick_the_values():
    ref = reference(lambda a: torch.max(a, dim=1).values, A)
    for text in ("torch.max(A, dim=1).values", "torch.max(A, 1)[0]", "A.max(1).values", "A.max(dim=1)[0]"):
        assert torch.allclose(vjp_jacobian(text, AT), ref), text
    with pytest.raises(ShapeError, match=r"\(values, indices\) pair.*take \.values"):
        problem("torch.max(A, 1) * 2", AT)
    with pytest.raises(ShapeError, match=r"whole-number positions: they have no gradient"):
        problem("torch.max(A, 1).indices", AT)


def test_norm_orders_mean_what_torch_and_numpy_mean():
    assert torch.allclose(vjp_jacobian("torch.norm(A, 1)", AT), reference(lambda a: torch.norm(a, 1), A))
    assert torch.allclose(vjp_jacobian("torch.linalg.norm(A, 1)", AT), reference(lambda a: torch.linalg.norm(a, 1), A))
    assert torch.allclose(vjp_jacobian("np.linalg.norm(A)", AT), reference(lambda a: torch.linalg.norm(a), A))


def test_softmax_dims_follow_each_library():
    x3 = torch.arange(8, dtype=torch.float64).reshape(2, 2, 2) / 7
    at = "x=[[[0,1],[2,3]],[[4,5],[6,7]]]"
    scaled = "x/7"
    for text, fn in (
        (f"F.softmax({scaled})", lambda x: F.softmax(x / 7, dim=0)),  # torch's implicit dim for 3-D: 0
        (f"jax.nn.softmax({scaled})", lambda x: F.softmax(x / 7, dim=-1)),
        (f"softmax({scaled})", lambda x: F.softmax(x / 7, dim=-1)),
        (f"torch.softmax({scaled}, dim=1)", lambda x: torch.softmax(x / 7, dim=1)),
    ):
        assert torch.allclose(vjp_jacobian(text, at), reference(fn, x3 * 7)), text
    with pytest.raises(ParseError, match=r"torch\.softmax\(\) takes 2 arguments, got 1"):
        problem("torch.softmax(x)", XT)  # torch.softmax has no default dim


def test_jax_gelu_is_the_tanh_approximation_by_default():
    assert torch.allclose(vjp_jacobian("jax.nn.gelu(x)", XT), reference(lambda x: F.gelu(x, approximate="tanh"), X3))
    assert torch.allclose(vjp_jacobian("F.gelu(x)", XT), reference(lambda x: F.gelu(x), X3))


def test_numpy_cumsum_without_an_axis_runs_over_the_flattened_array():
    assert torch.allclose(vjp_jacobian("np.cumsum(A)", AT), reference(lambda a: torch.cumsum(a.reshape(-1), dim=0), A))
    with pytest.raises(ShapeError, match=r"needs dim"):
        problem("torch.cumsum(A)", AT)


def test_math_functions_are_numbers_on_constants_and_refused_on_differentiated_inputs():
    assert vjp_jacobian("math.sqrt(2) * x", "x=3").tolist() == [[math.sqrt(2)]]
    with pytest.raises(ShapeError, match=r"math\.sin\(x\) turns a tensor into a Python float"):
        problem("math.sin(x)", "x=1")
    # a constant input (not differentiated) may go through math: it is data
    got = vjp_jacobian("x / math.sqrt(s)", "x=2", "s=4", wrt="x")
    assert got.tolist() == [[0.5]]


def test_torch_tensor_of_tensors_is_refused_and_stack_keeps_the_gradient():
    with pytest.raises(ShapeError, match=r"torch\.stack"):
        problem("torch.tensor([x0, x1])", "1,2")
    assert vjp_jacobian("torch.stack([x0**2, x1])", "1,2").tolist() == [[2.0, 0.0], [0.0, 1.0]]
    assert vjp_jacobian("jnp.array([x0**2, x1])", "1,2").tolist() == [[2.0, 0.0], [0.0, 1.0]]


def test_literal_tensors_are_constants():
    assert vjp_jacobian("torch.tensor([1., 2.]) * x", "x=[3,4]").tolist() == [[1.0, 0.0], [0.0, 2.0]]
    assert vjp_jacobian("[1, 2] @ x", "x=[3,4]").tolist() == [[1.0, 2.0]]


# ---- statements, outputs, lambda -------------------------------------------------------------------


def test_seed_002_as_written():
    got = vjp_jacobian("y = x + 2; z = y*y*2; out = z.mean()", "x=ones(2,2)")
    assert got.tolist() == [[3.0, 3.0, 3.0, 3.0]]


def test_outputs_are_the_non_assignments_or_the_last_assigned():
    f = parse("h = x*2\nh + 1; h - 1")
    assert f.outputs == ["h + 1", "h - 1"]
    assert parse("a = x; b = a*a").outputs == ["b"]


def test_an_intermediate_used_twice_is_computed_once_in_the_graph():
    from autograd_cli import engines

    tree = engines.graph(problem("h = sin(x); h*h", "x=1")).tree
    names: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if not node.get("repeat"):  # a node drawn again where the graph rejoins
            names.append(node["name"])
        stack.extend(node.get("children", []))
    assert names.count("SinBackward0") == 1


@pytest.mark.parametrize("text", ["[x0*x1, x0 + x1]", "(x0*x1, x0 + x1)", "Matrix([x0*x1, x0 + x1])", "x0*x1; x0 + x1"])
def test_output_lists(text):
    assert vjp_jacobian(text, "2,3").tolist() == [[3.0, 2.0], [1.0, 1.0]]


def test_lambda_gives_the_inputs_their_order_and_closes_over_the_rest():
    p = problem("lambda x, W: jnp.tanh(W @ x + b)", "x=[1,2]", "W=[[1,0],[0,1]]", "b=[0,0]")
    assert p.names[:2] == ("x", "W")
    assert p.leaf_names == ("x", "W")
    assert "b" not in p.leaf_names
    p = problem("f = lambda x: x**3 + 2*x**2", "x=1")
    assert p.function.outputs == ["x**3 + 2*x**2"]


def test_where_and_masks():
    got = vjp_jacobian("torch.where(x > 0, x, 0.01*x)", "x=[2,-1]")
    assert got.tolist() == [[1.0, 0.0], [0.0, 0.01]]
    got = vjp_jacobian("x * ((x > 0) & (x < 1))", "x=[0.5,2]")
    assert got.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_integer_targets_are_constant_inputs():
    p = problem("F.cross_entropy(z, t)", "z=[[1,2,3],[0,1,0]]", "t=[2,0]")
    assert p.leaf_names == ("z",)
    assert [i.kind for i in p.inputs if i.name == "t"] == ["index"]
    z = T([[1.0, 2, 3], [0, 1, 0]], dtype=torch.float64)
    got = vjp_jacobian("F.cross_entropy(z, t)", "z=[[1,2,3],[0,1,0]]", "t=[2,0]")
    assert torch.allclose(got, reference(lambda z: F.cross_entropy(z, T([2, 0])), z))
    with pytest.raises(InputError, match=r"whole-number class indices"):
        problem("F.cross_entropy(z, t)", "z=[[1,2,3],[0,1,0]]", "t=[2,0]", wrt="t")
    with pytest.raises(InputError, match=r"t = 3 is not a class index"):
        problem("F.cross_entropy(z, t)", "z=[[1,2,3],[0,1,0]]", "t=[3,0]")


def test_d2l_s_pick_by_integer_arrays():
    y_hat = T([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]], dtype=torch.float64)
    got = vjp_jacobian(
        "-torch.log(y_hat[list(range(len(y_hat))), y]).mean()", "y_hat=[[0.1,0.3,0.6],[0.3,0.2,0.5]]", "y=[0,2]"
    )
    ref = reference(lambda yh: -torch.log(yh[torch.arange(2), T([0, 2])]).mean(), y_hat)
    assert torch.allclose(got, ref)


def test_shape_queries_are_whole_numbers():
    got = vjp_jacobian("x.sum() / x.shape[0] + x.size(0) * 0 + len(x) * 0", XT)
    assert torch.allclose(got, reference(lambda x: x.sum() / 3, X3))


def test_einsum_specs_are_checked_by_their_own_grammar():
    got = vjp_jacobian("torch.einsum('ij,j->i', A, x)", AT, XT, wrt="x")
    assert torch.allclose(got, A)
    for spec, message in (
        ("ij,j->k", r"output letter 'k' is in no input"),
        ("ij;j", r"the character ';'"),
        ("ij,j,k->i", r"names 3 operand"),
    ):
        with pytest.raises(ShapeError, match=message):
            problem(f"torch.einsum('{spec}', A, x)", AT, XT)


def test_string_options_come_from_a_fixed_list():
    with pytest.raises(ShapeError, match=r"reduction must be one of 'mean', 'sum', 'none', got 'avg'"):
        problem("F.mse_loss(x, y, reduction='avg')", "x=[1,2]", "y=[0,0]")
    with pytest.raises(ShapeError, match=r"approximate must be one of 'none', 'tanh'"):
        problem("F.gelu(x, approximate='erf')", XT)


def test_operations_without_a_symbolic_form_work_numerically_and_say_so_symbolically(vjp):
    r = vjp("jacobian", "torch.linalg.matrix_exp(A)", "--at", "A=[[0,1],[0,0]]", "--format", "json")
    assert r.code == 0, r
    r = vjp("jacobian", "torch.linalg.matrix_exp(A)", "--at", "A=[[0,1],[0,0]]", "--symbolic")
    assert r.code == 2 and "matrix_exp" in r.stderr and "no symbolic form" in r.stderr
    r = vjp("check", "torch.linalg.matrix_exp(A)", "--at", "A=[[0,1],[0,0]]", "--format", "json")
    assert r.code == 0, r
    assert any("no symbolic form" in n for n in r.json()["notes"])
