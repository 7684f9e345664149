"""Many points per call (issue 4) end to end through the CLI: stdin and files in, one result
per point out, in order, streamed, with bounded memory."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

SEED = "x0**2+3*x1; x1**2+2*x0"
STRICT = {"parse_constant": lambda token: (_ for _ in ()).throw(ValueError(f"non-RFC 8259 token {token}"))}


def strict_json(text: str) -> dict:
    return json.loads(text, **STRICT)


def seed_jacobian(x0: float, x1: float) -> list[float]:
    """Row-major flattened Jacobian of the seed: [[2 x0, 3], [2, 2 x1]]."""
    return [2 * x0, 3.0, 2.0, 2 * x1]


def csv_rows(text: str, sep: str = ",") -> tuple[list[str], list[list[float]]]:
    lines = text.splitlines()
    return lines[0].split(sep), [[float(c) for c in line.split(sep)] for line in lines[1:]]


def json_lines(text: str) -> list[dict]:
    return [strict_json(line) for line in text.splitlines()]


# ---- --at - : one point per line ---------------------------------------------------------------

MIXED = """2,3
  # a comment line

4 5
x0=2,x1=3
x1=1, x0=0
{"x0": 1, "x1": 2}
1\t1
   -2.5 ,  0.5   # trailing comment
