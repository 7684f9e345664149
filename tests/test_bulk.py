"""The bulk paths of the many-points pipeline give exactly what the one-at-a-time paths give:
nested lists read in bulk = the token reader, numeric blocks read in bulk = line by line,
a block formatted at once = render.num per value, JSON Lines = the single-point JSON."""

from __future__ import annotations

import json
import math
from array import array

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_cli import points, render, stream
from autograd_cli.blocktext import numbers_text
from autograd_cli.errors import InputError
from autograd_cli.parsing import parse
from autograd_cli.points import Value, bulk_list

finite = st.floats(min_value=-1e300, max_value=1e300, width=64)  # printed with 3 digits, still finite
any_float = st.floats(width=64)


def _token_reader(text: str) -> Value:
    """The nested list at text[0], read token by token (the bulk path switched off)."""
    reader = points._Reader(text, "--at")
    shape, data = reader._nested(1)
    return Value(shape, tuple(data))


def _decimal_text(v: float, style: int) -> str:
    return (repr, lambda x: f"{x:.3e}", lambda x: f"{x:.17g}", lambda x: f"{x:+.2f}")[style](v)


@st.composite
def nested_lists(draw: st.DrawFn) -> tuple[str, tuple[int, ...], list[float]]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    count = math.prod(shape)
    values = draw(st.lists(finite, min_size=count, max_size=count))
    style = draw(st.integers(0, 3))
    spaces = draw(st.sampled_from(["", " ", "  \t"]))
    texts = [_decimal_text(v, style) for v in values]

    def build(level: int, offset: int) -> str:
        if level == len(shape):
            return texts[offset]
        step = math.prod(shape[level + 1 :])
        items = [build(level + 1, offset + k * step) for k in range(shape[level])]
        return "[" + spaces + ("," + spaces).join(items) + spaces + "]"

    return build(0, 0), shape, [float(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(nested_lists())
def test_bulk_list_equals_the_token_reader(case):
    text, shape, values = case
    bulk = bulk_list(text, 0)
    assert bulk is not None, text
    value, end = bulk
    assert end == len(text)
    assert value == Value(shape, tuple(values))
    assert value == _token_reader(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="[], 0123456789.eE+-x", max_size=40))
def test_bulk_list_never_accepts_what_the_token_reader_refuses(text):
    text = "[" + text
    try:
        expected: Value | None = _token_reader(text)
    except InputError:
        expected = None
    bulk = bulk_list(text, 0)
    if bulk is not None:
        assert expected is not None and bulk[0] == expected, text


@st.composite
def numeric_blocks(draw: st.DrawFn) -> tuple[bytes, int, list[list[float]]]:
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(finite, min_size=width, max_size=width), min_size=1, max_size=30))
    sep = draw(st.sampled_from([",", "\t", " "]))
    style = draw(st.integers(0, 3))
    crlf = draw(st.booleans())
    texts = [[_decimal_text(v, style) for v in r] for r in rows]
    end = "\r\n" if crlf else "\n"
    data = "".join(sep.join(t) + end for t in texts).encode()
    return data, width, [[float(v) for v in t] for t in texts]


@settings(max_examples=300, deadline=None)
@given(numeric_blocks())
def test_bulk_numbers_equal_line_by_line(case):
    data, width, rows = case
    values = stream.bulk_numbers(data, width)
    assert values is not None
    assert values.tolist() == [v for r in rows for v in r]
    parser = stream.PointLines(parse(" + ".join(f"x{i}" for i in range(width))), "float64")
    one_by_one = [parser.line(k + 1, raw) for k, raw in enumerate(data.split(b"\n")[:-1])]
    assert one_by_one == rows


@pytest.mark.parametrize(
    "data",
    [b"1,2\n\n3,4\n", b"1,2\n# c\n", b"1,,2\n", b"1,2,\n", b"nan,1\n", b"1_0,2\n", b"1e999,1\n", b" 1,2\n", b"1;2\n"],
)
def test_bulk_numbers_decline_anything_but_plain_rows(data):
    assert stream.bulk_numbers(data, 2) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(any_float, min_size=3, max_size=3), min_size=1, max_size=20), st.sampled_from([None, 1, 17]))
def test_block_text_equals_num_per_value(rows, digits):
    expected = "".join("\t".join(render.num(v, digits) for v in r) + "\n" for r in rows)
    assert numbers_text(torch.tensor(rows, dtype=torch.float64), "\t", digits) == expected


def test_block_text_edge_values():
    rows = [[-0.0, 4.0, 1e16, 1e22, -5e-324, 0.1, 123456789.0, float("nan"), float("-inf")]]
    expected = "\t".join(render.num(v) for v in rows[0]) + "\n"
    assert numbers_text(torch.tensor(rows, dtype=torch.float64), "\t", None) == expected
    assert expected.startswith("0\t4\t1e+16\t1e+22\t")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=8))
def test_json_lines_equal_single_point_json(vjp, pts):
    text = "".join(f"{a!r},{b!r}\n" for a, b in pts)
    r = vjp("product", "x0*x1; x0 - x1", "--at", "-", "--v", "1,2", "--format", "json", input=text)
    lines = r.stdout.splitlines()
    assert len(lines) == len(pts)
    for (a, b), line in zip(pts, lines):
        single = vjp("product", "x0*x1; x0 - x1", "--at", f"{a!r},{b!r}", "--v", "1,2", "--format", "json")
        assert line == single.stdout.rstrip("\n")
        json.loads(line)


def test_floats_refuse_overflow():
    assert points.floats([b"1", b"1e999"]) is None
    assert points.floats([b"1", b"2"]) == array("d", [1.0, 2.0])
