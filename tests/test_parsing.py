"""The expression language of DESIGN.md §3: grammar, precedence, order of variables, the
allow-list of functions, the printer, and every kind of error (what is wrong, and where).

A small float evaluator of the tree, written here and independent of the torch build,
checks that precedence and the printer keep the meaning of the text.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_cli import catalogue
from autograd_cli.errors import ParseError
from autograd_cli.expr import (
    Add,
    Call,
    Const,
    Index,
    Lit,
    MatMul,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Seq,
    Slice,
    Var,
    natural_sorted,
    to_text,
)
from autograd_cli.parsing import CONSTANTS, parse, parse_names

# ---- helpers ------------------------------------------------------------------------------


def tree(text: str) -> Node:
    """The single component of ``text``."""
    f = parse(text)
    assert len(f.components) == 1, f.outputs
    return f.components[0]


def printed(text: str) -> str:
    return to_text(tree(text))


_UNARY = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
    "sigmoid": lambda u: 1 / (1 + math.exp(-u)),
    "relu": lambda u: max(u, 0.0),
    "softplus": lambda u: math.log1p(math.exp(u)),
}


def value(node: Node, env: dict[str, float]) -> float:
    """Float value of a scalar tree: an evaluator independent of the package's torch build."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Const):
        return {"pi": math.pi, "E": math.e}[node.name]
    if isinstance(node, Var):
        return env[node.name]
    if isinstance(node, Neg):
        return -value(node.arg, env)
    if isinstance(node, Add):
        return math.fsum(value(t, env) for t in node.terms)
    if isinstance(node, Mul):
        acc = 1.0
        for f, d in zip(node.factors, node.divide):
            acc = acc / value(f, env) if d else acc * value(f, env)
        return acc
    if isinstance(node, Pow):
        return value(node.base, env) ** value(node.exp, env)
    if isinstance(node, Call):
        if node.op in ("min.n", "max.n", "min.ambiguous", "max.ambiguous"):
            ((_, items),) = node.args
            values = [value(a, env) for a in items.items]
            return (min if node.op.startswith("min") else max)(values)
        args = [value(a, env) for _, a in node.args]
        if node.op == "log" and len(args) == 2:
            return math.log(args[0]) / math.log(args[1])
        return _UNARY[node.spelling](*args)
    raise TypeError(node)


def ev(text: str, **env: float) -> float:
    return value(tree(text), env)


def error_of(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    return info.value


X, Y, Z = Var("x"), Var("y"), Var("z")


def n(v: int) -> Num:
    from fractions import Fraction

    return Num(Fraction(v), str(v))


# ---- precedence and associativity ---------------------------------------------------------


def test_unary_minus_binds_looser_than_power():
    assert tree("-x**2") == Neg(Pow(X, n(2)))
    assert ev("-x**2", x=3) == -9
    assert ev("-2**2") == -4
    assert ev("(-2)**2") == 4


def test_caret_is_power_not_xor():
    assert tree("x^2") == tree("x**2")
    assert ev("2^3") == 8  # Python's ^ would give 1


def test_power_is_right_associative_for_both_spellings():
    assert tree("x**y**z") == Pow(X, Pow(Y, Z))
    assert tree("x^y^z") == Pow(X, Pow(Y, Z))
    assert tree("x^y**z") == Pow(X, Pow(Y, Z))
    assert ev("2**3**2") == 512
    assert ev("2^3^2") == 512
    assert ev("(2**3)**2") == 64


def test_power_takes_a_signed_exponent():
    assert tree("2**-x") == Pow(n(2), Neg(X))
    assert ev("2**-x", x=1) == 0.5
    assert ev("2**-x**2", x=2) == 2**-4  # 2**(-(x**2))
    assert ev("2**+x", x=3) == 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2-3-4", -5),
        ("2-(3-4)", 3),
        ("8/4/2", 1),
        ("8/4*2", 4),
        ("8/(4*2)", 1),
        ("2+3*4", 14),
        ("(2+3)*4", 20),
        ("2*-3", -6),
        ("--2", 2),
        ("-+-2", 2),
        ("2*3**2", 18),
        ("-3**2*2", -18),
        ("2**3*2", 16),
        ("6/2**2", 1.5),
        ("1 - -1", 2),
    ],
)
def test_arithmetic_follows_python_precedence(text, expected):
    assert ev(text) == expected


