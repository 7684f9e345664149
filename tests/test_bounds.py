"""Issue 6: every input bound has a test that a just-too-large input is refused quickly
and a just-small-enough one works.

"Quickly" is not measured: a refusal runs under a generous hang guard (``deadline``, a
``signal.setitimer`` alarm) so that a hang fails the test instead of stalling the suite.
Inputs that could hang inside C code (a huge integer power), where a Python signal
handler cannot run, are parsed in a forked child that is killed at the deadline.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import re
import select
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction

import pytest

from autograd_cli import parsing, points, problem, shapes
from autograd_cli.errors import InputError, ParseError, ShapeError
from autograd_cli.expr import Num
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import make_problem

GUARD = 10.0  # seconds: generous; a refusal takes milliseconds


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` in the code under test swallows it."""


@contextmanager
def deadline(seconds: float = GUARD) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def in_child(fn: Callable[[], object], seconds: float = GUARD) -> tuple[str, str]:
    """Run ``fn`` in a forked child: ("ok", repr) or (exception class name, message); a hang fails."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read_end)
        try:
            try:
                payload = ("ok", repr(fn())[:2000])
            except BaseException as e:  # reported to the parent
                payload = (type(e).__name__, str(e)[:2000])
            os.write(write_end, pickle.dumps(payload))
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], seconds)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"hang: no answer within {seconds} s")
        data = b""
        while chunk := os.read(read_end, 65536):
            data += chunk
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    return pickle.loads(data)


def refused(text: str, message: str) -> ParseError:
    """``text`` is refused by the parser, under the hang guard, with a message matching ``message``."""
    with deadline(), pytest.raises(ParseError, match=message) as info:
        parse(text)
    return info.value


def parses(text: str, names: list[str] | None = None) -> parsing.Function:
    with deadline():
        return parse(text, names)


def cli_refuses(vjp, *args: str, message: str) -> None:
    with deadline():
        r = vjp(*args)
    assert r.code == 2, r
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("vjp: error: "), r.stderr
    first = r.stderr.splitlines()[0]
    assert len(first) < 400, first  # one short line, not the whole input echoed
    assert re.search(message, first), f"{message!r} not in {first!r}"


def cli_json(vjp, *args: str, seconds: float = 60.0) -> dict:
    with deadline(seconds):
        r = vjp(*args, "--format", "json")
    assert r.code == 0, r
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout)


# ---- the bounds are what README.md and the tests say ---------------------------------------------


def test_the_bounds_have_the_documented_values():
    assert parsing.MAX_LENGTH == 1_000_000
    assert parsing.MAX_DEPTH == 100
    assert parsing.MAX_LITERAL == 100
    assert parsing.MAX_EXPONENT == 400
    assert parsing.MAX_CONST_BITS == 10_000
    assert parsing.MAX_COMPONENTS == 100_000
    assert parsing.MAX_NAME == 64
    assert parsing.MAX_MINMAX_ARGS == 64
    assert shapes.MAX_ELEMENTS == points.MAX_ELEMENTS == 10_000_000
    assert problem.MAX_JACOBIAN == 25_000_000


# ---- length --------------------------------------------------------------------------------------


def _text_of_length(length: int) -> str:
    """A real expression (100 variables, many components), padded with a comment to exactly ``length``."""
    body = "; ".join(f"sin(x{i % 100})*x{(i + 1) % 100} + {i % 7}" for i in range(40_000))
    assert len(body) < length
    body = body[: body.rfind(";", 0, length - 10)]
    text = body + " #" + "." * (length - len(body) - 2)
    assert len(text) == length
    return text


def test_length_at_the_limit_parses_and_builds():
    text = _text_of_length(parsing.MAX_LENGTH)
    with deadline(60):
        f = parse(text)
        p = make_problem(f, parse_point(",".join("0.5" for _ in f.names)))
    assert len(f.names) == 100
    assert f.names[:3] == ("x0", "x1", "x2")
    assert p.m == len(f.components) > 30_000


def test_length_one_over_the_limit_is_refused_before_anything_else():
    text = _text_of_length(parsing.MAX_LENGTH) + " "
    e = refused(text, r"^the expression is 1,000,001 characters long; the limit is 1,000,000\. Split the work")
    assert e.column is None


def test_length_over_the_limit_is_refused_even_when_the_text_is_garbage():
    refused("\x00" * (parsing.MAX_LENGTH + 1), r"1,000,001 characters long")


def test_cli_refuses_1_000_001_characters(vjp):
    cli_refuses(vjp, "jacobian", "x" + " " * parsing.MAX_LENGTH, "--at", "1", message=r"1,000,001 characters long")


def test_a_100_kb_expression_with_1000_components_parses():
    text = _big_banded(1000)
    assert len(text) >= 100_000
    f = parses(text)
    assert len(f.components) == 1000
    assert len(f.names) == 1002
    assert f.names[-1] == "x1001"


def _component(i: int) -> str:
    return (
        f"x{i}**2*sin(x{i + 1}) + exp(x{i + 2})/3 - cos(x{i})*tanh(x{i + 1}) "
        f"+ sqrt(x{i + 2}**2 + 1)*sigmoid(x{i}) - log(1 + x{i + 1}**2)/7"
    )


def _big_banded(m: int) -> str:
    return "; ".join(_component(i) for i in range(m))


def _row(i: int, x: list[float], n: int) -> list[float]:
    """Exact partial derivatives of component i (by hand), as a dense row."""
    a, b, c = x[i], x[i + 1], x[i + 2]
    s = 1 / (1 + math.exp(-a))
    row = [0.0] * n
    row[i] += 2 * a * math.sin(b) + math.sin(a) * math.tanh(b) + math.sqrt(c * c + 1) * s * (1 - s)
    row[i + 1] += a * a * math.cos(b) - math.cos(a) / math.cosh(b) ** 2 - 2 * b / (1 + b * b) / 7
    row[i + 2] += math.exp(c) / 3 + c / math.sqrt(c * c + 1) * s
    return row


def test_cli_jacobian_of_a_100_kb_expression_with_1000_components(vjp):
    """Must work with --method batched. The guard only catches a hang: speed is measured in
    benchmarks/bench.py (section big), never by a timed test."""
    m = 1000
    text = _big_banded(m)
    x = [round(0.37 * math.sin(k) + 0.1, 4) for k in range(m + 2)]
    d = cli_json(vjp, "jacobian", text, "--at", ",".join(map(str, x)), "--method", "batched", seconds=120)
    assert d["method"] == "batched"
    jac = d["jacobian"]
    assert len(jac) == m and all(len(row) == m + 2 for row in jac)
    for i in (0, 1, 499, 998, 999):
        assert jac[i] == pytest.approx(_row(i, x, m + 2), rel=1e-9, abs=1e-12), i


# ---- nesting depth ---------------------------------------------------------------------------------

D = parsing.MAX_DEPTH


def nested(kind: str, depth: int) -> str:
    if kind == "parens":
        return "(" * depth + "x" + ")" * depth
    if kind == "minus":
        return "-" * depth + "x"
    if kind == "calls":
        return "sin(" * depth + "x" + ")" * depth
    if kind == "powers":  # x**x**...**x: `depth` power operators
        return "**".join(["x"] * (depth + 1))
    if kind == "mixed":  # calls, signs, parentheses and powers interleaved
        unit = ["sin(", "-", "(", "tanh(0.5*"]
        opened = [unit[k % 4] for k in range(depth - 1)]
        closing = "".join(")" for u in reversed(opened) if u != "-")
        return "".join(opened) + "x**2" + closing
    raise ValueError(kind)


KINDS = ["parens", "minus", "calls", "powers", "mixed"]


@pytest.mark.parametrize("kind", KINDS)
def test_depth_at_the_limit_parses(kind):
    f = parses(nested(kind, D))
    assert f.names == ("x",)


@pytest.mark.parametrize("kind", KINDS)
def test_depth_one_over_the_limit_is_refused(kind):
    e = refused(
        nested(kind, D + 1),
        r"^the expression is nested too deeply: more than 100 levels of parentheses, calls, signs or powers; "
        r"split it into simpler pieces \(at column \d+\)$",
    )
    assert e.column is not None


def test_depth_is_refused_at_the_101st_level():
    assert refused("(" * 101 + "x" + ")" * 101, "nested too deeply").column == 101
    assert refused("-" * 101 + "x", "nested too deeply").column == 101


def test_depth_counts_nesting_not_length():
    """Long but flat: 5,000 terms, 5,000 factors, 2,000 parenthesised groups side by side."""
    parses(" + ".join(["x"] * 5000))
    parses("*".join(["x"] * 5000))
    parses(" + ".join(["(x)"] * 2000))
    parses("; ".join([nested("calls", D)] * 20))


def _tower_derivative(x: float, levels: int) -> float:
    """d/dx of x**x**...**x with ``levels`` operators: f_k = x**f_(k-1), f_k' = f_k*(f_(k-1)'*ln x + f_(k-1)/x)."""
    f, df = x, 1.0
    for _ in range(levels):
        f, df = x**f, x**f * (df * math.log(x) + f / x)
    return df


def _sin_chain_derivative(x: float, levels: int) -> float:
    df = 1.0
    for _ in range(levels):
        df *= math.cos(x)
        x = math.sin(x)
    return df


EXPECTED_AT_HALF = {
    "parens": 1.0,
    "minus": 1.0,  # 100 signs: (-1)**100
    "calls": _sin_chain_derivative(0.5, D),
    "powers": _tower_derivative(0.5, D),
}


@pytest.mark.parametrize("kind", KINDS)
def test_depth_at_the_limit_through_the_cli_at_a_point(vjp, kind):
    d = cli_json(vjp, "jacobian", "--", nested(kind, D), "--at", "0.5")
    (row,) = d["jacobian"]
    assert math.isfinite(row[0])
    if kind in EXPECTED_AT_HALF:
        assert row[0] == pytest.approx(EXPECTED_AT_HALF[kind], rel=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_depth_at_the_limit_through_the_symbolic_path(vjp, kind):
    """No --at: SymPy builds and differentiates the deepest allowed expression."""
    d = cli_json(vjp, "jacobian", "--", nested(kind, D))
    assert d["method"] == "symbolic"
    ((entry,),) = d["jacobian"]
    assert isinstance(entry, str) and entry
    if kind in ("parens", "minus"):
        assert entry == "1"
    if kind == "calls":
        assert entry.count("cos(") == D


@pytest.mark.parametrize("kind", KINDS)
def test_cli_refuses_depth_one_over_the_limit(vjp, kind):
    cli_refuses(vjp, "jacobian", "--", nested(kind, D + 1), "--at", "0.5", message=r"nested too deeply")
    cli_refuses(vjp, "jacobian", "--", nested(kind, D + 1), message=r"nested too deeply")


# ---- literal size ------------------------------------------------------------------------------------


def test_literal_of_100_characters_works():
    for literal in ("1" * 100, "0." + "1" * 98, "1" * 95 + "e-300", "." + "5" * 99):
        assert len(literal) == parsing.MAX_LITERAL
        (node,) = parses(literal).components
        assert isinstance(node, Num)
        assert node.value == Fraction(literal)


def test_literal_of_101_characters_is_refused():
    for literal in ("1" * 101, "0." + "1" * 99, "1" * 96 + "e-300"):
        e = refused(f"x + {literal}", r"^a number literal longer than 100 characters \(at column 5\)$")
        assert e.column == 5


def test_cli_with_a_100_character_literal(vjp):
    d = cli_json(vjp, "jacobian", "1" * 100 + "*x", "--at", "1")
    assert d["jacobian"] == [[float("1" * 100)]]


def test_cli_refuses_a_101_character_literal(vjp):
    cli_refuses(vjp, "jacobian", "1" * 101 + "*x", "--at", "1", message=r"number literal longer than 100 characters")


# ---- exponents of literals ------------------------------------------------------------------------------


@pytest.mark.parametrize("literal", ["1e-400", "1E-400", "9.99e-400", "1e308", "1.7976931348623157e308", "1e+308"])
def test_literals_with_exponents_in_range_work(literal):
    (node,) = parses(literal).components
    assert node.value == Fraction(literal)


@pytest.mark.parametrize("literal", ["1e-401", "1e401", "1e-99999", "1e99999999999"])
def test_literals_with_exponents_out_of_range_are_refused(literal):
    refused(literal, rf"^the number {literal} is out of range: exponents are limited to ±400 \(at column 1\)$")


@pytest.mark.parametrize("literal", ["1e400", "1e309", "1.8e308", "2e308", "1E+400"])
def test_literals_beyond_float64_are_refused(literal):
    """1e400 has an exponent within ±400 but is not finite in float64: a ParseError, not an OverflowError."""
    result = in_child(lambda: parse(f"x*{literal}"))
    assert result[0] == "ParseError", result
    assert "finite" in result[1] or "out of range" in result[1]


def test_cli_refuses_1e400_with_exit_2(vjp):
    cli_refuses(vjp, "jacobian", "1e400*x", "--at", "1", message=r"1e400")


def test_cli_1e_minus_400_is_zero(vjp):
    d = cli_json(vjp, "jacobian", "x + 1e-400", "--at", "1")
    assert d["value"] == [1.0]
    assert d["jacobian"] == [[1.0]]


def test_cli_refuses_1e_minus_401(vjp):
    cli_refuses(vjp, "jacobian", "x + 1e-401", "--at", "1", message=r"exponents are limited to ±400")


# ---- constant powers and constant folding -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "9**9**9**9",
        "9^9^9^9",
        "2**10000",
        "x**(10**5000)",
        "x + 10**5000",
        "(2**100)**101",
        "2**2**2**2**2",
        "2**(2**(2**(2**4)))",
        "(1/3)**10000",
        "2**-10001",
        "sin(x) + 7**(7**7)",
        "((9**99)**99)**99",
    ],
)
def test_huge_constant_powers_are_refused_at_once(text):
    name, message = in_child(lambda: parse(text))
    assert name == "ParseError", (name, message)
    assert "too large" in message
    assert "(at column" in message


def test_9_to_the_9_to_the_9_to_the_9_message():
    e = refused("9**9**9**9", r"^the constants in 9\*\*\(9\*\*9\) are too large to compute exactly")
    assert e.column == 5


def test_constant_power_at_the_limit_works():
    """2**9999 has exactly MAX_CONST_BITS = 10,000 bits (parsing.py: "a constant power such as 2**9999")."""
    assert (2**9999).bit_length() == parsing.MAX_CONST_BITS
    parses("x*2**9999")


def test_constant_power_just_over_the_limit_is_refused():
    assert (2**10000).bit_length() == parsing.MAX_CONST_BITS + 1
    refused("x*2**10000", r"the constants in 2\*\*10000 are too large to compute exactly")


def test_constant_power_messages_state_the_true_size():
    """2**10000 has 3,011 digits; 'about 6,021 digits' (twice the truth) misleads."""
    message = str(refused("2**10000", "too large"))
    assert "about 3,011 digits" in message, message


def test_constant_power_messages_keep_the_parentheses():
    """(2**100)**101 printed as 2**100**101 reads as 2**(100**101): a different number."""
    message = str(refused("(2**100)**101", "too large"))
    assert "(2**100)**101" in message, message


def test_constant_powers_well_inside_the_limit_work_everywhere(vjp):
    parses("2**5000 + 7**3000 + 0.5**3000 + (2**50)**50 + 2**-4000")
    d = cli_json(vjp, "jacobian", "x*2**-1000", "--at", "3")
    assert d["jacobian"] == [[2.0**-1000]]
    d = cli_json(vjp, "jacobian", "x*2**1000")
    assert d["jacobian"] == [[str(2**1000)]]


def test_symbolic_path_with_a_constant_at_the_power_limit(vjp):
    d = cli_json(vjp, "jacobian", "x*2**5000")
    assert d["jacobian"] == [[str(2**5000)]]


def test_a_product_of_allowed_powers_is_bounded_or_works(vjp):
    """Each 2**5000 is allowed, but SymPy folds the product into 2**15000 (4,516 digits): the tool must refuse it
    (exit 2) or show it (exit 0), never fail inside (exit 70, 'internal error')."""
    for args in (("2**5000*2**5000*2**5000*x",), ("2**5000*2**5000*2**5000*x", "--at", "1")):
        with deadline():
            r = vjp("jacobian", *args, "--format", "json")
        assert r.code in (0, 2), r
        assert "internal error" not in r.stderr


def test_a_sum_of_many_allowed_powers_is_bounded_or_works(vjp):
    text = " + ".join(["9**3000"] * 50) + " + x"
    with deadline():
        r = vjp("jacobian", text, "--format", "json")
    assert r.code in (0, 2), r
    assert "internal error" not in r.stderr


def test_a_constant_power_with_a_finite_value_is_not_inf(vjp):
    """(2**5000)**(1/7) = 2**714.28... ≈ 1.0e215 is finite in float64; folding 2**5000 to inf first is wrong."""
    d = cli_json(vjp, "jacobian", "(2**5000)**(1/7)*x", "--at", "1")
    expected = 2 ** (5000 / 7)
    assert d["value"][0] == pytest.approx(expected, rel=1e-12)
    assert d["jacobian"] == [[pytest.approx(expected, rel=1e-12)]]


def test_check_on_a_constant_that_sympy_folds_to_complex_infinity(vjp):
    """tan(pi/2) is zoo for SymPy: check must compute and report it, not fail with an internal error."""
    with deadline():
        r = vjp("check", "tan(pi/2)*x", "--at", "0.5", "--format", "json")
    assert r.code in (0, 1), r
    assert "internal error" not in r.stderr


def test_cli_refuses_the_power_tower_with_exit_2(vjp):
    cli_refuses(vjp, "jacobian", "9**9**9**9", "--at", "1", message=r"too large to compute exactly")
    cli_refuses(vjp, "jacobian", "x**(10**5000)", message=r"too large to compute exactly")


@pytest.mark.parametrize("text", ["9**9**9**9", "2**10000", "x**(10**5000)", "1e400*x", "(" * 101 + "x" + ")" * 101])
def test_a_real_process_refuses_at_once(vjp_process, text):
    r = vjp_process("jacobian", text, "--at", "1", timeout=60)
    assert r.code == 2, r
    assert r.stderr.startswith("vjp: error: ")
    assert "Traceback" not in r.stderr


# ---- components, names, arguments of min/max --------------------------------------------------------


def test_components_at_the_limit_parse():
    f = parses(";".join(["x"] * parsing.MAX_COMPONENTS))
    assert len(f.components) == parsing.MAX_COMPONENTS


def test_components_one_over_the_limit_are_refused():
    refused(";".join(["x"] * (parsing.MAX_COMPONENTS + 1)), r"^more than 100,000 components \(at column \d+\)$")


def test_name_at_the_limit_works():
    name = "a" * parsing.MAX_NAME
    assert parses(f"{name} + 1").names == (name,)
    assert parsing.parse_names(name) == [name]


def test_name_one_over_the_limit_is_refused():
    refused("1 + " + "a" * (parsing.MAX_NAME + 1), r"^a name longer than 64 characters \(at column 5\)$")
    with pytest.raises(ParseError, match=r"is not a variable name"):
        parsing.parse_names("a" * (parsing.MAX_NAME + 1))


@pytest.mark.parametrize("name", ["min", "max"])
def test_min_max_arguments_at_the_limit_work(name):
    args = ", ".join(f"x{i}" for i in range(parsing.MAX_MINMAX_ARGS))
    (node,) = parses(f"{name}({args})").components
    ((_, items),) = node.args  # the arguments, as one list
    assert len(items.items) == parsing.MAX_MINMAX_ARGS


@pytest.mark.parametrize("name", ["min", "max"])
def test_min_max_arguments_one_over_the_limit_are_refused_saying_the_limit(name):
    args = ", ".join(f"x{i}" for i in range(parsing.MAX_MINMAX_ARGS + 1))
    message = str(refused(f"{name}({args})", rf"^{name}\(\) takes .* got 65"))
    assert "64" in message, message  # "takes at least 1 arguments, got 65" contradicts itself


# ---- sizes of values: points.MAX_ELEMENTS -------------------------------------------------------------


def test_point_with_max_elements_works():
    with deadline(60):
        (v,) = parse_point("ones(1000, 10000)").positional
    assert v.shape == (1000, 10000)
    assert len(v.data) == points.MAX_ELEMENTS


@pytest.mark.parametrize(
    "text",
    [
        "ones(10000001)",
        "zeros(1000, 10001)",
        "ones((10001, 1000))",
        "full(10000001, 2)",
        "arange(10000001)",
        "arange(-0.5, 10000000)",
        "linspace(0, 1, 10000001)",
        "eye(3163)",
        "ones(100000, 100000, 100000)",
    ],
)
def test_point_with_one_element_too_many_is_refused(text):
    with deadline(), pytest.raises(InputError, match=r"the limit is 10,000,000"):
        parse_point(f"x={text}")


def test_cotangent_over_the_element_limit_is_refused():
    with deadline(), pytest.raises(InputError, match=r"10,000,000"):
        points.parse_vector("zeros(10000001)")


def test_point_text_length_limit():
    with deadline(60):
        assert parse_point("1" + " " * (points.MAX_TEXT - 1)).positional[0].data == (1.0,)
    with (
        deadline(),
        pytest.raises(InputError, match=r"the value is 10,000,001 characters long; the limit is 10,000,000"),
    ):
        parse_point("1" + " " * points.MAX_TEXT)


# ---- sizes of intermediate tensors: shapes.MAX_ELEMENTS -------------------------------------------------


def _shape_of(text: str, **shapes_: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of a one-component function, from its inputs' shapes alone."""
    from autograd_cli.infer import Analysis

    function = parse(text)
    (out,) = Analysis(function, {n: shapes.tensor(s) for n, s in shapes_.items()}).outputs
    return out.shape