1e-3,2E1
"""
MIXED_POINTS = [(2, 3), (4, 5), (2, 3), (0, 1), (1, 2), (1, 1), (-2.5, 0.5), (1e-3, 20.0)]


def test_points_from_stdin_in_every_syntax(vjp):
    r = vjp("jacobian", SEED, "--at", "-", "--format", "csv", input=MIXED)
    assert r.code == 0, r
    header, rows = csv_rows(r.stdout)
    assert header == ["x0", "x1", "d y0/d x0", "d y0/d x1", "d y1/d x0", "d y1/d x1"]
    assert [tuple(row[:2]) for row in rows] == MIXED_POINTS
    assert [row[2:] for row in rows] == [seed_jacobian(*p) for p in MIXED_POINTS]


def test_first_line_may_be_json_or_named(vjp):
    for first in ('{"x1": 3, "x0": 2}', "x1=3,x0=2"):
        r = vjp("jacobian", SEED, "--at", "-", input=f"{first}\n0,1\n")
        assert r.code == 0, r
        assert r.stdout == "4\t3\t2\t6\n0\t3\t2\t2\n"


def test_plain_output_is_one_line_per_point(vjp):
    r = vjp("jacobian", SEED, "--at", "-", input="2,3\n0,1\n")
    assert r.code == 0, r
    assert r.stdout == "4\t3\t2\t6\n0\t3\t2\t2\n"
    r = vjp("product", SEED, "--at", "-", "--v", "1,0", input="2,3\n0,1\n")
    assert r.stdout == "4\t3\n0\t3\n"


def test_csv_and_tsv_print_one_header(vjp):
    points = "".join(f"{i},{i + 1}\n" for i in range(5))
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        r = vjp("jacobian", SEED, "--at", "-", "--format", fmt, input=points)
        assert r.code == 0, r
        lines = r.stdout.splitlines()
        assert len(lines) == 6
        assert lines[0].split(sep)[0] == "x0"
        assert sum(1 for line in lines if line.startswith("x0")) == 1
        _, rows = csv_rows(r.stdout, sep)
        assert [row[2:] for row in rows] == [seed_jacobian(i, i + 1) for i in range(5)]


def test_many_points_keep_their_order(vjp):
    n = 9000  # more than one block
    points = [(i * 0.5, (i % 17) - 8.0) for i in range(n)]
    r = vjp("jacobian", SEED, "--at", "-", "--format", "csv", input="".join(f"{a},{b}\n" for a, b in points))
    assert r.code == 0, r
    _, rows = csv_rows(r.stdout)
    assert len(rows) == n
    assert [tuple(row[:2]) for row in rows] == points
    assert all(row[2:] == seed_jacobian(*p) for row, p in zip(rows, points))


def test_empty_stream_is_not_an_error(vjp):
    r = vjp("jacobian", SEED, "--at", "-", "--format", "json", input="")
    assert r.code == 0, r
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    r = vjp("jacobian", SEED, "--at", "-", "--format", "json", input="# only a comment\n\n")
    assert r.code == 0 and r.stdout == ""


# ---- JSON Lines = the single-point object, point by point ---------------------------------------

STREAM_CASES = [
    ("jacobian", SEED, ["2,3", "0,1", "-1.5,2.25"], ()),
    ("jacobian", "1/x0; log(x0)", ["2", "0", "-1"], ()),
    ("jacobian", "sqrt(x0)*x1", ["4,2", "0,1"], ()),
    ("product", SEED, ["2,3", "0,1", "-1.5,2.25"], ("--v", "1,0")),
    ("product", "1/x0; log(x0)", ["2", "0", "-1"], ("--v", "1,1")),
    ("product", "sqrt(x0)*x1", ["4,2", "0,1"], ("--v", "1")),
    ("check", SEED, ["2,3", "0,1"], ()),
    ("check", "1/x0; log(x0)", ["2", "0"], ()),
    ("jacobian", "x*y", ["x=[0,2,8],y=[5,1,7]", "x=[1,1,1],y=[2,3,4]"], ()),
    ("product", "x*y", ["x=[0,2,8],y=[5,1,7]", "x=[1,1,1],y=[2,3,4]"], ("--v", "1,1,1")),
]


@pytest.mark.parametrize(("command", "expr", "points", "extra"), STREAM_CASES)
def test_json_lines_equal_single_point_objects(vjp, command, expr, points, extra):
    r = vjp(command, expr, "--at", "-", "--format", "json", *extra, input="\n".join(points) + "\n")
    assert r.code in (0, 1), r
    lines = r.stdout.splitlines()
    assert len(lines) == len(points), r
    for point, line in zip(points, lines):
        streamed = strict_json(line)
        single = vjp(command, expr, "--at", point, "--format", "json", *extra)
        expected = strict_json(single.stdout)
        assert streamed.keys() == expected.keys(), (point, set(streamed) ^ set(expected))
        assert streamed == expected, point


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("method", ["rows", "batched", "jacrev", "forward", "auto"])
def test_json_lines_equal_single_point_objects_for_every_method_and_dtype(vjp, method, dtype):
    expr, points = "x0/3; sin(x1)*x0", ["2,3", "0.1,0.7"]
    opts = ("--method", method, "--dtype", dtype, "--format", "json")
    r = vjp("jacobian", expr, "--at", "-", *opts, input="\n".join(points) + "\n")
    assert r.code == 0, r
    for point, line in zip(points, r.stdout.splitlines()):
        streamed = strict_json(line)
        expected = strict_json(vjp("jacobian", expr, "--at", point, *opts).stdout)
        assert streamed["dtype"] == expected["dtype"] == dtype
        assert streamed["method"] == expected["method"]
        assert streamed["value"] == expected["value"], point
        assert streamed["jacobian"] == expected["jacobian"], (point, "the Jacobian is not computed in the same dtype")


def test_json_lines_notes_go_to_stderr_with_line_numbers(vjp):
    r = vjp("jacobian", "1/x0", "--at", "-", "--format", "json", input="1\n0\n2\n")
    assert r.code == 0, r
    assert "line 2" in r.stderr
    assert "line 1" not in r.stderr and "line 3" not in r.stderr


def test_stream_notes_non_finite_product(vjp):
    r = vjp("product", "sqrt(x0)*x1", "--at", "-", "--v", "1", "--format", "json", input="4,2\n0,1\n")
    assert r.code == 0, r
    json_lines(r.stdout)
    assert "line 2" in r.stderr, "a non-finite vᵀJ is reported on stderr, as for a single point"


def test_streamed_tables_match_single_point_tables(vjp):
    streamed = vjp("jacobian", SEED, "--at", "-", "--format", "table", input="2,3\n0,1\n")
    assert streamed.code == 0, streamed
    singles = [vjp("jacobian", SEED, "--at", p, "--format", "table").stdout for p in ("2,3", "0,1")]
    for single in singles:
        for line in single.splitlines():
            assert line in streamed.stdout, line


# ---- --points FILE ------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _jacobians(run) -> list[list[float]]:
    assert run.code == 0, run
    return [row[2:] for row in csv_rows(run.stdout)[1]]


def test_points_csv_with_reordered_header(vjp, tmp_path):
    path = _write(tmp_path, "p.csv", "x1,x0\n3,2\n1,0\n")
    r = vjp("jacobian", SEED, "--points", str(path), "--format", "csv")
    assert _jacobians(r) == [seed_jacobian(2, 3), seed_jacobian(0, 1)]
    assert csv_rows(r.stdout)[1][0][:2] == [2.0, 3.0]


def test_points_tsv_and_jsonl(vjp, tmp_path):
    tsv = _write(tmp_path, "p.tsv", "x0\tx1\n2\t3\n0\t1\n")
    jsonl = _write(tmp_path, "p.jsonl", '{"x0": 2, "x1": 3}\n{"x1": 1, "x0": 0}\n')
    for path in (tsv, jsonl):
        r = vjp("jacobian", SEED, "--points", str(path), "--format", "csv")
        assert _jacobians(r) == [seed_jacobian(2, 3), seed_jacobian(0, 1)], path


def test_points_csv_with_windows_line_ends_and_quotes(vjp, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b'"x0","x1"\r\n"2","3"\r\n0,1\r\n')
    assert _jacobians(vjp("jacobian", SEED, "--points", str(path), "--format", "csv")) == [
        seed_jacobian(2, 3),
        seed_jacobian(0, 1),
    ]


def test_points_csv_with_a_byte_order_mark(vjp, tmp_path):
    """Spreadsheets save UTF-8 CSV with a BOM; the header is still x0,x1."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfx0,x1\r\n2,3\r\n")
    assert _jacobians(vjp("jacobian", SEED, "--points", str(path), "--format", "csv")) == [seed_jacobian(2, 3)]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_own_output_round_trips(vjp, tmp_path, fmt):
    first = vjp("jacobian", SEED, "--at", "-", "--format", fmt, input="2,3\n0,1\n-1.5,0.25\n")
    assert first.code == 0, first
    path = _write(tmp_path, f"out.{'jsonl' if fmt == 'json' else fmt}", first.stdout)
    again = vjp("jacobian", SEED, "--points", str(path), "--format", fmt)
    assert again.code == 0, again
    assert again.stdout == first.stdout


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_own_tensor_output_round_trips(vjp, tmp_path, fmt):
    first = vjp("jacobian", "x*y", "--at", "-", "--format", fmt, input="x=[0,2,8],y=[5,1,7]\nx=[1,1,1],y=[2,3,4]\n")
    assert first.code == 0, first
    path = _write(tmp_path, f"out.{fmt}", first.stdout)
    again = vjp("jacobian", "x*y", "--points", str(path), "--format", fmt)
    assert again.code == 0, again
    assert again.stdout == first.stdout