def test_matmul_binds_like_multiplication():
    assert tree("a @ b * c") == Mul((MatMul(Var("a"), Var("b")), Var("c")), (False, False))
    assert tree("a + b @ c") == Add((Var("a"), MatMul(Var("b"), Var("c"))))


# ---- components, separators, comments ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x0**2+3*x1; x1**2+2*x0",
        "x0**2+3*x1\nx1**2+2*x0",
        "x0**2+3*x1;\nx1**2+2*x0",
        "\n\nx0**2+3*x1\n\n\n   \nx1**2+2*x0\n\n",
        "x0**2+3*x1\r\nx1**2+2*x0\r\n",
        "# the worked example\nx0**2+3*x1   # y0\n# between\nx1**2+2*x0 # y1; not a separator",
    ],
)
def test_semicolons_newlines_blank_lines_and_comments(text):
    f = parse(text)
    assert f.outputs == ["x0**2 + 3*x1", "x1**2 + 2*x0"]
    assert f.names == ("x0", "x1")


def test_a_newline_inside_brackets_is_whitespace():
    f = parse("sin(x0 +\n    x1) * (x0\n - x1)")
    assert len(f.components) == 1


def test_a_comment_swallows_the_rest_of_its_line_only():
    assert parse("x # ; y").outputs == ["x"]
    assert parse("x # c\ny").outputs == ["x", "y"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "# only a comment", "  # c\n\n# d\n"])
def test_an_expression_with_no_component_is_refused(text):
    with pytest.raises(ParseError, match=r"^the expression is empty; give at least one component"):
        parse(text)


# ---- variables: natural order, --vars --------------------------------------------------------


def test_indexed_names_sort_naturally():
    assert parse("x10 + x2 + x1").names == ("x1", "x2", "x10")
    assert parse("x100*x20*x3").names == ("x3", "x20", "x100")
    assert parse("a2b + a10b + a1b").names == ("a1b", "a2b", "a10b")


def test_other_names_sort_alphabetically():
    assert parse("y*z + b*a").names == ("a", "b", "y", "z")
    assert parse("w10 + x1 + w9").names == ("w9", "w10", "x1")


@pytest.mark.parametrize("names", [["x01", "x1"], ["x1", "x001", "x01"], ["a1", "a01", "a001", "a0001"]])
def test_natural_order_is_total_for_names_that_differ_only_in_leading_zeros(names):
    """x01 and x1 have the same number: the order must still not depend on the order they come in."""
    assert natural_sorted(names) == natural_sorted(list(reversed(names)))


def test_variable_order_does_not_depend_on_the_hash_seed():
    """Values in order are assigned in variable order: if that order changed from run to run, so would the
    numbers of `vjp jacobian "x01 + 2*x1" --at 10,20`. 'x01' and 'x1' tie in the natural key, and the set the
    names come from iterates in hash order, which changes with PYTHONHASHSEED."""
    code = (
        "from autograd_cli.parsing import parse; from autograd_cli.points import parse_point; "
        "from autograd_cli.problem import assign; f = parse('x01 + 2*x1'); "
        "print(f.names, assign(f, parse_point('10,20'))[1])"
    )
    seen = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        assert p.returncode == 0, p.stderr
        seen.add(p.stdout)
    assert len(seen) == 1, seen


def test_each_variable_is_one_input_however_often_it_is_used():
    assert parse("x*x; x + y*x").names == ("x", "y")


def test_vars_fix_the_order_and_may_add_unused_inputs():
    assert parse("x0 + x1", ["x1", "x0"]).names == ("x1", "x0")
    assert parse("x0", ["x0", "x1", "x2"]).names == ("x0", "x1", "x2")


def test_vars_that_leave_out_a_used_variable_are_refused():
    with pytest.raises(ParseError, match=r"--vars x0 leaves out x1, which the expression uses; add them to --vars"):
        parse("x0 + x1", ["x0"])


def test_parse_names_accepts_commas_and_spaces():
    assert parse_names("x1, x0 y") == ["x1", "x0", "y"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x0,x0", r"'x0' appears twice"),
        ("sin", r"'sin' is a function or constant name"),
        ("pi", r"'pi' is a function or constant name"),
        ("1x", r"'1x' is not a variable name"),
        ("x.y", r"'x.y' is not a variable name"),
        ("", r"--vars is empty"),
    ],
)
def test_parse_names_refuses_bad_lists(text, message):
    with pytest.raises(ParseError, match=message):
        parse_names(text)


