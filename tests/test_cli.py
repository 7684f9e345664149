"""The command line as a user meets it: help, the worked example in every format, bad input,
injection attempts, tensor variables, Jacobian methods, tracebacks, internal errors and
what the quick paths import."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_cli.cli import app
from autograd_cli.errors import VjpError

SEED = "x0**2+3*x1; x1**2+2*x0"
STRICT = {"parse_constant": lambda token: (_ for _ in ()).throw(ValueError(f"non-RFC 8259 token {token}"))}


def strict_json(text: str) -> dict:
    """json.loads that refuses NaN, Infinity and -Infinity tokens (RFC 8259)."""
    return json.loads(text, **STRICT)


def command_names() -> list[str]:
    return [info.name or info.callback.__name__ for info in app.registered_commands]


def assert_usage_error(r, *needles: str) -> str:
    """Exit 2, nothing on stdout, one `vjp: error:` line (plus at most a caret excerpt), no traceback."""
    assert r.code == 2, r
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r
    assert r.stdout == "", r
    lines = r.stderr.rstrip("\n").splitlines()
    errors = [line for line in lines if line.startswith("vjp: error: ")]
    assert len(errors) == 1, r
    others = [line for line in lines if line not in errors and not line.startswith("vjp: ")]
    assert len(others) <= 2 and all(line.startswith("  ") for line in others), r  # the caret excerpt
    message = errors[0]
    assert len(message) < 600, message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


# ---- help ----------------------------------------------------------------------------------


def test_top_level_help_lists_every_command(vjp):
    r = vjp("--help")
    assert r.code == 0, r
    for name in command_names():
        assert name in r.stdout


def test_commands_are_the_documented_ones():
    assert {"jacobian", "product", "check", "jvp", "hessian", "graph", "explain", "examples"} <= set(command_names())


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(vjp, name):
    r = vjp(name, "--help")
    assert r.code == 0, r
    assert "Usage" in r.stdout and name in r.stdout
    assert len(r.stdout.splitlines()) > 3
    assert r.stderr == ""


def test_version(vjp):
    r = vjp("--version")
    assert r.code == 0 and r.stdout.startswith("vjp ")


# ---- the worked example in every format -----------------------------------------------------


def test_worked_example_json_keys_and_values(vjp):
    r = vjp("jacobian", SEED, "--at", "2,3", "--format", "json")
    d = strict_json(r.stdout)
    assert r.code == 0
    for key in ("command", "expression", "outputs", "inputs", "point", "value", "dtype", "jacobian", "method"):
        assert key in d, key
    assert d["command"] == "jacobian"
    assert d["expression"] == SEED
    assert len(d["outputs"]) == 2 and d["outputs"][0].replace(" ", "") == "x0**2+3*x1"
    assert d["inputs"] == ["x0", "x1"]
    assert d["point"] == [2.0, 3.0]
    assert d["value"] == [13.0, 13.0]
    assert d["dtype"] == "float64"
    assert d["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]
    assert d["method"] == "rows"
    assert r.stdout.count("\n") == 1  # one object, one line


def test_worked_example_product_json(vjp):
    d = strict_json(vjp("product", SEED, "--at", "2,3", "--v", "1,0", "--format", "json").stdout)
    assert d["command"] == "product"
    assert d["v"] == [1.0, 0.0]
    assert d["vjp"] == [4.0, 3.0]
    assert d["point"] == [2.0, 3.0] and d["value"] == [13.0, 13.0] and d["dtype"] == "float64"


def test_worked_example_check_json(vjp):
    r = vjp("check", SEED, "--at", "2,3", "--format", "json")
    assert r.code == 0, r
    d = strict_json(r.stdout)
    for key in ("sum_backward", "ones_backward", "column_sums", "symbolic"):
        assert d[key] == [6.0, 9.0], key
    assert d["match"] is True
    assert d["max_abs_diff"] == 0.0


def test_worked_example_csv(vjp):
    r = vjp("jacobian", SEED, "--at", "2,3", "--format", "csv")
    assert r.code == 0, r
    assert r.stdout == "x0,x1,d y0/d x0,d y0/d x1,d y1/d x0,d y1/d x1\n2,3,4,3,2,6\n"


def test_worked_example_tsv(vjp):
    r = vjp("jacobian", SEED, "--at", "2,3", "--format", "tsv")
    assert r.code == 0, r
    assert r.stdout == "x0\tx1\td y0/d x0\td y0/d x1\td y1/d x0\td y1/d x1\n2\t3\t4\t3\t2\t6\n"


@pytest.mark.parametrize("args", [(), ("--format", "plain")])
def test_worked_example_plain_when_piped(vjp, args):
    r = vjp("jacobian", SEED, "--at", "2,3", *args)
    assert r.code == 0, r
    assert r.stdout == "4\t3\n2\t6\n"


def test_vjp_format_env_is_the_default(vjp):
    r = vjp("jacobian", SEED, "--at", "2,3", env={"VJP_FORMAT": "csv"})
    assert r.stdout.splitlines()[1] == "2,3,4,3,2,6"
    assert_usage_error(vjp("jacobian", SEED, "--at", "2,3", env={"VJP_FORMAT": "yaml"}), "yaml")


def test_worked_example_table(vjp):
    r = vjp("jacobian", SEED, "--at", "2,3", "--format", "table")
    assert r.code == 0, r
    for label in ("y₀ = x0**2 + 3*x1", "y₁ = x1**2 + 2*x0", "∂/∂x0", "∂/∂x1", "rows"):
        assert label in r.stdout, label
    assert "\x1b[" not in r.stdout  # not a terminal: no escape codes
    numbers = [line.split("│") for line in r.stdout.splitlines() if line.startswith("│ y")]
    assert [[c.strip() for c in row[2:5]] for row in numbers] == [["13", "4", "3"], ["13", "2", "6"]]


def test_symbolic_jacobian_without_point(vjp):
    r = vjp("jacobian", SEED, "--format", "json")
    assert r.code == 0, r
    text = r.stdout.replace(" ", "")
    assert "2*x0" in text and "2*x1" in text


def test_digits(vjp):
    assert vjp("jacobian", "x0/3", "--at", "1", "--digits", "3", "--format", "csv").stdout == "x0,d y0/d x0\n1,0.333\n"
    assert vjp("jacobian", "x0/3", "--at", "1", "--digits", "3").stdout == "0.333\n"
    assert vjp("jacobian", "x0/3", "--at", "1", "--digits", "5").stdout == "0.33333\n"
    table = vjp("jacobian", "x0/3", "--at", "1", "--digits", "3", "--format", "table").stdout
    assert "0.333" in table and "0.3333" not in table
    # JSON keeps full precision whatever --digits says
    d = strict_json(vjp("jacobian", "x0/3", "--at", "1", "--digits", "3", "--format", "json").stdout)
    assert d["jacobian"] == [[1 / 3]]
    # without --digits, text output is not rounded
    assert vjp("jacobian", "x0/3", "--at", "1", "--format", "csv").stdout.splitlines()[1] == f"1,{1 / 3!r}"
    assert vjp("jacobian", "x0", "--at", "1", "--digits", "0").code == 2


def test_dtype_float32(vjp):
    d = strict_json(vjp("jacobian", "x0/3", "--at", "1", "--dtype", "float32", "--format", "json").stdout)
    assert d["dtype"] == "float32"
    import struct

    third32 = struct.unpack("f", struct.pack("f", 1 / 3))[0]  # 1/3 rounded to float32, without numpy
    assert d["jacobian"][0][0] == third32 != 1 / 3
    d64 = strict_json(vjp("jacobian", "x0/3", "--at", "1", "--format", "json").stdout)
    assert d64["dtype"] == "float64" and d64["jacobian"] == [[1 / 3]]
    seed32 = strict_json(vjp("jacobian", SEED, "--at", "2,3", "--dtype", "float32", "--format", "json").stdout)
    assert seed32["jacobian"] == [[4.0, 3.0], [2.0, 6.0]] and seed32["dtype"] == "float32"


# ---- non-finite values: computed, shown as strings, noted on stderr --------------------------


@pytest.mark.parametrize(
    ("expr", "at", "key", "expected"),
    [
        ("1/x0", "0", "value", ["Infinity"]),
        ("1/x0", "0", "jacobian", [["-Infinity"]]),
        ("log(x0)", "-1", "value", ["NaN"]),
        ("sqrt(x0)", "0", "jacobian", [["Infinity"]]),
    ],
)
def test_json_is_strict_for_non_finite_values(vjp, expr, at, key, expected):
    r = vjp("jacobian", expr, "--at", at, "--format", "json")
    assert r.code == 0, r
    d = strict_json(r.stdout)
    assert d[key] == expected
    assert r.stderr.startswith("vjp: ") and "Traceback" not in r.stderr
    assert "inf" in r.stderr.lower() or "nan" in r.stderr.lower()


@pytest.mark.parametrize(
    "args",
    [
        ("product", "1/x0; x0", "--at", "0", "--v", "1,1"),
        ("product", "sqrt(x0)*x1", "--at", "0,1", "--v", "1"),
        ("product", "log(x0)", "--at", "-1"),
        ("check", "1/x0", "--at", "0"),
        ("check", "sqrt(x0)", "--at", "0"),
        ("jvp", "1/x0", "--at", "0", "--u", "1"),
        ("hessian", "1/x0", "--at", "0"),
        ("jvp", "sqrt(x0)", "--at", "0", "--u", "1"),
        ("hessian", "sqrt(x0)", "--at", "0"),
    ],
    ids=lambda args: f"{args[0]} {args[1]} at {args[3]}",
)
def test_every_command_writes_strict_json_for_non_finite(vjp, args):
    r = vjp(*args, "--format", "json")
    assert r.code in (0, 1), r
    strict_json(r.stdout)
    assert "Traceback" not in r.stderr
    assert r.stderr.strip(), "a non-finite value is reported on stderr"


def test_non_finite_in_csv_and_plain(vjp):
    r = vjp("jacobian", "1/x0", "--at", "0", "--format", "csv")
    assert r.code == 0, r
    assert r.stdout.splitlines()[1].split(",")[1].lower() in ("-inf", "-infinity")
    r = vjp("jacobian", "1/x0", "--at", "0")
    assert r.code == 0 and r.stdout.strip().lower() in ("-inf", "-infinity")


# ---- bad input: exit 2, one short message, no traceback ---------------------------------------


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("jacobian", SEED, "--at", "2"), ("1 value", "2 inputs")),
        (("jacobian", SEED, "--at", "2,3,4"), ("3 values", "2 inputs")),
        (("product", SEED, "--at", "2,3", "--v", "1"), ("1 value", "2 components")),
        (("product", SEED, "--at", "2,3", "--v", "1,0,0"), ("3 values", "2 components")),
        (("jacobian", "foo(x0)", "--at", "1"), ("foo",)),
        (("jacobian", "sin(x0, x1)", "--at", "1,2"), ("sin",)),
        (("jacobian", "atan2(x0)", "--at", "1"), ("atan2",)),
        (("jacobian", "sin()", "--at", "1"), ("sin",)),
        (("jacobian", "x0;;x1", "--at", "1,2"), ("empty",)),
        (("jacobian", "x0;", "--at", "1"), (";",)),
        (("jacobian", ";x0", "--at", "1"), ()),
        (("jacobian", "", "--at", "1"), ()),
        (("jacobian", "sin(", "--at", "1"), ()),
        (("jacobian", "x0 +* x1", "--at", "1,2"), ()),
        (("jacobian", "x0", "--at", "abc"), ("abc",)),
        (("jacobian", "x0", "--at", "1,,2"), ()),
        (("jacobian", "x0", "--at", ""), ()),
        (("jacobian", "x0", "--at", "x9=1"), ("x9",)),
        (("product", SEED, "--at", "2,3", "--v", "a,b"), ()),
        (("jacobian", "--example", "nope"), ("nope",)),
        (("product", "--example", "nope"), ("nope",)),
        (("examples", "nope"), ("nope",)),
        (("jvp", SEED, "--at", "2,3"), ("--u",)),
        (("product", SEED), ()),
    ],
)
def test_bad_input_is_one_clear_error(vjp, args, needles):
    assert_usage_error(vjp(*args), *needles)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--method", "magic"), "magic"),
        (("--format", "yaml"), "yaml"),
        (("--dtype", "float16"), "float16"),
        (("--no-such-option",), "--no-such-option"),
        (("--digits", "0"), "--digits"),
    ],
)
def test_option_errors_from_click_are_short_usage_errors(vjp, args, needle):
    """Click reports these itself (Usage/Try/Error lines): still exit 2, short, no traceback."""
    r = vjp("jacobian", SEED, "--at", "2,3", *args)
    assert r.code == 2, r
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 5


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "-1e999", "NaN", "Infinity", "pi*inf", "q", "e"])
def test_non_finite_or_symbolic_point_values_are_refused(vjp, value):
    message = assert_usage_error(vjp("jacobian", "x0", "--at", value), value)
    if value.lower().lstrip("-") in ("nan", "inf", "infinity", "1e999"):
        assert "finite" in message, message


@pytest.mark.parametrize(
    ("value", "expected"), [("pi", math.pi), ("pi/4", math.pi / 4), ("2*sqrt(3)", 2 * math.sqrt(3))]
)
def test_constant_point_values_are_their_numbers(vjp, value, expected):
    r = vjp("jacobian", "x0", "--at", value, "--format", "json")
    assert r.code == 0, r
    assert json.loads(r.stdout)["point"] == [expected]


@pytest.mark.parametrize("value", ["nan", "1,inf", "-inf,1", "1e999,0"])
def test_non_finite_v_values_are_refused(vjp, value):
    message = assert_usage_error(vjp("product", SEED, "--at", "2,3", "--v", value))
    assert "finite" in message, message


def test_unknown_example_is_not_silently_ignored_next_to_an_expression(vjp):
    """`--example nope` names nothing; even when EXPR wins, the typo should not pass unnoticed."""
    r = vjp("jacobian", "x0", "--at", "1", "--example", "nope")
    assert r.code == 2 or "nope" in r.stderr, r


@pytest.mark.parametrize(
    "args",
    [
        ("jacobian", "--", "-x0**2", "--at", "1", "--format", "json"),
        ("jacobian", "-x0**2", "--at", "1", "--format", "json"),
        ("jacobian", "--at", "1", "-x0**2", "--format", "json"),
        ("jacobian", "--format", "json", "--at", "1", "--", "-x0**2"),
    ],
)
def test_expression_starting_with_minus(vjp, args):
    r = vjp(*args)
    assert r.code == 0, r
    d = strict_json(r.stdout)
    assert d["jacobian"] == [[-2.0]]
    assert d["value"] == [-1.0]


def test_negative_point_values(vjp):
    d = strict_json(vjp("jacobian", "-x0**2+x1", "--at", "-1.5,1", "--format", "json").stdout)
    assert d["point"] == [-1.5, 1.0] and d["jacobian"] == [[3.0, 1.0]]
    d = strict_json(vjp("product", "-x0*x1", "--at", "x1=-2,x0=3", "--v", "-1", "--format", "json").stdout)
    assert d["point"] == [3.0, -2.0] and d["vjp"] == [-2.0, 3.0]


def test_vars_sets_the_input_order(vjp):
    d = strict_json(vjp("jacobian", "x0*x1", "--vars", "x1,x0", "--at", "2,5", "--format", "json").stdout)
    assert d["inputs"] == ["x1", "x0"] and d["point"] == [2.0, 5.0] and d["jacobian"] == [[5.0, 2.0]]
    d = strict_json(vjp("jacobian", "x0", "--vars", "x0,x1", "--at", "2,5", "--format", "json").stdout)
    assert d["inputs"] == ["x0", "x1"] and d["jacobian"] == [[1.0, 0.0]]
    assert_usage_error(vjp("jacobian", "x0*x1", "--vars", "x1", "--at", "2,5"), "x0")
    d = strict_json(vjp("jacobian", "x10+2*x2", "--at", "1,1", "--format", "json").stdout)
    assert d["inputs"] == ["x2", "x10"]  # natural order: x2 before x10


def test_expression_starting_with_minus_in_a_subprocess(vjp_process):
    r = vjp_process("jacobian", "-x0**2", "--at", "1", "--format", "json")
    assert r.code == 0, r
    assert strict_json(r.stdout)["jacobian"] == [[-2.0]]


# ---- injection: nothing the user types is ever run ---------------------------------------------

PAYLOADS = [
    "__import__('os').system('touch {m}')",
    "__import__(os).system(touch)",
    "sin.__globals__",
    "sin.eval.__globals__['__builtins__']['exec']('open(\"{m}\",\"w\")')",
    "().__class__.__bases__[0].__subclasses__()",
    "exec(\"open('{m}','w')\")",
    "eval(\"open('{m}','w')\")",
    "lambda: open('{m}','w')",
    "[open('{m}','w') for x in ()]",
    "(x for x in ()).gi_frame",
    "x.__class__",
    "x0.__class__.__init__.__globals__",
    "open('{m}','w')",
    "Symbol('x')",
    'S(\'open("{m}","w")\')',
    "sympify(\"__import__('os').system('touch {m}')\")",
    "sin(\"__import__('os').system('touch {m}')\")",
    'f\'{{open("{m}","w")}}\'',
    "`touch {m}`",
    "$(touch {m})",
    "import os",
    "x0; import os; os.system('touch {m}')",
    "x0 if open('{m}','w') else x0",
    "(y := open('{m}','w'))",
    'ｅｘｅｃ(\'open("{m}","w")\')',  # fullwidth letters: NFKC folds them to exec
    "ℯval(x0)",  # U+212F SCRIPT SMALL E
    "оpen(x0)",  # Cyrillic o
    "x0\x00; open('{m}','w')",
    "globals()['open']('{m}','w')",
    "getattr(x0, '__class__')",
    "breakpoint()",
    "x0[__import__('os').system('touch {m}')]",
]


SUBPROCESS_PAYLOADS = {0, 3, 4, 5, 7, 12, 15, 17, 20, 24, 31}


def _payloads(marker: Path) -> list[str]:
    return [p.replace("{m}", str(marker)).replace("{{", "{").replace("}}", "}") for p in PAYLOADS]


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 15


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_injection_payload_is_refused_in_process(vjp, tmp_path, monkeypatch, index):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "MARKER"
    payload = _payloads(marker)[index]
    before = sorted(os.listdir(tmp_path))
    for args in (("jacobian", payload, "--at", "1"), ("check", payload, "--at", "1"), ("jacobian", payload)):
        r = vjp(*args)
        assert r.code == 2, (payload, r)
        assert "Traceback" not in r.stderr, r
        assert r.stderr.startswith("vjp: error: ") or "\nvjp: error: " in r.stderr, r
    assert not marker.exists()
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize(
    "args",
    [
        ("jacobian", "x0", "--at", "x0=__import__('os').system('touch {m}')"),
        ("jacobian", "x0", "--at", "open('{m}','w')"),
        ("jacobian", "x", "--at", "x=eval('[1]')"),
        ("product", "x0", "--at", "1", "--v", "__import__('os')"),
        ("jacobian", "x0", "--at", "1", "--vars", "__import__('os').system('touch {m}')"),
        ("jacobian", "x0", "--at", "1", "--vars", "x0,open('{m}','w')"),
    ],
)
def test_injection_through_options_is_refused(vjp, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "MARKER"
    r = vjp(*[a.replace("{m}", str(marker)) for a in args])
    assert_usage_error(r)
    assert not marker.exists()


def test_injection_payloads_are_refused_by_the_real_command(tmp_path):
    """Payloads through `python -m autograd_cli` in real processes (run a few at a time)."""
    tmp_path = tmp_path / "cwd"
    tmp_path.mkdir()
    marker = tmp_path / "MARKER"
    env = dict(os.environ)
    env.pop("VJP_DEBUG", None)
    # a representative subset (argv cannot carry NUL): each process costs an interpreter start
    payloads = [p for i, p in enumerate(_payloads(marker)) if i in SUBPROCESS_PAYLOADS]
    results = []
    for start in range(0, len(payloads), 6):
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "autograd_cli", "jacobian", p, "--at", "1"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for p in payloads[start : start + 6]
        ]
        for p, proc in zip(payloads[start : start + 6], procs):
            out, err = proc.communicate(timeout=120)
            results.append((p, proc.returncode, out, err))
    for payload, code, out, err in results:
        assert code == 2, (payload, code, err)
        assert "Traceback" not in err, (payload, err)
        assert err.startswith("vjp: error: "), (payload, err)
        assert out == ""
    assert not marker.exists()
    assert os.listdir(tmp_path) == []


# ---- tensor variables (issue 3) through the CLI ------------------------------------------------


def test_tensor_product_of_the_seed(vjp):
    r = vjp("product", "x*y", "--at", "x=[0,2,8]", "--at", "y=[5,1,7]", "--v", "1,1,1", "--format", "json")
    d = strict_json(r.stdout)
    assert d["grads"] == {"x": [5.0, 1.0, 7.0], "y": [0.0, 2.0, 8.0]}
    assert d["vjp"] == [5.0, 1.0, 7.0, 0.0, 2.0, 8.0]
    assert d["shapes"]["inputs"] == {"x": [3], "y": [3]}


def test_tensor_point_in_one_at(vjp):
    d = strict_json(vjp("product", "x*y", "--at", "x=[0,2,8], y=[5,1,7]", "--v", "1,1,1", "--format", "json").stdout)
    assert d["grads"] == {"x": [5.0, 1.0, 7.0], "y": [0.0, 2.0, 8.0]}


def test_scalar_output_needs_no_v(vjp):
    r = vjp("product", "mean((x+2)*(x+2)*3)", "--at", "x=ones(2,2)", "--format", "json")
    d = strict_json(r.stdout)
    assert d["grads"] == {"x": [[4.5, 4.5], [4.5, 4.5]]}
    assert d["vjp"] == [4.5] * 4
    assert d["value"] in ([27.0], 27.0)


def test_non_scalar_output_without_v(vjp):
    message = assert_usage_error(vjp("product", "x*y", "--at", "x=[0,2,8]", "--at", "y=[5,1,7]"))
    assert "grad can be implicitly created only for scalar outputs" in message
    assert "--v" in message


def test_tensor_jacobian_of_dot(vjp):
    d = strict_json(vjp("jacobian", "2*dot(x,x)", "--at", "x=arange(4)", "--format", "json").stdout)
    assert d["jacobian"] == [[0.0, 4.0, 8.0, 12.0]]
    d = strict_json(vjp("product", "2*x**2", "--at", "x=arange(4)", "--v", "ones(4)", "--format", "json").stdout)
    assert d["grads"] == {"x": [0.0, 4.0, 8.0, 12.0]}


def test_tensor_shape_mismatch_names_both_shapes(vjp):
    message = assert_usage_error(vjp("jacobian", "x+y", "--at", "x=[1,2,3]", "--at", "y=[1,2]"))
    assert "(3,)" in message and "(2,)" in message


def test_tensor_columns_are_labelled(vjp):
    r = vjp("jacobian", "x*y", "--at", "x=[0,2,8],y=[5,1,7]", "--format", "csv")
    header = r.stdout.splitlines()[0].split(",")
    assert header[:6] == ["x[0]", "x[1]", "x[2]", "y[0]", "y[1]", "y[2]"]


JACOBIAN_CASES = [
    (SEED, "2,3"),
    ("x*y", "x=[0,2,8],y=[5,1,7]"),
    ("softmax(x)", "x=[1,2,3]"),
    ("A@x", "A=[[1,2],[3,4]],x=[1,-1]"),
    ("sin(x0)*x1; exp(x0-x1); x0/x1", "0.3,1.7"),
    ("2*dot(x,x)", "x=arange(4)"),
]


@pytest.mark.parametrize(("expr", "at"), JACOBIAN_CASES)
def test_every_method_gives_the_same_jacobian(vjp, expr, at):
    results = {}
    for method in ("rows", "batched", "forward", "auto"):
        r = vjp("jacobian", expr, "--at", at, "--method", method, "--format", "json")
        d = strict_json(r.stdout)
        if method != "auto":
            assert d["method"] == method
        else:
            assert d["method"] in ("rows", "batched", "forward")
        results[method] = d["jacobian"]
    reference = results["rows"]
    for method, jac in results.items():
        assert len(jac) == len(reference)
        for row, ref_row in zip(jac, reference):
            assert row == pytest.approx(ref_row, rel=1e-12, abs=1e-12), method


def test_auto_uses_rows_for_the_teaching_case(vjp):
    assert strict_json(vjp("jacobian", SEED, "--at", "2,3", "--format", "json").stdout)["method"] == "rows"


# ---- tracebacks on request, one line for bugs -------------------------------------------------


def test_traceback_flag_lets_the_error_through(vjp):
    with pytest.raises(VjpError):
        vjp("jacobian", "sin(", "--at", "1", "--traceback")
    with pytest.raises(VjpError):
        vjp("jacobian", SEED, "--at", "2", "--traceback")


@pytest.mark.parametrize("value", ["1", "yes"])
def test_vjp_debug_lets_the_error_through(vjp, value):
    with pytest.raises(VjpError):
        vjp("jacobian", "sin(", "--at", "1", env={"VJP_DEBUG": value})


def test_vjp_debug_zero_does_not(vjp):
    assert_usage_error(vjp("jacobian", "sin(", "--at", "1", env={"VJP_DEBUG": "0"}))


def test_traceback_in_a_real_process(vjp_process):
    r = vjp_process("jacobian", "sin(", "--at", "1", "--traceback")
    assert r.code != 0
    assert "Traceback" in r.stderr


def _boom(*args, **kwargs):
    raise ZeroDivisionError("simulated bug")


def _assert_bug_report(r):
    assert r.code == 70, r
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("vjp: ")
    assert "bug" in lines[0].lower()
    assert "ZeroDivisionError" in lines[0]
    assert "--traceback" in lines[0]


def test_internal_error_is_exit_70_and_one_line(vjp, monkeypatch):
    from autograd_cli import engines

    monkeypatch.setattr(engines, "jacobian", _boom)
    _assert_bug_report(vjp("jacobian", SEED, "--at", "2,3"))
    with pytest.raises(ZeroDivisionError):
        vjp("jacobian", SEED, "--at", "2,3", "--traceback")
    with pytest.raises(ZeroDivisionError):
        vjp("jacobian", SEED, "--at", "2,3", env={"VJP_DEBUG": "1"})


def test_internal_error_in_product_and_check(vjp, monkeypatch):
    from autograd_cli import engines

    monkeypatch.setattr(engines, "product", _boom)
    monkeypatch.setattr(engines, "check", _boom)
    _assert_bug_report(vjp("product", SEED, "--at", "2,3", "--v", "1,0"))
    _assert_bug_report(vjp("check", SEED, "--at", "2,3"))


def test_internal_error_while_streaming(vjp, monkeypatch):
    from autograd_cli import batch

    monkeypatch.setattr(batch.BatchEngine, "jacobian", _boom)
    _assert_bug_report(vjp("jacobian", SEED, "--at", "-", input="2,3\n"))


def test_internal_error_is_not_remembered(vjp, monkeypatch):
    from autograd_cli import engines

    with monkeypatch.context() as m:
        m.setattr(engines, "jacobian", _boom)
        assert vjp("jacobian", "x0*x1", "--at", "2,5").code == 70
    r = vjp("product", "--format", "json")
    assert strict_json(r.stdout)["expression"] == SEED  # still the default example


# ---- the quick paths import neither torch nor SymPy ---------------------------------------------

_IMPORT_PROBE = r"""
import io, json, sys
from autograd_cli.cli import main
steps = json.loads(sys.argv[1])
report = []
real_out, real_err = sys.stdout, sys.stderr
for argv in steps:
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    sys.argv = ["vjp", *argv]
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code
    sys.stdout, sys.stderr = real_out, real_err
    report.append([argv, code, "torch" in sys.modules, "sympy" in sys.modules])