def test_missing_points_file(vjp, tmp_path):
    r = vjp("jacobian", SEED, "--points", str(tmp_path / "nope.csv"))
    assert r.code == 2 and "nope.csv" in r.stderr and "Traceback" not in r.stderr


def test_points_and_at_dash_together_is_a_usage_error(vjp, tmp_path):
    path = _write(tmp_path, "p.csv", "x0,x1\n2,3\n")
    r = vjp("jacobian", SEED, "--at", "-", "--points", str(path), input="1,1\n")
    assert r.code == 2 and r.stdout == "" and "Traceback" not in r.stderr


# ---- bad lines: --on-error stop | skip ----------------------------------------------------------------

BAD_INPUT = "2,3\n1,1\nfoo\n4,5\n1,2,3\n0,0\n"


@pytest.mark.parametrize("fmt", ["csv", "json", "plain"])
def test_on_error_stop_keeps_what_came_before(vjp, fmt):
    r = vjp("jacobian", SEED, "--at", "-", "--format", fmt, input=BAD_INPUT)
    assert r.code == 2, r
    lines = r.stdout.splitlines()
    assert len(lines) == (3 if fmt == "csv" else 2), r.stdout  # header + the two good points
    if fmt == "csv":
        assert [row[2:] for row in csv_rows(r.stdout)[1]] == [seed_jacobian(2, 3), seed_jacobian(1, 1)]
    errors = [line for line in r.stderr.splitlines() if line.startswith("vjp: error: ")]
    assert len(errors) == 1 and "line 3" in errors[0] and "foo" in errors[0]
    assert "Traceback" not in r.stderr
    # stop is the default and the same as asking for it
    assert vjp("jacobian", SEED, "--at", "-", "--format", fmt, "--on-error", "stop", input=BAD_INPUT).stdout == r.stdout