# ---- constants ----------------------------------------------------------------------------


def test_constants_are_not_variables():
    f = parse("pi*x + E + math.e + np.pi")
    assert f.names == ("x",)
    assert ev("pi") == math.pi
    assert ev("E") == math.e
    assert tree("math.e") == Const("E", "math.e")
    assert set(CONSTANTS) >= {"pi", "E", "math.pi", "math.e", "np.pi", "torch.pi", "math.inf"}


def test_e_is_a_variable_as_in_python():
    """Python, torch and NumPy code has no bare e: it is a name like any other (math.e and E are Euler's)."""
    assert parse("e*x + E").names == ("e", "x")


def test_names_that_merely_start_like_constants_are_variables():
    assert parse("pie + Ex + e1").names == ("e1", "Ex", "pie")


@pytest.mark.parametrize("name", ["pi", "E"])
def test_a_constant_cannot_be_called(name):
    with pytest.raises(
        ParseError, match=rf"^'{name}' is a constant, not a function; multiply with '\*' \(at column 1\)$"
    ):
        parse(f"{name}(x)")


# ---- functions: the allow-list and arities -------------------------------------------------

DESIGN_FUNCTIONS = "sin cos tan asin acos atan sinh cosh tanh exp log sqrt abs sigmoid relu softplus min max".split()
ONE_ARG = (
    "sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp log2 log10 sqrt abs erf sigmoid relu softplus"
).split()


def test_every_function_of_the_design_is_allowed():
    assert set(DESIGN_FUNCTIONS) <= catalogue.bare_names()


@pytest.mark.parametrize("name", [n for n in ONE_ARG if n != "softplus"])  # softplus(x, beta, threshold)
def test_one_argument_functions(name):
    node = tree(f"{name}(x)")
    assert isinstance(node, Call) and node.spelling == name and node.args == (("input", X),)
    assert tree(f"{name}( x + 1 )").args == (("input", Add((X, n(1)))),)
    with pytest.raises(ParseError, match=rf"^{name}\(\) takes 1 argument, got 2 \(at column 1\)$"):
        parse(f"{name}(x, y)")
    with pytest.raises(ParseError, match=rf"^{name}\(\) takes 1 argument, got 0 \(at column 1\)$"):
        parse(f"{name}()")


@pytest.mark.parametrize("name", ONE_ARG)
def test_a_function_name_without_a_call_is_a_name_and_the_slip_is_named(name):
    """As in Python, `sin + 1` uses a name `sin`; with no value for it, the message says sin is a function."""
    from autograd_cli.errors import InputError
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    f = parse(f"{name} + x")
    assert set(f.names) == {name, "x"}
    with pytest.raises(InputError, match=rf"{name} is also a function: did you mean {name}\(\.\.\.\)\?"):
        make_problem(f, parse_point("x=1"))


def test_one_argument_functions_cover_the_design_and_evaluate_as_in_maths():
    for name, fn in _UNARY.items():
        assert ev(f"{name}(0.5)") == pytest.approx(fn(0.5)), name


def test_log_takes_an_optional_base():
    assert tree("log(x, 2)").args == (("input", X), ("base", n(2)))
    assert ev("log(8, 2)") == pytest.approx(3)
    with pytest.raises(ParseError, match=r"log\(\) takes 1 to 2 arguments, got 3"):
        parse("log(x, 2, 3)")


@pytest.mark.parametrize(("name", "args"), [("atan2", 2), ("dot", 2)])
def test_two_argument_functions(name, args):
    assert [a for _, a in tree(f"{name}(x, y)").args] == [X, Y]
    for wrong in (1, 3):
        text = f"{name}({', '.join('xyz'[:wrong])})"
        with pytest.raises(ParseError, match=rf"{name}\(\) takes 2 arguments, got {wrong}"):
            parse(text)


@pytest.mark.parametrize("name", ["min", "max"])
def test_min_and_max_take_two_or_more_arguments_or_one_to_reduce(name):
    assert tree(f"{name}(x, y)").op == f"{name}.n"
    assert tree(f"{name}(x, y, z)").args == (("input", Seq((X, Y, Z), "()")),)
    assert tree(f"{name}(x)").op == ("amax" if name == "max" else "amin")
    assert ev(f"{name}(2, 5, -1)") == (-1 if name == "min" else 5)
    with pytest.raises(ParseError, match=rf"{name}\(\) takes .*got 0"):
        parse(f"{name}()")


