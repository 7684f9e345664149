"""Values typed for --at and --v: points.parse_point / merge / parse_vector and how
problem.assign / problem.check_cotangent match them to a function."""

from __future__ import annotations

import pytest

from autograd_cli.errors import InputError
from autograd_cli.parsing import parse
from autograd_cli.points import PointSpec, Value, merge, parse_point, parse_vector
from autograd_cli.problem import assign, check_cotangent, make_problem

SEED = "x0**2+3*x1; x1**2+2*x0"


def scalars(spec: PointSpec) -> list[float]:
    assert not spec.named
    assert all(v.shape == () for v in spec.positional)
    return [v.data[0] for v in spec.positional]


def point_of(expr: str, at: str) -> tuple[float, ...] | None:
    return assign(parse(expr), parse_point(at))[1]


# ---- numbers in order ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2,3", [2.0, 3.0]),
        ("-1.2,1", [-1.2, 1.0]),
        ("+1,-2", [1.0, -2.0]),
        ("2 3", [2.0, 3.0]),
        (" 2 ,\t3 ", [2.0, 3.0]),
        ("2\n3", [2.0, 3.0]),
        ("1 2,3", [1.0, 2.0, 3.0]),
        (".5,5.,1.5e3,1e-3,-2E+2", [0.5, 5.0, 1500.0, 0.001, -200.0]),
        ("0", [0.0]),
        ("-0.0", [-0.0]),
        ("1e308", [1e308]),
    ],
)
def test_numbers_in_order(text, values):
    assert scalars(parse_point(text)) == values


def test_point_keeps_the_text_it_came_from():
    assert parse_point("2, 3").text == "2, 3"


def test_values_in_order_follow_the_variable_order():
    assert point_of(SEED, "2,3") == (2.0, 3.0)
    assert point_of("x10 + x2", "1,2") == (1.0, 2.0)  # x2 first: natural order
    assert assign(parse("b*a"), parse_point("1,2")) == (assign(parse("a*b"), parse_point("1,2")))


def test_values_in_order_follow_vars():
    inputs, point = assign(parse(SEED, ["x1", "x0"]), parse_point("2,3"))
    assert [i.name for i in inputs] == ["x1", "x0"]
    assert point == (2.0, 3.0)


def test_one_list_gives_every_scalar_input():
    assert point_of(SEED, "[2,3]") == (2.0, 3.0)


# ---- values by name -------------------------------------------------------------------------


def test_values_by_name():
    spec = parse_point("x1=3,x0=2")
    assert spec.positional == ()
    assert spec.named == {"x1": Value((), (3.0,)), "x0": Value((), (2.0,))}
    assert assign(parse(SEED), spec)[1] == (2.0, 3.0)  # by name, in variable order


def test_values_by_name_with_spaces_and_negative_values():
    assert point_of(SEED, " x1 = -3 , x0=-2.5 ") == (-2.5, -3.0)


def test_tensor_values_by_name_give_shapes():
    inputs, point = assign(parse(SEED), parse_point("x0=[1,2],x1=3"))
    assert [(i.name, i.shape) for i in inputs] == [("x0", (2,)), ("x1", ())]
    assert point == (1.0, 2.0, 3.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x1=3, 2", r"give values either all by name \(x=1,y=2\) or all in order \(1,2\), not mixed"),
        ("x=1,x=2", r"x is given twice at column 5"),
        ("x=", r"a value is missing at the end"),
    ],
)
def test_bad_named_values(text, message):
    with pytest.raises(InputError, match=message):
        parse_point(text)


def test_values_for_unused_names_are_a_note_not_an_error():
    """One set of values may serve several functions: a name the expression does not use is noted."""
    from autograd_cli.problem import assign_noting

    _, point, notes = assign_noting(parse(SEED), parse_point("x0=2,x1=3,x2=4"))
    assert point == (2.0, 3.0)
    assert notes and "x2" in notes[0]


def test_a_misspelt_name_still_fails_and_says_so():
    with pytest.raises(InputError, match=r"gives no value for x1.*--at names x_1.*misspelling"):
        assign(parse(SEED), parse_point("x0=2,x_1=3"))