def test_on_error_stop_after_several_blocks(vjp):
    n = 5000
    text = "".join(f"{i},1\n" for i in range(n)) + "oops\n" + "".join(f"{i},2\n" for i in range(100))
    r = vjp("jacobian", SEED, "--at", "-", "--format", "csv", input=text)
    assert r.code == 2, r
    _, rows = csv_rows(r.stdout)
    assert len(rows) == n
    assert [row[0] for row in rows] == [float(i) for i in range(n)]
    assert f"line {n + 1}" in r.stderr


def test_on_error_skip_reports_each_bad_line(vjp):
    r = vjp("jacobian", SEED, "--at", "-", "--format", "csv", "--on-error", "skip", input=BAD_INPUT)
    assert r.code == 0, r
    lines = r.stdout.splitlines()
    assert lines[3] == lines[5] == ",,,,,"  # each bad line keeps its place: a row of empty cells
    assert [row[2:] for row in csv_rows("\n".join(lines[:3] + lines[4:5] + lines[6:]))[1]] == [
        seed_jacobian(2, 3),
        seed_jacobian(1, 1),
        seed_jacobian(4, 5),
        seed_jacobian(0, 0),
    ]
    assert "line 3" in r.stderr and "line 5" in r.stderr
    assert "Traceback" not in r.stderr


def test_on_error_skip_with_json_lines(vjp):
    r = vjp("product", SEED, "--at", "-", "--v", "1,0", "--format", "json", "--on-error", "skip", input=BAD_INPUT)
    assert [d["vjp"] for d in json_lines(r.stdout)] == [[4.0, 3.0], [2.0, 3.0], [8.0, 3.0], [0.0, 3.0]]


def test_shape_change_mid_stream_names_the_line_and_both_shapes(vjp):
    r = vjp(
        "product",
        "x*y",
        "--at",
        "-",
        "--v",
        "1,1,1",
        "--format",
        "json",
        input="x=[0,2,8],y=[5,1,7]\nx=[1,1],y=[2,2]\n",
    )
    assert r.code == 2, r
    assert len(r.stdout.splitlines()) == 1
    assert "line 2" in r.stderr and "(2,)" in r.stderr and "(3,)" in r.stderr


def test_non_finite_point_values_on_stdin_are_bad_lines(vjp):
    r = vjp("jacobian", SEED, "--at", "-", "--on-error", "skip", input="2,3\nnan,1\n1,inf\n0,1\n")
    assert r.stdout == "4\t3\t2\t6\n\n\n0\t3\t2\t2\n"  # the two bad lines keep their places
    assert "line 2" in r.stderr and "line 3" in r.stderr


# ---- --on-error skip keeps output line k on input line k (issue 11) ------------------------------------

# 200 good lines around bad ones: the good ones go through the bulk path, the bad ones alone
ALIGN_POINTS = [(i % 7, i % 5) for i in range(200)]
ALIGN_BAD = {0: "oops", 57: "1_000,2", 58: "3", 199: '{"x0": [1, [2]], "x1": 1}'}  # line index -> bad text


def _align_input() -> str:
    return "".join((ALIGN_BAD[k] if k in ALIGN_BAD else f"{a},{b}") + "\n" for k, (a, b) in enumerate(ALIGN_POINTS))