def test_arity_messages_use_correct_grammar():
    """'min() takes at least 1 arguments' is not English; a minimum of 1 reads 'at least 1 argument'."""
    message = str(error_of("min()"))
    assert "1 arguments" not in message


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "norm", "logsumexp", "softmax"])
def test_reductions_take_dim_as_keyword_or_second_positional(name):
    assert tree(f"{name}(x)").args == (("input", X),)
    assert tree(f"{name}(x, dim=0)").args == (("input", X), ("dim", n(0)))
    assert tree(f"{name}(x, dim = -1)").args == (("input", X), ("dim", Neg(n(1))))
    if name != "norm":  # norm(x, 1) reads 1 as the order p (torch.norm's meaning)
        assert tree(f"{name}(x, 1)").args == (("input", X), ("dim", n(1)))
    assert printed(f"{name}(x, dim=1)") == f"{name}(x, dim=1)"
    assert printed(f"{name}(x, 1)") == f"{name}(x, 1)"  # printed as typed


def test_reductions_take_numpy_s_axis_and_keepdims():
    assert tree("sum(x, axis=0, keepdims=True)").args == (("input", X), ("dim", n(0)), ("keepdim", Lit(True)))


def test_min_max_take_dim_only_with_one_argument():
    assert tree("min(x, dim=0)").op == "amin"
    assert tree("max(x, 0)").op == "max.ambiguous"  # max(x, 0): the elementwise maximum for a scalar x
    with pytest.raises(ParseError, match=r"dim= applies to min\(x\) of one argument only"):
        parse("min(x, y, dim=0)")


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("sin(x, dim=0)", r"sin\(\) takes no keyword 'dim'", 1),
        ("sum(x, dim=)", r"'\)' where a value was expected", 12),
        ("sum(x, dim=0, y)", r"a positional argument after a keyword argument", 15),
        ("sum(x, 1, 2, 3)", r"sum\(\) takes 1 to 3 arguments, got 4", 1),
    ],
)
def test_bad_dim_arguments(text, message, column):
    e = error_of(text)
    assert e.column == column
    assert re.search(message, str(e)), str(e)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sum(x, dim=1.5)", r"dim must be a whole number"),
        ("sum(x, dim=y)", r"dim must be known before the computation"),
        ("sum(x, y)", r"dim must be known before the computation"),
        ("sum(x, 0.5)", r"dim must be a whole number"),
        ("sum(x, 1, 2)", r"keepdim must be True or False"),
    ],
)
def test_bad_dim_values_are_shape_errors_naming_the_call(text, message):
    from autograd_cli.errors import ShapeError
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    f = parse(text)
    with pytest.raises(ShapeError, match=message):
        make_problem(f, parse_point(",".join(f"{n}=[[1,2],[3,4]]" if n == "x" else f"{n}=1" for n in f.names)))


def test_a_repeated_dim_keyword_is_refused():
    """sum(x, dim=0, dim=1) is a mistake (Python: "keyword argument repeated"), not a silent dim=1."""
    with pytest.raises(ParseError, match=r"dim"):
        parse("sum(x, dim=0, dim=1)")


# ---- indexing and slices ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("x[0]", (n(0),)),
        ("x[-1]", (Neg(n(1)),)),
        ("x[1, 2]", (n(1), n(2))),
        ("x[1:3]", (Slice(n(1), n(3), None),)),
        ("x[:3]", (Slice(None, n(3), None),)),
        ("x[1:]", (Slice(n(1), None, None),)),
        ("x[::2]", (Slice(None, None, n(2)),)),
        ("x[1:5:2]", (Slice(n(1), n(5), n(2)),)),
        ("x[0, :]", (n(0), Slice(None, None, None))),
        ("x[:, -1]", (Slice(None, None, None), Neg(n(1)))),
    ],
)
def test_indexing_and_slices(text, index):
    assert tree(text) == Index(X, index)
    assert parse(printed(text)).components[0] == Index(X, index)