def test_missing_name_is_refused_with_what_to_add():
    with pytest.raises(
        InputError, match=r"^--at gives no value for x1; the inputs are x0, x1\. Add x1=\.\.\. to --at$"
    ):
        assign(parse(SEED), parse_point("x0=2"))


def test_unused_input_from_vars_takes_a_value():
    assert assign(parse("x0", ["x0", "x1"]), parse_point("x1=5,x0=4"))[1] == (4.0, 5.0)


# ---- several --at -------------------------------------------------------------------------


def test_merge_named_points():
    spec = merge([parse_point("x0=2"), parse_point("x1=3")])
    assert spec.named == {"x0": Value((), (2.0,)), "x1": Value((), (3.0,))}
    assert assign(parse(SEED), spec)[1] == (2.0, 3.0)


def test_merge_one_spec_is_itself():
    spec = parse_point("2,3")
    assert merge([spec]) is spec


def test_merge_refuses_values_in_order_with_the_count():
    with pytest.raises(InputError, match=r"^--at is given 2 times; values in order \('2'\) need a single --at"):
        merge([parse_point("2"), parse_point("x1=3")])


def test_merge_refuses_a_name_given_twice():
    with pytest.raises(InputError, match=r"^--at: x0 is given twice$"):
        merge([parse_point("x0=2"), parse_point("x0=3")])


# ---- count mismatches ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "at", "message"),
    [
        (
            SEED,
            "2",
            r"^--at has 1 value but the function has 2 inputs \(x0, x1\); give one value per input in this order, "
            r"or name them: --at x0=\.\.\.,x1=\.\.\.$",
        ),
        (SEED, "2,3,4", r"^--at has 3 values but the function has 2 inputs \(x0, x1\)"),
        ("x", "1,2", r"^--at has 2 values but the function has 1 input \(x\)"),
        ("x*y*z*w", "1,2", r"^--at has 2 values but the function has 4 inputs \(w, x, y, z\)"),
    ],
)
def test_count_mismatch_names_both_counts(expr, at, message):
    with pytest.raises(InputError, match=message):
        assign(parse(expr), parse_point(at))


def test_count_mismatch_for_a_constant_function_gives_advice_that_can_be_followed():
    """A function with no inputs: the message must not end in an empty suggestion '--at '."""
    with pytest.raises(InputError) as info:
        assign(parse("1; 2"), parse_point("1,2"))
    message = str(info.value)
    assert "2 values" in message
    assert not message.rstrip().endswith("--at"), message


def test_no_point_means_scalar_inputs_and_no_values():
    inputs, point = assign(parse(SEED), None)
    assert [(i.name, i.shape) for i in inputs] == [("x0", ()), ("x1", ())]
    assert point is None


# ---- nested lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape", "data"),
    [
        ("[1,2,3]", (3,), (1.0, 2.0, 3.0)),
        ("[[1,2],[3,4]]", (2, 2), (1.0, 2.0, 3.0, 4.0)),
        ("[[1,2,3],[4,5,6]]", (2, 3), (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),
        ("[[[1],[2]]]", (1, 2, 1), (1.0, 2.0)),
        ("[ -1 , 2.5e0 ]", (2,), (-1.0, 2.5)),
        ("[1 2 3]", (3,), (1.0, 2.0, 3.0)),
    ],
)
def test_nested_lists(text, shape, data):
    (v,) = parse_point(text).positional
    assert v == Value(shape, data)


def test_value_nested_gives_lists_back():
    (v,) = parse_point("[[1,2],[3,4]]").positional
    assert v.nested() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("text", ["[[1,2],[3]]", "[[1,2],3]", "[1,[2]]", "[[[1]],[2]]"])
def test_ragged_lists_are_refused(text):
    with pytest.raises(InputError, match=r"the list is ragged: its rows have different lengths or depths"):
        parse_point(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", r"an empty list"),
        ("[1,2", r"'\[' is not closed"),
        ("1]", r"unexpected '\]' at column 2"),
        ("[1,x]", r"unexpected 'x' in a list"),
        ("1,,2", r"unexpected ',' at column 3"),
        (",1", r"unexpected ',' at column 1"),
        ("1,", r"a trailing ','"),
    ],
)
def test_malformed_values(text, message):
    with pytest.raises(InputError, match=message):
        parse_point(text)