print("REPORT " + json.dumps(report))
"""


def test_help_examples_and_parse_errors_import_no_torch_or_sympy(tmp_path):
    steps = [["--help"]] + [[name, "--help"] for name in command_names()]
    steps += [["examples"], ["examples", "seed"], ["jacobian", "sin(", "--at", "1"], ["jacobian", "x0", "--at", "nan"]]
    env = dict(os.environ, VJP_STATE_DIR=str(tmp_path))
    p = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, json.dumps(steps)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    line = next(line for line in p.stdout.splitlines() if line.startswith("REPORT "))
    report = json.loads(line[len("REPORT ") :])
    assert len(report) == len(steps)
    for argv, code, torch_loaded, sympy_loaded in report:
        expected = 2 if argv[0] == "jacobian" and "--help" not in argv else 0
        assert code == expected, (argv, code)
        assert not torch_loaded, f"{argv} imported torch"
        assert not sympy_loaded, f"{argv} imported sympy"


def test_the_probe_can_see_torch(tmp_path):
    """The import probe is not blind: a real computation does import torch."""
    env = dict(os.environ, VJP_STATE_DIR=str(tmp_path))
    p = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, json.dumps([["jacobian", "x0", "--at", "1"]])],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    line = next(line for line in p.stdout.splitlines() if line.startswith("REPORT "))
    assert json.loads(line[len("REPORT ") :])[0][2] is True


def test_examples_lists_every_example(vjp):
    r = vjp("examples")
    assert r.code == 0, r
    assert "seed" in r.stdout and "polar" in r.stdout
    d = strict_json(vjp("examples", "--format", "json").stdout)
    names = [e["name"] for e in d["examples"]]
    assert "seed" in names and len(names) == len(set(names))


@pytest.mark.parametrize("name", ["seed", "xy", "mean", "dot", "square", "polar", "softmax3"])
def test_each_example_runs(vjp, name):
    r = vjp("jacobian", "--example", name, "--format", "json")
    assert r.code == 0, r
    d = strict_json(r.stdout)
    assert all(math.isfinite(v) for row in d["jacobian"] for v in row)
    assert f"example {name}" in r.stderr