def test_indexing_binds_tighter_than_power_and_minus():
    assert tree("-x[0]**2") == Neg(Pow(Index(X, (n(0),)), n(2)))
    assert tree("(x + y)[0]") == Index(Add((X, Y)), (n(0),))
    assert tree("x[0][1]") == Index(Index(X, (n(0),)), (n(1),))


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x[]", r"an empty index; write x\[0\] or x\[1, 2\]", 3),
        ("x[1:2:3:4]", r"a slice has at most start:stop:step", 9),
        ("x]", r"unbalanced '\]': there is no '\[' to close", 2),
    ],
)
def test_bad_indexing(text, message, column):
    e = error_of(text)
    assert e.column == column
    assert re.search(message, str(e)), str(e)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x[0.5]", r"an index must be a whole number known before the computation"),
        ("x[::0]", r"a slice step must be positive"),
        ("x[::-1]", r"a slice step must be positive"),
        ("x[x > 0]", r"indexing with a mask .* is not supported"),
        ("x[5]", r"index 5 is out of range"),
    ],
)
def test_bad_index_values_are_shape_errors(text, message):
    from autograd_cli.errors import ShapeError
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    with pytest.raises(ShapeError, match=message):
        make_problem(parse(text), parse_point("x=[1,2,3]"))


def test_an_unclosed_index_says_the_bracket_is_not_closed():
    """'x[0' is missing a ']'; saying that an index 'must be a whole number' misleads (0 is one)."""
    assert "]" in str(error_of("x[0"))


def test_a_large_whole_index_is_not_called_a_non_whole_number():
    """x[1234567890] is a whole number; the message must say it is too large, not that it is not whole."""
    from autograd_cli.errors import ShapeError
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    with pytest.raises(ShapeError) as info:
        make_problem(parse("x[1234567890]"), parse_point("x=[1,2,3]"))
    assert "must be a whole number" not in str(info.value)
    assert "too large" in str(info.value)


# ---- printer round trip ---------------------------------------------------------------------

ROUND_TRIP = [
    ("x0**2+3*x1", "x0**2 + 3*x1"),
    ("-x**2", "-x**2"),
    ("-(x)**2", "-x**2"),
    ("(-x)**2", "(-x)**2"),
    ("x^y^z", "x**(y**z)"),
    ("(x**y)**z", "(x**y)**z"),
    ("2**-x", "2**(-x)"),
    ("x**-2", "x**(-2)"),
    ("a-(b-c)", "a - (b - c)"),
    ("a-(b+c)", "a - (b + c)"),
    ("a + -b", "a - b"),
    ("a - -b", "a - -b"),
    ("a/(b*c)", "a/(b*c)"),
    ("a/(b/c)", "a/(b/c)"),
    ("a*(b/c)", "a*(b/c)"),
    ("a/b/c", "a/b/c"),
    ("a*-b", "a*(-b)"),
    ("a/-b", "a/(-b)"),
    ("-(a*b)", "-(a*b)"),
    ("-(a+b)", "-(a + b)"),
    ("-(-a)", "--a"),
    ("(-1)**x", "(-1)**x"),
    ("-1**x", "-1**x"),
    ("(a-b)*(c-d)", "(a - b)*(c - d)"),
    ("sin(x)**2 + cos(x)**2", "sin(x)**2 + cos(x)**2"),
    ("max(a, b, -c)", "max(a, b, -c)"),
    ("log(a, 2)", "log(a, 2)"),
    ("1e-3*x + 0.5", "1e-3*x + 0.5"),
    ("pi*e*E", "pi*e*E"),
    ("a @ (b @ c)", "a @ (b @ c)"),
    ("(a@b)*c", "a @ b*c"),
    ("a @ -b", "a @ (-b)"),
    ("(a+b)[0]", "(a + b)[0]"),
    ("(-a)[1:2]", "(-a)[1:2]"),
]


TORCH_ROUND_TRIP = [
    ("torch.sum(x,dim=1)", "torch.sum(x, dim=1)"),
    ("x.exp( ).sum(dim = 1)", "x.exp().sum(dim=1)"),
    ("(x + 1).norm()", "(x + 1).norm()"),
    ("W.T@x", "W.T @ x"),
    ('F.gelu(x, approximate="tanh")', "F.gelu(x, approximate='tanh')"),
    ("torch.where(x>0, x, 0.01*x)", "torch.where(x > 0, x, 0.01*x)"),
    ("x[..., None, 0]", "x[..., None, 0]"),
    ("(x > 0) & (y < 1)", "(x > 0) & (y < 1)"),
]