# ---- constructors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape", "data"),
    [
        ("ones(3)", (3,), (1.0,) * 3),
        ("ones(2,3)", (2, 3), (1.0,) * 6),
        ("ones((2,3))", (2, 3), (1.0,) * 6),
        ("ones([2,3])", (2, 3), (1.0,) * 6),
        ("zeros(2)", (2,), (0.0, 0.0)),
        ("zeros(2, 1)", (2, 1), (0.0, 0.0)),
        ("arange(4)", (4,), (0.0, 1.0, 2.0, 3.0)),
        ("arange(1,4)", (3,), (1.0, 2.0, 3.0)),
        ("arange(0,1,0.25)", (4,), (0.0, 0.25, 0.5, 0.75)),
        ("arange(3,0,-1)", (3,), (3.0, 2.0, 1.0)),
        ("arange(-1.5, 1)", (3,), (-1.5, -0.5, 0.5)),
        ("linspace(0,1,5)", (5,), (0.0, 0.25, 0.5, 0.75, 1.0)),
        ("linspace(-1,1,3)", (3,), (-1.0, 0.0, 1.0)),
        ("linspace(2,3,1)", (1,), (2.0,)),
        ("eye(2)", (2, 2), (1.0, 0.0, 0.0, 1.0)),
        ("eye(2,3)", (2, 3), (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)),
        ("full(2,2,7)", (2, 2), (7.0,) * 4),
        ("full((2,2),-7.5)", (2, 2), (-7.5,) * 4),
        ("full(3, 0.5)", (3,), (0.5,) * 3),
    ],
)
def test_constructors(text, shape, data):
    (v,) = parse_point(text).positional
    assert v == Value(shape, data)
    assert parse_point(f"x={text}").named == {"x": v}


def test_linspace_ends_exactly_at_its_end():
    (v,) = parse_point("linspace(0, 0.3, 4)").positional
    assert v.data[-1] == 0.3
    assert v.data == pytest.approx((0.0, 0.1, 0.2, 0.3))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("arange(0,1,0)", r"arange\(\) step must not be 0"),
        ("arange()", r"arange\(end\), arange\(start, end\) or arange\(start, end, step\)"),
        ("arange(1,2,3,4)", r"arange\(end\), arange\(start, end\) or arange\(start, end, step\)"),
        ("linspace(0,1)", r"linspace\(start, end, steps\) with a whole number of steps"),
        ("linspace(0,1,2.5)", r"linspace\(start, end, steps\) with a whole number of steps"),
        ("eye(1,2,3)", r"eye\(n\) or eye\(n, m\)"),
        ("full(7)", r"full\(size\.\.\., value\): e\.g\. full\(2, 2, 7\) or full\(\(2, 2\), 7\)"),
        ("ones(-1)", r"ones\(\) takes whole-number sizes"),
        ("ones(2.5)", r"ones\(\) takes whole-number sizes"),
        ("ones((2,-1))", r"a size must not be negative, found -1"),
        ("foo(3)", r"unknown constructor foo\(\); use one of ones, zeros, arange, linspace, eye, full"),
        ("rand(3)", r"unknown constructor rand\(\)"),
    ],
)
def test_bad_constructor_calls(text, message):
    with pytest.raises(InputError, match=message):
        parse_point(text)


def test_an_unclosed_constructor_says_what_is_missing():
    """'ones(3' lacks a ')'; "unexpected '' in ones()" does not say so."""
    with pytest.raises(InputError, match=r"expected '\)'|'\)' is (missing|not closed)|not closed"):
        parse_point("ones(3")


# ---- only finite decimal numbers ------------------------------------------------------------


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "Infinity", "-inf", "-nan", "+inf", "1e999", "-1e999", "1,nan"])
def test_non_finite_values_are_refused_saying_finite(text):
    with pytest.raises(InputError, match=r"finite"):
        parse_point(text)