def _seed_cells(a: int, b: int) -> list[float]:
    return [float(a), float(b), *seed_jacobian(a, b)]


@pytest.mark.parametrize(("fmt", "gap"), [("plain", ""), ("tsv", "\t" * 5), ("csv", "," * 5)])
def test_skipped_lines_keep_their_place_in_plain_csv_and_tsv(vjp, fmt, gap):
    """A bad line is an empty line (plain) or a row of empty cells (CSV/TSV) at its place,
    first, in the middle of a bulk block and last alike; the good lines are exact."""
    r = vjp("jacobian", SEED, "--at", "-", "--format", fmt, "--on-error", "skip", input=_align_input())
    assert r.code == 0, r
    lines = r.stdout.splitlines()
    if fmt != "plain":
        assert lines.pop(0).startswith("x0" + ("," if fmt == "csv" else "\t") + "x1")
    assert len(lines) == len(ALIGN_POINTS)
    sep = {"plain": "\t", "tsv": "\t", "csv": ","}[fmt]
    for k, (line, (a, b)) in enumerate(zip(lines, ALIGN_POINTS)):
        if k in ALIGN_BAD:
            assert line == gap, (k, line)
        else:
            want = seed_jacobian(a, b) if fmt == "plain" else _seed_cells(a, b)
            assert [float(c) for c in line.split(sep)] == want, (k, line)
    assert sorted(int(w.split()[3].rstrip(":")) for w in r.stderr.splitlines() if w.startswith("vjp: skipped")) == [
        k + 1 for k in sorted(ALIGN_BAD)
    ]


def test_a_csv_row_of_empty_cells_is_read_back_as_a_bad_line(vjp, tmp_path):
    """vjp's CSV output with a skipped line, read again: the place stays a (bad) line, aligned."""
    out = vjp("jacobian", SEED, "--at", "-", "--format", "csv", "--on-error", "skip", input="2,3\nx\n1,1\n").stdout
    path = _write(tmp_path, "out.csv", out)
    r = vjp("check", SEED, "--points", str(path), "--format", "csv", "--on-error", "skip")
    assert r.code == 0, r
    lines = r.stdout.splitlines()
    assert len(lines) == 4 and lines[2] == "," * (len(lines[0].split(",")) - 1)
    assert lines[1].startswith("2,3,") and lines[3].startswith("1,1,")
    assert "skipped line 3" in r.stderr


@pytest.mark.parametrize("fmt", ["plain", "tsv"])
def test_check_keeps_skipped_lines_in_place(vjp, fmt):
    r = vjp("check", SEED, "--at", "-", "--format", fmt, "--on-error", "skip", input="2,3\nx\n1,1\ny\n")
    assert r.code == 0, r
    lines = r.stdout.splitlines()
    if fmt == "plain":
        assert lines == ["PASS\t6\t9", "", "PASS\t4\t5", ""]
    else:
        width = len(lines[0].split("\t"))
        assert lines[1].startswith("2\t3\t6\t9") and lines[3].startswith("1\t1\t4\t5")
        assert lines[2] == lines[4] == "\t" * (width - 1)


def test_cotangent_lines_keep_their_place(vjp, tmp_path):
    r = vjp("product", SEED, "--at", "2,3", "--v", "-", "--on-error", "skip", input="1,0\n1,2,3\n0,1\n")
    assert r.code == 0, r
    assert r.stdout == "4\t3\n\n2\t6\n"
    points = _write(tmp_path, "p.txt", "2,3\nbad\n0,1\n1,1\n")
    vs = _write(tmp_path, "v.txt", "1,0\n1,0\nnope\n1,1\n")
    r = vjp("product", SEED, "--points", str(points), "--vs", str(vs), "--on-error", "skip")
    assert r.code == 0, r
    assert r.stdout == "4\t3\n\n\n4\t5\n"  # a bad point line, then a bad cotangent line