@pytest.mark.parametrize(("text", "expected"), ROUND_TRIP + TORCH_ROUND_TRIP)
def test_printer_round_trip(text, expected):
    assert printed(text) == expected
    assert printed(expected) == expected  # a fixed point: parse(to_text(tree)) prints the same text


@pytest.mark.parametrize(
    ("text", "expected"), [c for c in ROUND_TRIP if "[" not in c[0] and "@" not in c[0] and "e*" not in c[0]]
)
def test_printer_keeps_the_meaning(text, expected):
    env = {"x0": 1.1, "x1": -0.6, "x": 0.7, "y": 1.3, "z": 0.4, "a": 2.5, "b": -1.5, "c": 0.75, "d": 3.25}
    assert value(tree(expected), env) == pytest.approx(value(tree(text), env), rel=1e-12)


def test_outputs_print_every_component():
    assert parse("x0**2+3*x1; x1**2+2*x0").outputs == ["x0**2 + 3*x1", "x1**2 + 2*x0"]


# ---- errors: what is wrong, and where --------------------------------------------------------


def test_unknown_function_with_a_suggestion():
    e = error_of("sinn(x)")
    assert e.column == 1
    assert str(e).startswith("unknown function 'sinn'; did you mean 'sin'? (see `vjp functions`)")
    assert str(e).endswith("a variable next to '(' needs '*', e.g. x*(y+1) (at column 1)")


@pytest.mark.parametrize(("typo", "meant"), [("sigmod", "sigmoid"), ("sine", "sin"), ("exq", "exp"), ("Sin", "sin")])
def test_unknown_function_suggests_the_closest_name(typo, meant):
    with pytest.raises(ParseError, match=rf"unknown function '{typo}'; did you mean '{meant}'\?"):
        parse(f"2*{typo}(x)")


def test_unknown_function_without_a_close_match_points_to_the_list_and_says_where():
    e = error_of("y + qqq(x)")
    assert e.column == 5
    assert "did you mean" not in str(e)
    assert "unknown function 'qqq'" in str(e)
    assert "vjp functions" in str(e)


def test_a_variable_next_to_parenthesis_needs_a_star():
    with pytest.raises(ParseError, match=r"unknown function 'x'.*needs '\*', e.g. x\*\(y\+1\)"):
        parse("x(y+1)")
    with pytest.raises(ParseError, match=r"'x' is not a function; multiplication needs '\*'"):
        parse("(x)(y)")


def test_pinned_messages():
    cases = {
        "x;;y": "an empty component between two ';'; each component between ';' must be an expression (at column 3)",
        ";x": "an empty component: ';' at the start; each component between ';' must be an expression (at column 1)",
        "x0; x1;": "a trailing ';' with no component after it; remove it (at column 7)",
        "x0; x1;  \n\n": "a trailing ';' with no component after it; remove it (at line 1, column 7)",
        "2x": "missing operator between '2' and 'x'; multiplication needs '*', as in 2*x (at column 2)",
        "x y": "missing operator between 'x' and 'y'; multiplication needs '*', as in x*y (at column 3)",
        "(x": "expected ')' to close the '(' at column 1, found the end of the expression (at column 3)",
        "x)": "unbalanced ')': there is no '(' to close (at column 2)",
        "sin(x": "expected ')' to close the call to sin(), found the end of the expression (at column 6)",
        "x +": "the expression ends where a value was expected (at column 4)",
        "*x": "'*' needs a value on its left (at column 1)",
        "1 = x": (
            "'=' assigns a name on its own line (y = x + 2), or a keyword inside a call; "
            "compare with '==' (at column 3)"
        ),
        "x0\nx1 x2": (
            "missing operator between 'x1' and 'x2'; multiplication needs '*', as in x1*x2 (at line 2, column 4)"
        ),
    }
    for text, message in cases.items():
        assert str(error_of(text)) == message, text


@pytest.mark.parametrize(
    ("text", "column"),
    [("x0 + 2x1", 7), ("2(x+1)", 2), ("((x)", 5), ("(x))", 4), ("sin(x))", 7), ("x;y;;z", 5), ("x;\n;y", 1)],
)
def test_errors_point_at_the_right_column(text, column):
    assert error_of(text).column == column


def test_multi_line_errors_name_the_line():
    e = error_of("x0\nx1\nx2 +")
    assert e.line == 3
    assert str(e).endswith("(at line 3, column 5)")