@pytest.mark.parametrize("text", ["[1,inf]", "ones(nan)", "full(2, inf)", "x=nan", "linspace(0, 1e999, 3)"])
def test_non_finite_values_are_refused_inside_lists_and_constructors(text):
    with pytest.raises(InputError):
        parse_point(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("e", r"'e' is not a number; only finite decimal numbers are accepted"),
        ("0x10", r"'x10' is not a number"),
        ("1_000", r"'_000' is not a number"),
        ("'1'", r"unexpected character \"'\""),
        ("two", r"'two' is not a number; expected a number, a list \[\.\.\] or ones/zeros"),
        ("\u00b2", r"unexpected character"),
    ],
)
def test_non_decimal_values_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parse_point(text)


@pytest.mark.parametrize("text", ["\uff12,\uff13", "\u0662,\u0663", "x=\u0968", "[\u0661,\u0662]", "ones(\u0663)"])
def test_look_alike_digits_are_refused(text):
    """'２' (fullwidth), '٢' (Arabic-Indic), '२' (Devanagari) are not the decimal numbers --at accepts."""
    with pytest.raises(InputError):
        parse_point(text)


def test_error_messages_quote_the_option_and_give_examples():
    with pytest.raises(InputError) as info:
        parse_point("2,x")
    assert str(info.value) == (
        "--at '2,x': 'x' is not a number; expected a number, a list [..] or ones/zeros/arange/linspace/eye/full(...) "
        "at column 3. Examples: --at 2,3  --at x1=3,x0=2  --at 'x=[0,2,8]'  --at 'x=ones(2,2)'"
    )


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_point_is_refused(text):
    with pytest.raises(InputError, match=r"^--at is empty\. Examples: --at 2,3"):
        parse_point(text)


def test_the_option_name_is_used_in_messages():
    with pytest.raises(InputError, match=r"^--u 'nan'"):
        parse_point("nan", option="--u")


def test_names_can_be_forbidden():
    with pytest.raises(InputError, match=r"names are not used here \(x=\.\.\.\); give the values in order"):
        parse_point("x=1", allow_names=False)


# ---- --v: the cotangent -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,0", Value((2,), (1.0, 0.0))),
        ("1 0", Value((2,), (1.0, 0.0))),
        ("-1.5,2", Value((2,), (-1.5, 2.0))),
        ("[1,0]", Value((2,), (1.0, 0.0))),
        ("[[1,0],[0,1]]", Value((2, 2), (1.0, 0.0, 0.0, 1.0))),
        ("ones(3)", Value((3,), (1.0, 1.0, 1.0))),
        ("5", Value((), (5.0,))),
    ],
)
def test_parse_vector(text, value):
    assert parse_vector(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x=1", r"^--v 'x=1': names are not used here"),
        ("1,[2]", r"^--v '1,\[2\]': mixes lists and numbers"),
        ("nan", r"^--v 'nan': 'nan' is not a finite number; only finite decimal numbers are accepted"),
        ("1e999", r"1e999 is not a finite number"),
        ("", r"^--v is empty\. Examples: --v 1,0"),
    ],
)
def test_parse_vector_refuses(text, message):
    with pytest.raises(InputError, match=message):
        parse_vector(text)


def seed_problem():
    return make_problem(parse(SEED), parse_point("2,3"))


@pytest.mark.parametrize("text", ["1,0", "[1,0]", "0.5 -2"])
def test_cotangent_with_one_value_per_component(text):
    assert check_cotangent(seed_problem(), parse_vector(text)) == parse_vector(text).data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,0,0", r"^--v has 3 values but the function has 2 components \(y0, y1\); --v needs one value per output$"),
        ("1", r"^--v has 1 value but the function has 2 components \(y0, y1\)"),
        ("[[1,0]]", r"^--v has 2 values of shape \(1, 2\) but the function has 2 components"),
        ("ones(2,2)", r"^--v has 4 values of shape \(2, 2\) but the function has 2 components"),
    ],
)
def test_cotangent_count_mismatch_names_both_counts(text, message):
    with pytest.raises(InputError, match=message):
        check_cotangent(seed_problem(), parse_vector(text))


def test_cotangent_for_a_tensor_output_takes_flat_values_or_the_shape():
    problem = make_problem(parse("A*2"), parse_point("A=ones(2,2)"))
    assert check_cotangent(problem, parse_vector("[[1,2],[3,4]]")) == (1.0, 2.0, 3.0, 4.0)
    assert check_cotangent(problem, parse_vector("1,2,3,4")) == (1.0, 2.0, 3.0, 4.0)
    with pytest.raises(
        InputError,
        match=r"^--v has 2 values but the function has output of shape \(2, 2\) \(4 elements\); --v needs one value "
        r"per output, or the output's shape \(2, 2\)$",
    ):
        check_cotangent(problem, parse_vector("1,0"))