def test_json_lines_give_no_object_for_a_skipped_line(vjp):
    """JSON Lines carry each point in the object: a bad line is named on stderr only."""
    r = vjp("jacobian", SEED, "--at", "-", "--format", "json", "--on-error", "skip", input="2,3\nx\n1,1\n")
    assert r.code == 0, r
    assert [d["point"] for d in json_lines(r.stdout)] == [[2.0, 3.0], [1.0, 1.0]]


def test_stop_prints_no_place_for_the_bad_line(vjp):
    r = vjp("jacobian", SEED, "--at", "-", "--format", "csv", input="2,3\nx\n1,1\n")
    assert r.code == 2, r
    assert r.stdout.splitlines()[1:] == ["2,3,4,3,2,6"]


# ---- cotangents: --v - and --vs FILE ---------------------------------------------------------------------


def test_many_cotangents_at_one_point(vjp):
    r = vjp("product", SEED, "--at", "2,3", "--v", "-", "--format", "json", input="1,0\n0,1\n# comment\n1 1\n")
    assert r.code == 0, r
    rows = json_lines(r.stdout)
    assert [d["v"] for d in rows] == [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    assert [d["vjp"] for d in rows] == [[4.0, 3.0], [2.0, 6.0], [6.0, 9.0]]
    assert all(d["point"] == [2.0, 3.0] for d in rows)


def test_bad_cotangent_line(vjp):
    r = vjp("product", SEED, "--at", "2,3", "--v", "-", input="1,0\n1,2,3\n0,1\n")
    assert r.code == 2, r
    assert r.stdout == "4\t3\n"
    assert "line 2" in r.stderr


def test_vs_file_paired_with_points_file(vjp, tmp_path):
    points = _write(tmp_path, "p.csv", "x0,x1\n2,3\n0,1\n")
    vs = _write(tmp_path, "v.txt", "1,0\n0,1\n")
    r = vjp("product", SEED, "--points", str(points), "--vs", str(vs), "--format", "json")
    assert r.code == 0, r
    rows = json_lines(r.stdout)
    assert [(d["point"], d["v"], d["vjp"]) for d in rows] == [
        ([2.0, 3.0], [1.0, 0.0], [4.0, 3.0]),
        ([0.0, 1.0], [0.0, 1.0], [2.0, 2.0]),
    ]


def test_vs_file_with_too_few_cotangents(vjp, tmp_path):
    points = _write(tmp_path, "p.csv", "x0,x1\n2,3\n0,1\n")
    vs = _write(tmp_path, "v.txt", "1,0\n")
    r = vjp("product", SEED, "--points", str(points), "--vs", str(vs), "--format", "csv")
    assert r.code == 2, r
    assert len(r.stdout.splitlines()) == 2  # header + the first point


def test_vs_file_with_too_many_cotangents_is_reported(vjp, tmp_path):
    """Cotangents left over after the last point are a mismatch the user should hear about."""
    points = _write(tmp_path, "p.txt", "2,3\n0,1\n")
    vs = _write(tmp_path, "v.txt", "1,0\n0,1\n1,1\n")
    r = vjp("product", SEED, "--points", str(points), "--vs", str(vs), "--format", "csv")
    assert r.code == 2 or "line 3" in r.stderr or "left" in r.stderr.lower(), r


def test_points_and_cotangents_both_from_stdin_is_a_usage_error(vjp):
    r = vjp("product", SEED, "--at", "-", "--v", "-", input="2,3\n")
    assert r.code == 2, r
    assert r.stdout == "" and "stdin" in r.stderr and "Traceback" not in r.stderr


def test_streamed_product_of_a_non_scalar_needs_v(vjp):
    r = vjp("product", SEED, "--at", "-", input="2,3\n")
    assert r.code == 2, r
    assert "grad can be implicitly created only for scalar outputs" in r.stderr


def test_streamed_product_of_a_scalar_needs_no_v(vjp):
    r = vjp("product", "x0*x1", "--at", "-", "--format", "json", input="2,3\n5,7\n")
    assert r.code == 0, r
    assert [d["vjp"] for d in json_lines(r.stdout)] == [[3.0, 2.0], [7.0, 5.0]]


# ---- the expression from stdin or a file --------------------------------------------------------------


def test_expression_from_stdin(vjp):
    r = vjp("jacobian", "-", "--at", "2,3", "--format", "json", input=SEED + "\n")
    d = strict_json(r.stdout)
    assert d["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]
    assert d["expression"].strip() == SEED


def test_expression_from_stdin_with_points_from_stdin_is_a_usage_error(vjp):
    r = vjp("jacobian", "-", "--at", "-", input="x0\n1\n")
    assert r.code == 2 and "--expr-file" in r.stderr and "Traceback" not in r.stderr


def test_expression_file_with_components_on_lines(vjp, tmp_path):
    path = _write(tmp_path, "f.txt", "x0**2+3*x1\nx1**2+2*x0\n")
    d = strict_json(vjp("jacobian", "--expr-file", str(path), "--at", "2,3", "--format", "json").stdout)
    assert d["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]
    assert len(d["outputs"]) == 2


def test_expression_file_and_points_from_stdin(vjp, tmp_path):
    path = _write(tmp_path, "f.txt", SEED + "\n")
    r = vjp("jacobian", "--expr-file", str(path), "--at", "-", input="2,3\n0,1\n")
    assert r.stdout == "4\t3\t2\t6\n0\t3\t2\t2\n"


def test_expression_file_errors(vjp, tmp_path):
    r = vjp("jacobian", "--expr-file", str(tmp_path / "missing.txt"), "--at", "1")
    assert r.code == 2 and "missing.txt" in r.stderr
    path = _write(tmp_path, "f.txt", "x0\n")
    r = vjp("jacobian", "x0", "--expr-file", str(path), "--at", "1")
    assert r.code == 2 and "Traceback" not in r.stderr


def test_long_generated_expression_from_a_file(vjp, tmp_path):
    n = 300
    text = "\n".join(f"x{i}**2*sin(x{i + 1}) + exp(x{i + 2})/3" for i in range(n))
    path = _write(tmp_path, "big.txt", text)
    r = vjp("jacobian", "--expr-file", str(path), "--at", ",".join(["0"] * (n + 2)), "--format", "json")
    assert r.code == 0, r
    d = strict_json(r.stdout)
    assert len(d["jacobian"]) == n and len(d["jacobian"][0]) == n + 2
    assert d["jacobian"][0][2] == pytest.approx(1 / 3)


# ---- check over many points --------------------------------------------------------------------------


def test_check_many_points_all_pass(vjp):
    r = vjp("check", SEED, "--at", "-", input="2,3\n0,1\n-1,5\n")
    assert r.code == 0, r
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("PASS") for line in lines)


def test_check_many_points_exit_1_if_any_fails(vjp):
    # sqrt(x0**2) at 0: autograd gives nan (inf * 0), SymPy's derivative gives 0
    single = vjp("check", "sqrt(x0**2)", "--at", "0")
    assert single.code == 1, single
    r = vjp("check", "sqrt(x0**2)", "--at", "-", input="1\n0\n-2\n")
    assert r.code == 1, r
    assert [line.split("\t")[0] for line in r.stdout.splitlines()] == ["PASS", "FAIL", "PASS"]
    assert "Traceback" not in r.stderr


def test_check_stream_agrees_with_single_point_check(vjp):
    """The PASS/FAIL of a point must not depend on whether it came alone or in a stream."""
    expr = "1/x0; log(x0)"
    points = ["2", "0", "-1"]
    singles = [vjp("check", expr, "--at", p, "--format", "json") for p in points]
    r = vjp("check", expr, "--at", "-", "--format", "json", input="\n".join(points) + "\n")
    streamed = json_lines(r.stdout)
    assert [d["match"] for d in streamed] == [strict_json(s.stdout)["match"] for s in singles]
    assert r.code == max(s.code for s in singles)


# ---- tensor points on stdin ---------------------------------------------------------------------------------


def test_tensor_points_on_stdin(vjp):
    r = vjp(
        "product",
        "x*y",
        "--at",
        "-",
        "--v",
        "1,1,1",
        "--format",
        "json",
        input="x=[0,2,8],y=[5,1,7]\nx=[1,1,1],y=[2,3,4]\n",
    )
    assert r.code == 0, r
    rows = json_lines(r.stdout)
    assert [d["grads"] for d in rows] == [
        {"x": [5.0, 1.0, 7.0], "y": [0.0, 2.0, 8.0]},
        {"x": [2.0, 3.0, 4.0], "y": [1.0, 1.0, 1.0]},
    ]


def test_tensor_points_as_json_objects(vjp):
    r = vjp(
        "jacobian", "2*dot(x,x)", "--at", "-", "--format", "json", input='{"x": [0, 1, 2, 3]}\n{"x": [1, 1, 1, 1]}\n'
    )
    assert [d["jacobian"] for d in json_lines(r.stdout)] == [[[0.0, 4.0, 8.0, 12.0]], [[4.0, 4.0, 4.0, 4.0]]]


# ---- real processes: streaming and bounded memory -------------------------------------------------------------


def test_output_is_streamed_before_stdin_closes(tmp_path):
    env = dict(os.environ, VJP_STATE_DIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograd_cli", "jacobian", SEED, "--at", "-", "--format", "json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert proc.stdin is not None
        proc.stdin.write("2,3\n")
        proc.stdin.flush()
        try:
            first = lines.get(timeout=90)
        except queue.Empty:
            pytest.fail("no output for the first point while stdin stayed open: output is not streamed")
        assert strict_json(first)["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]
        proc.stdin.write("0,1\n")
        proc.stdin.flush()
        second = lines.get(timeout=60)
        assert strict_json(second)["jacobian"] == [[0.0, 3.0], [2.0, 2.0]]
        assert proc.poll() is None  # still waiting for more points
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


_MEASURE = r"""
import resource, subprocess, sys
points, out = sys.argv[1], sys.argv[2]
with open(points, "rb") as fin, open(out, "wb") as fout:
    p = subprocess.run([sys.executable, "-m", "autograd_cli", *sys.argv[3:]], stdin=fin, stdout=fout,
                       stderr=subprocess.PIPE)
sys.stderr.buffer.write(p.stderr)
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_rss_kb(tmp_path: Path, n: int) -> int:
    points = tmp_path / f"points{n}.txt"
    with open(points, "w") as f:
        for i in range(n):
            f.write(f"{(i % 101) * 0.25},{(i % 13) - 6}\n")
    out = tmp_path / f"out{n}.jsonl"
    env = dict(os.environ, VJP_STATE_DIR=str(tmp_path / "state"))
    p = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(points), str(out), "jacobian", SEED, "--at", "-", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    code, peak = (int(x) for x in p.stdout.split())
    assert code == 0, p.stderr
    count = 0
    with open(out) as f:
        for count, line in enumerate(f, start=1):  # noqa: B007
            pass
    assert count == n
    with open(out) as f:
        last = json.loads(f.readlines()[-1])
    i = n - 1
    assert last["point"] == [(i % 101) * 0.25, float((i % 13) - 6)]
    points.unlink()
    out.unlink()
    return peak


def test_memory_does_not_grow_with_the_number_of_points(tmp_path):
    small = _peak_rss_kb(tmp_path, 20_000)
    large = _peak_rss_kb(tmp_path, 200_000)
    assert large - small < 30 * 1024, f"peak RSS {small} kB for 20,000 points, {large} kB for 200,000"


def test_broken_pipe_is_quiet(tmp_path):
    """`vjp ... --at - | head -1`: the reader goes away; no traceback, no error noise."""
    env = dict(os.environ, VJP_STATE_DIR=str(tmp_path / "state"))
    points = tmp_path / "points.txt"
    points.write_text("".join(f"{i},1\n" for i in range(200_000)))
    script = f"{sys.executable} -m autograd_cli jacobian '{SEED}' --at - --format json < {points} | head -n 1"
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert len(p.stdout.splitlines()) == 1
    json.loads(p.stdout)
    assert "Traceback" not in p.stderr
    assert "error" not in p.stderr.lower(), p.stderr