def test_the_excerpt_has_a_caret_under_the_error():
    assert error_of("x0 + 2x1").excerpt() == "  x0 + 2x1\n        ^"


def test_the_caret_stays_under_the_error_after_a_tab():
    """A terminal expands the tab in the echoed line; the caret line must land under the same character."""
    line, caret = error_of("x0\t+ 2x1").excerpt().split("\n")
    shown = line.expandtabs()
    assert shown[caret.index("^")] == "x", (shown, caret)


# ---- odd characters -----------------------------------------------------------------------


def test_nul_is_refused_with_its_position():
    e = error_of("x0 +\x00 1")
    assert e.column == 5
    assert "NUL" in str(e) and "U+0000" in str(e)


@pytest.mark.parametrize("ch", ["\x01", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\u200b", "\u202e", "\ufeff"])
def test_control_and_invisible_characters_are_refused(ch):
    e = error_of(f"x{ch}+1")
    assert e.column == 2
    assert f"U+{ord(ch):04X}" in str(e)


@pytest.mark.parametrize(
    ("ch", "name"),
    [
        ("\u0445", "CYRILLIC SMALL LETTER HA"),  # х
        ("\u0430", "CYRILLIC SMALL LETTER A"),  # а
        ("\u0435", "CYRILLIC SMALL LETTER IE"),  # е
        ("\u0455", "CYRILLIC SMALL LETTER DZE"),  # ѕ
        ("\u03bf", "GREEK SMALL LETTER OMICRON"),  # ο
        ("\u0391", "GREEK CAPITAL LETTER ALPHA"),  # Α
        ("\uff58", "FULLWIDTH LATIN SMALL LETTER X"),  # ｘ
        ("\u212f", "SCRIPT SMALL E"),  # ℯ
    ],
)
def test_look_alike_letters_are_refused_by_name(ch, name):
    e = error_of(f"y + {ch}0")
    assert e.column == 5
    assert name in str(e)
    assert "ASCII" in str(e)


@pytest.mark.parametrize("digit", ["\uff11", "\u0661", "\u0967", "\U0001d7cf", "\u09e7"])
def test_look_alike_digits_are_refused(digit):
    """'１' (fullwidth), '١' (Arabic-Indic), '१' (Devanagari), '𝟏' (mathematical bold) look like 1 but are not ASCII."""
    with pytest.raises(ParseError, match=r"U\+"):
        parse(f"x*{digit}")
    with pytest.raises(ParseError):
        parse(f"x[{digit}]")


@pytest.mark.parametrize(
    ("ch", "hint"),
    [
        ("\u2212", "write '-' instead"),
        ("\u00d7", "write '*' instead"),
        ("\u00f7", "write '/' instead"),
        ("\u00b2", "write '**2' instead"),
        ("\u03c0", "write 'pi' instead"),
    ],
)
def test_typographic_operators_get_the_ascii_spelling(ch, hint):
    e = error_of(f"x{ch}y")
    assert e.column == 2
    assert hint in str(e)


@pytest.mark.parametrize("text", ["'x'", '"x"', "x + 'a'", "sin('x')"])
def test_strings_are_options_not_values(text):
    """'sum' and 'ij,j->i' are options of a call; as a value a string is a shape error naming it."""
    from autograd_cli.errors import ShapeError
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    f = parse(text)
    with pytest.raises(ShapeError, match=r"'[xa]'"):
        make_problem(f, parse_point("x=1") if f.names else None)


@pytest.mark.parametrize("text", ["'a\\b'", "'x\x00'", "'unclosed", "'two\nlines'"])
def test_strings_hold_printable_ascii_on_one_line(text):
    with pytest.raises(ParseError, match=r"printable ASCII"):
        parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.real", r"the attribute \.real is not supported"),
        ("(x).imag", r"the attribute \.imag is not supported"),
        ("sin.eval.__globals__", r"the attribute \.eval is not supported"),
        ("x.grad_fn.next_functions", r"the attribute \.grad_fn is not supported"),
        ("x.__class__", r"names may not start with '_'"),
        ("x.foo()", r"the method \.foo\(\) is not supported"),
        ("torch.load('f')", r"torch\.load is not supported"),
        ("np.fromfile('f')", r"np\.fromfile is not supported"),
        ("torch.fft.fft(x)", r"torch\.fft\.fft is not supported; the module torch\.fft is not part of the language"),
        ("torch.__dict__", r"names may not start with '_'"),
        ("F.__globals__", r"names may not start with '_'"),
        ("getattr(x, 'grad')", r"unknown function 'getattr'"),
    ],
)
def test_only_catalogue_attributes_and_methods_resolve(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)