def test_cotangent_names_many_components_briefly():
    problem = make_problem(parse("; ".join(f"x{i}" for i in range(8))), parse_point(",".join("1" * 8)))
    with pytest.raises(
        InputError, match=r"^--v has 2 values but the function has 8 components \(y0, y1, y2, y3, y4, y5, \.\.\.\)"
    ):
        check_cotangent(problem, parse_vector("1,0"))


# ---- through the command line ------------------------------------------------------------------


def test_cli_negative_values_are_not_options(vjp):
    for at in (["--at", "-1.2,1"], ["--at=-1.2,1"], ["-a", "-1.2,1"]):
        d = vjp("jacobian", "x*y", *at, "--format", "json").json()
        assert d["point"] == [-1.2, 1.0]
        assert d["jacobian"] == [[1.0, -1.2]]


def test_cli_values_by_name_and_several_at(vjp):
    d1 = vjp("jacobian", SEED, "--at", "x1=3,x0=2", "--format", "json").json()
    d2 = vjp("jacobian", SEED, "--at", "x1=3", "--at", "x0=2", "--format", "json").json()
    assert d1["jacobian"] == d2["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]


def test_cli_count_mismatch_is_one_line_and_exit_2(vjp):
    r = vjp("product", SEED, "--at", "2,3", "--v", "1,0,0", "--format", "json")
    assert r.code == 2
    assert r.stdout == ""
    assert r.stderr == (
        "vjp: error: --v has 3 values but the function has 2 components (y0, y1); --v needs one value per output\n"
    )


@pytest.mark.parametrize("at", ["nan,1", "2,inf", "1e999,1", "pi/0,1", "0x10,1"])
def test_cli_non_finite_or_non_decimal_point_is_exit_2(vjp, at):
    r = vjp("jacobian", SEED, "--at", at, "--format", "json")
    assert r.code == 2
    assert r.stderr.startswith("vjp: error: --at")
    assert "Traceback" not in r.stderr


# ---- constructors at the edges of float64 ---------------------------------------------------------


@pytest.mark.parametrize("text", ["arange(0, 1e308, 1e-308)", "arange(-1e308, 1e308)", "arange(0, 1, 1e-320)"])
def test_arange_with_an_uncountable_length_is_refused(text):
    """(end - start)/step overflows to inf: a clear InputError (too many elements), not an OverflowError."""
    with pytest.raises(InputError, match=r"10,000,000"):
        parse_point(text)


def test_linspace_between_huge_finite_ends_stays_finite():
    """linspace(-1e308, 1e308, 3) is (-1e308, 0, 1e308); (end - start) overflows, which must not turn a point
    of finite decimal numbers into nan and inf."""
    try:
        (v,) = parse_point("linspace(-1e308, 1e308, 3)").positional
    except InputError:
        return  # refusing is acceptable; producing non-finite values is not
    assert v.data == (-1e308, 0.0, 1e308)


def test_a_size_refusal_does_not_echo_a_300_digit_number():
    with pytest.raises(InputError) as info:
        parse_point("ones(1e300)")
    assert len(str(info.value)) < 400, str(info.value)


def test_cli_a_size_beyond_int64_is_a_usage_error(vjp):
    """zeros(99999999999999999999, 0) has no elements but a dimension torch cannot hold: exit 2, not an
    internal error dumping C++ frames."""
    r = vjp("jacobian", "sum(x) + 1", "--at", "x=zeros(99999999999999999999, 0)", "--format", "json")
    assert r.code == 2, r
    assert r.stderr.startswith("vjp: error: --at")
    assert r.stderr.count("\n") == 1


def test_cli_uncountable_arange_is_a_usage_error(vjp):
    r = vjp("jacobian", "sum(x)", "--at", "x=arange(0, 1e308, 1e-308)", "--format", "json")
    assert r.code == 2, r
    assert r.stderr.startswith("vjp: error: --at")