def test_intermediate_at_the_element_limit_works():
    assert _shape_of("a*b", a=(10000, 1), b=(1, 1000)) == (10000, 1000)
    assert _shape_of("A @ B", A=(10000, 1), B=(1, 1000)) == (10000, 1000)
    assert _shape_of("sum(a + b)", a=(10000, 1), b=(1000,)) == ()


@pytest.mark.parametrize(
    ("text", "a", "b"),
    [("a*b", (10001, 1), (1, 1000)), ("a + b", (1, 10001), (1000, 1)), ("a @ b", (10001, 1), (1, 1000))],
)
def test_intermediate_one_over_the_element_limit_is_refused(text, a, b):
    with (
        deadline(),
        pytest.raises(ShapeError, match=r"\(10,001,000 elements\).* is larger than the limit of 10,000,000"),
    ):
        _shape_of(text, a=a, b=b)


# ---- the Jacobian: problem.MAX_JACOBIAN -----------------------------------------------------------------


def test_jacobian_at_the_entry_limit_is_accepted():
    with deadline():
        p = make_problem(parse("2*x"), parse_point("x=ones(5000)"))
        problem.check_jacobian_size(p)
    assert p.m * p.n == problem.MAX_JACOBIAN


def test_jacobian_one_row_over_the_entry_limit_is_refused():
    p = make_problem(parse("2*x"), parse_point("x=ones(5001)"))  # the problem itself is fine: product can use it
    with (
        deadline(),
        pytest.raises(
            ShapeError,
            match=r"^the Jacobian would be 5,001 x 5,001 = 25,010,001 entries; the limit is 25,000,000\. Use product",
        ),
    ):
        problem.check_jacobian_size(p)


def test_cli_refuses_a_too_large_jacobian(vjp):
    cli_refuses(vjp, "jacobian", "2*x", "--at", "x=ones(5001)", message=r"25,010,001 entries")


def test_product_follows_the_advice_of_the_jacobian_limit(vjp):
    """The refusal says "Use product (vᵀJ) for one row combination instead": product needs no Jacobian
    (one y.backward(v)), so it must work where jacobian is refused."""
    d = cli_json(vjp, "product", "2*x", "--at", "x=ones(5001)", "--v", "ones(5001)")
    assert d["vjp"] == [2.0] * 5001