@pytest.mark.parametrize(
    "text", ["x.T", "x.mT", "x.exp()", "x.sum(dim=1)", "x.shape[0]*x", "torch.sin(x)", "F.relu(x)"]
)
def test_catalogue_attributes_and_methods_resolve(text):
    parse(text)


@pytest.mark.parametrize("text", ["__import__", "__builtins__ + 1", "x + __class__", "_x", "_"])
def test_names_starting_with_underscore_are_refused(text):
    with pytest.raises(ParseError, match=r"names may not start with '_'"):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "x if y else z",
        "lambda: 0",
        "x % 2",
        "x // 2",
        "not x",
        "{x}",
        "x!",
        "`x`",
        "x \\ y",
        "import os",
        "x; import os",
        "0x10",
        "1_000",
        "1.2.3",
        "1j",
        "x\u00a0+ 1",
    ],
)
def test_python_syntax_outside_the_language_is_refused(text):
    with pytest.raises(ParseError, match=r"\(at (line \d+, )?column \d+\)$"):
        parse(text)


def test_injection_payloads_do_not_run(tmp_path: Path):
    marker = tmp_path / "marker"
    payloads = [
        f"__import__('os').system('touch {marker}')",
        f"sin.eval.__globals__['__builtins__']['exec']('open(\"{marker}\",\"w\")')",
        f'exec(\'open("{marker}", "w")\')',
        f'x; eval(\'open("{marker}", "w")\')',
        "().__class__.__bases__[0].__subclasses__()",
    ]
    for text in payloads:
        with pytest.raises(ParseError):
            parse(text)
    assert not marker.exists()


# ---- an expression that starts with '-', on the command line ----------------------------------


@pytest.mark.parametrize("args", [("-x0**2",), ("--", "-x0**2")])
def test_a_leading_minus_works_on_the_command_line(vjp, args):
    r = vjp("jacobian", *args, "--at", "3", "--format", "json")
    assert r.code == 0, r
    assert r.json()["jacobian"] == [[-6.0]]


@pytest.mark.parametrize("text", ["--x0", "---x0", "-(-x0)", "-" * 4 + "x0"])
def test_a_leading_minus_never_dies_with_no_such_option(vjp, text):
    """DESIGN §3: accept the expression, or suggest `--` in the error; never a bare "No such option"."""
    r = vjp("jacobian", text, "--at", "3", "--format", "json")
    if r.code == 0:
        sign = (-1.0) ** text.count("-")
        assert r.json()["jacobian"] == [[sign]]
    else:
        assert r.code == 2, r
        assert "--" in r.stderr.replace(text, ""), r.stderr  # the error names the `--` remedy, beyond echoing text


def test_cli_parse_error_shows_message_and_caret(vjp):
    r = vjp("jacobian", "x0 + 2x1", "--at", "1,2")
    assert r.code == 2
    assert r.stdout == ""
    assert r.stderr == (
        "vjp: error: missing operator between '2' and 'x1'; multiplication needs '*', as in 2*x1 (at column 7)\n"
        "  x0 + 2x1\n"
        "        ^\n"
    )


def test_cli_error_excerpt_does_not_echo_raw_control_characters(vjp):
    """An ESC or NUL typed in the expression must not reach the terminal raw (escape-sequence injection)."""
    r = vjp("jacobian", "x\x1b]0;owned\x07 + 1", "--at", "1")
    assert r.code == 2
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    r = vjp("jacobian", "x\x00", "--at", "1")
    assert r.code == 2
    assert "\x00" not in r.stderr


@pytest.mark.parametrize("text", ["_@=0", "_ += 1", "__class__ *= 2", "_x -= y", "pi += 1", "torch **= 2"])
def test_augmented_assignment_checks_its_target_as_assignment_does(text: str) -> None:
    # hypothesis found `_@=0` accepted and printed back as `_`, which then failed to parse
    with pytest.raises(ParseError):
        parse(text)


def test_augmented_assignment_is_the_plain_assignment() -> None:
    assert parse("y = x; y += 1; y *= x").outputs == parse("y = x; y = y + 1; y = y * x").outputs
