"""Results -> LaTeX and GitHub Markdown, and which output formats fit which command.

Light at import (no torch, no Rich; SymPy only for a symbolic Jacobian's LaTeX), so the CLI
can check ``--format`` before anything heavy loads. LaTeX matrices are ``bmatrix``
(amsmath) laid out exactly as SymPy's printer lays them out
(``sympy.latex(M, mat_str="bmatrix", mat_delim="")``); symbolic entries are SymPy's own
LaTeX. Human formats (LaTeX, Markdown) print 6 significant digits unless ``--digits``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .numtext import in_dtype
from .results import Header, Result, SymbolicJacobianResult

if TYPE_CHECKING:  # the engines' results are imported where a numeric result is formatted
    from .engine_results import CheckResult, ProductResult

HUMAN_DIGITS = 6

# Which --format values each command accepts; anything else is a usage error naming these.
MATRIX_FORMATS = ("table", "json", "csv", "tsv", "plain", "latex", "markdown")
FITS: dict[str, tuple[str, ...]] = {
    "jacobian": MATRIX_FORMATS,
    "product": MATRIX_FORMATS,
    "grad": MATRIX_FORMATS,
    "check": MATRIX_FORMATS,
    "jvp": MATRIX_FORMATS,
    "hessian": MATRIX_FORMATS,
    "graph": ("table", "json", "plain", "dot"),
    "explain": ("table", "json", "plain"),
    "examples": MATRIX_FORMATS,
}
ALL_FORMATS = ("table", "json", "csv", "tsv", "plain", "latex", "markdown", "dot")


def fits(command: str, fmt: str) -> bool:
    return fmt in FITS.get(command, MATRIX_FORMATS)


def misfit_message(command: str, fmt: str) -> str:
    ok = FITS.get(command, MATRIX_FORMATS)
    return f"--format {fmt} does not fit `vjp {command}`; use one of: {', '.join(ok)}"


def text(result: Result, fmt: str, digits: int | None) -> str:
    """``fmt`` is ``latex`` or ``markdown``: the whole text to write to stdout."""
    if fmt == "latex":
        return latex(result, digits)
    if fmt == "markdown":
        return markdown(result, digits)
    raise ValueError(fmt)


# ---- numbers ------------------------------------------------------------------------


def _num(v: float, digits: int | None) -> str:
    from .numtext import num

    return num(v, HUMAN_DIGITS if digits is None else digits)


_EXP = re.compile(r"^(-?[0-9.]+)e([+-])0*([0-9]+)$")


def tex_number(v: float, digits: int | None = None) -> str:
    """``4``, ``0.5``, ``1.5 \\cdot 10^{-7}``, ``\\infty``, ``\\text{NaN}`` (SymPy's spellings)."""
    if math.isnan(v):
        return r"\text{NaN}"
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    s = _num(v, digits)
    m = _EXP.match(s)
    if m:
        mantissa, sign, power = m.groups()
        return f"{mantissa} \\cdot 10^{{{'-' if sign == '-' else ''}{power}}}"
    return s


def bmatrix(cells: Sequence[Sequence[str]]) -> str:
    """Rows of LaTeX cells as SymPy prints a Matrix with ``mat_str="bmatrix", mat_delim=""``."""
    return r"\begin{bmatrix}" + r"\\".join(" & ".join(row) for row in cells) + r"\end{bmatrix}"


def _row(values: Iterable[float], digits: int | None) -> str:
    return bmatrix([[tex_number(v, digits) for v in values]])


def _column(values: Iterable[float], digits: int | None) -> str:
    return bmatrix([[tex_number(v, digits)] for v in values])


def _matrix(rows: Sequence[Sequence[float]], digits: int | None) -> str:
    return bmatrix([[tex_number(v, digits) for v in row] for row in rows])


def tex_label(label: str) -> str:
    """A row or column label in maths: ``y0`` -> ``y_{0}``, ``x[1,0]`` -> ``x_{1,0}``, ``theta`` -> ``\\theta``."""
    m = re.fullmatch(r"([A-Za-z_][A-Za-z_]*?)(\d*)(?:\[([\d, ]+)\])?", label)
    if not m:
        return r"\text{" + escape_tex(label) + "}"
    stem, digits, index = m.groups()
    stem_tex = "\\" + stem if stem in _GREEK else (stem if len(stem) == 1 else r"\mathrm{" + escape_tex(stem) + "}")
    subs = [s for s in (digits, (index or "").replace(" ", "")) if s]
    return stem_tex + ("_{" + ",".join(subs) + "}" if subs else "")


_GREEK = set(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi chi psi "
    "omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape_tex(s: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)


def _wide_note(columns: int) -> list[str]:
    # amsmath's matrix environments hold 10 columns unless told otherwise (MathJax/KaTeX: no limit)
    return [f"% {columns} columns: amsmath needs \\setcounter{{MaxMatrixCols}}{{{columns}}}"] if columns > 10 else []


# ---- LaTeX ------------------------------------------------------------------------------


def latex(result: Result, digits: int | None) -> str:
    """One equation per line, ``name = matrix``, ready for a display or an ``align`` environment."""
    from .engine_results import CheckResult, HessianResult, JacobianResult, JvpResult, ProductResult

    h = result.header
    lines: list[str] = []
    if isinstance(result, SymbolicJacobianResult):
        lines += _wide_note(len(h.columns))
        lines.append("J = " + symbolic_bmatrix(result))
    elif isinstance(result, JacobianResult):
        lines += _wide_note(len(h.columns))
        lines.append("J = " + _matrix(result.jacobian, digits))
    elif isinstance(result, ProductResult):
        lines += _wide_note(max(len(h.columns), len(h.rows)))
        if result.v is not None:
            lines.append(r"v^\top = " + _row(result.v, digits))
            lines.append(r"v^\top J = " + _row(result.vjp, digits))
        else:
            lines.append(r"\nabla y^\top = " + _row(result.vjp, digits))
        for name, shape, start in grad_layout(result)[1]:  # a matrix input's gradient as a matrix
            rows = grad_matrix(result.vjp[start : start + math.prod(shape)], shape)
            lines.append(r"\texttt{" + escape_tex(name) + ".grad} = " + _matrix([r for _, r in rows], digits))
    elif isinstance(result, CheckResult):
        lines += _check_latex(result, digits)
    elif isinstance(result, JvpResult):
        lines.append("u = " + _column(result.u, digits))
        lines.append("J u = " + _column(result.jvp, digits))
        if result.v is not None and result.vT_jvp is not None and result.vjp_u is not None:
            lines.append(r"v^\top (J u) = " + tex_number(result.vT_jvp, digits))
            lines.append(r"(v^\top J) u = " + tex_number(result.vjp_u, digits))
    elif isinstance(result, HessianResult):
        lines += _wide_note(len(h.columns))
        for label, hess in zip(h.rows, result.hessian):
            lines.append(r"\nabla^2 " + tex_label(label) + " = " + _matrix(hess, digits))
    else:
        raise ValueError(f"--format latex does not fit `vjp {h.command}`")
    return "\n".join(lines) + "\n"


def symbolic_bmatrix(result: SymbolicJacobianResult) -> str:
    """SymPy's LaTeX printer on the exact Jacobian (the SymPy entries, when the result carries them)."""
    import sympy

    if result.exprs is not None:
        return str(sympy.latex(sympy.Matrix(result.exprs), mat_str="bmatrix", mat_delim=""))
    # a result made without its SymPy entries (e.g. from JSON): its text, verbatim
    return bmatrix([[r"\mathtt{" + escape_tex(c) + "}" for c in row] for row in result.jacobian])


def _check_latex(result: CheckResult, digits: int | None) -> list[str]:
    lines = _wide_note(len(result.header.columns))
    lines += [
        r"\texttt{y.sum().backward()} = " + _row(result.sum_backward, digits),
        r"\texttt{y.backward(ones\_like(y))} = " + _row(result.ones_backward, digits),
        r"\mathbf{1}^\top J = " + _row(result.column_sums, digits),
        r"\nabla \textstyle\sum_i y_i \;(\text{SymPy}) = " + _row(result.symbolic, digits),
    ]
    if result.jacobian is not None:
        lines.append("J = " + _matrix(result.jacobian, digits))
    if result.symbolic_jacobian is not None:
        lines.append(r"J_{\text{SymPy}} = " + _matrix(result.symbolic_jacobian, digits))
    if result.finite_differences is not None:
        lines.append(r"J_{\text{FD}} = " + _matrix(result.finite_differences, digits))
    lines.append(f"% {'PASS' if result.match else 'FAIL'}: max |difference| = {_num(result.max_abs_diff, digits)}")
    return lines


# ---- Markdown (GitHub tables) -------------------------------------------------------------


def md_cell(s: str) -> str:
    """Text in a table cell: pipes escaped, newlines folded."""
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_code(s: str) -> str:
    """An expression as inline code (``*`` stays a star), safe inside a table cell."""
    s = s.replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in s else "`"
    return f"{fence}{s}{fence}" if fence == "`" else f"{fence} {s} {fence}"


def md_table(head: Sequence[str], rows: Iterable[Sequence[str]], left: int = 1) -> str:
    """A GitHub table; the first ``left`` columns are text (left-aligned), the rest numbers."""
    align = [":--" if i < left else "--:" for i in range(len(head))]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _point(h: Header, digits: int | None) -> str:
    from .numtext import point_text

    return point_text(h, HUMAN_DIGITS if digits is None else digits)


def _matrix_table(h: Header, cells: list[list[str]], value: list[str] | None) -> str:
    head = ["output", *([h.y] if value is not None else []), *(f"∂/∂{md_cell(c)}" for c in h.columns)]
    rows = [[md_code(h.titles[i]), *([value[i]] if value is not None else []), *cells[i]] for i in range(len(cells))]
    return md_table(head, rows)


def markdown(result: Result, digits: int | None) -> str:
    """A title line, then GitHub tables labelled as the terminal tables are (every entry, none clipped)."""
    from .engine_results import CheckResult, HessianResult, JacobianResult, JvpResult, ProductResult

    h = result.header
    n = lambda v: _num(v, digits)  # noqa: E731 - a short local spelling
    parts: list[str] = []
    if isinstance(result, SymbolicJacobianResult):
        parts.append("**Symbolic Jacobian (SymPy)**\n")
        parts.append(_matrix_table(h, [[md_code(c) for c in row] for row in result.jacobian], None))
    elif isinstance(result, JacobianResult):
        parts.append(f"**Jacobian{in_dtype(h)} at {md_cell(_point(h, digits))}** (method: {result.method})\n")
        value = [n(v) for v in h.value] if h.value is not None else None
        parts.append(_matrix_table(h, [[n(v) for v in row] for row in result.jacobian], value))
        if result.determinant is not None:
            parts.append(f"det J = {n(result.determinant)}\n")
        if result.rank is not None:
            parts.append(f"rank J = {result.rank}, condition number = {n(result.condition or math.nan)}\n")
    elif isinstance(result, ProductResult):
        parts += _product_md(result, n, digits)
    elif isinstance(result, CheckResult):
        parts += _check_md(result, n, digits)
    elif isinstance(result, JvpResult):
        parts.append(f"**J·u by forward mode{in_dtype(h)} at {md_cell(_point(h, digits))}**\n")
        parts.append(md_table(["input", "u"], [[md_cell(c), n(u)] for c, u in zip(h.columns, result.u)]))
        ys = h.value or [math.nan] * len(h.rows)
        parts.append(
            md_table(["output", h.y, "J·u"], [[md_code(t), n(y), n(j)] for t, y, j in zip(h.titles, ys, result.jvp)])
        )
        if result.v is not None and result.vT_jvp is not None and result.vjp_u is not None:
            verdict = "PASS" if result.match else "FAIL"
            parts.append(f"**{verdict}** vᵀ(Ju) = {n(result.vT_jvp)} and (vᵀJ)u = {n(result.vjp_u)}\n")
    elif isinstance(result, HessianResult):
        parts.append(f"**Hessians{in_dtype(h)} at {md_cell(_point(h, digits))}**\n")
        for label, title, hess in zip(h.rows, h.titles, result.hessian):
            parts.append(f"∂²{md_cell(label)}: {md_code(title)}\n")
            head = ["", *(f"∂/∂{md_cell(c)}" for c in h.columns)]
            parts.append(md_table(head, [[f"∂/∂{md_cell(c)}", *map(n, r)] for c, r in zip(h.columns, hess)]))
        parts.append(f"**{'PASS' if result.symmetric else 'FAIL'}** symmetric: H = Hᵀ within tolerance\n")
        parts.append(f"**{'PASS' if result.match else 'FAIL'}** equal to SymPy's exact second derivatives\n")
    else:
        raise ValueError(f"--format markdown does not fit `vjp {h.command}`")
    return "\n".join(parts)


def _product_md(result: ProductResult, n: Any, digits: int | None) -> list[str]:
    h = result.header
    at = md_cell(_point(h, digits))
    point = h.leaf_point or [math.nan] * len(h.columns)
    parts = []
    if result.v is not None:
        parts.append(f"**{h.y}.backward(v){in_dtype(h)} at {at}**\n")
        value = h.value or [math.nan] * len(h.rows)
        parts.append(
            md_table(["output", h.y, "v"], [[md_code(t), n(y), n(v)] for t, y, v in zip(h.titles, value, result.v)])
        )
    else:
        parts.append(f"**{h.y}.backward(){in_dtype(h)} at {at}** ({h.y} is a scalar: an implicit gradient of 1)\n")
    flat, matrices = grad_layout(result)
    if flat:
        parts.append(
            md_table(
                ["input", "value", "vᵀJ = grad"],
                [[md_cell(h.columns[j]), n(point[j]), n(result.vjp[j])] for j in flat],
            )
        )
    for name, shape, start in matrices:  # a matrix input's gradient as a matrix
        rows = grad_matrix(result.vjp[start : start + math.prod(shape)], shape)
        parts.append(f"**{md_cell(name)}.grad** (vᵀJ for {md_cell(name)}, shape {shape})\n")
        head = ["", *(f"{md_cell(name)}[{':,' * (len(shape) - 1)}{j}]" for j in range(shape[-1]))]
        body = [[f"{md_cell(name)}[{','.join(map(str, idx))},:]", *map(n, row)] for idx, row in rows]
        parts.append(md_table(head, body))
    return parts


def grad_layout(result: ProductResult) -> tuple[list[int], list[tuple[str, tuple[int, ...], int]]]:
    """vᵀJ's columns of scalar and vector inputs, and each matrix (or higher) input as
    (name, shape, first column): the ones to show in their own shape."""
    h = result.header
    flat: list[int] = []
    matrices: list[tuple[str, tuple[int, ...], int]] = []
    k = 0
    for name in result.grads():
        shape = tuple(h.input_shapes[name])
        size = math.prod(shape)
        if len(shape) <= 1:
            flat += range(k, k + size)
        else:
            matrices.append((name, shape, k))
        k += size
    return flat, matrices


def grad_matrix(values: Sequence[float], shape: tuple[int, ...]) -> list[tuple[tuple[int, ...], list[float]]]:
    """A tensor's flat values as rows of its last dimension, each with its leading index."""
    cols = shape[-1]
    lead: list[tuple[int, ...]] = [()]
    for size in shape[:-1]:
        lead = [(*idx, i) for idx in lead for i in range(size)]
    return [(idx, list(values[r * cols : (r + 1) * cols])) for r, idx in enumerate(lead)]


def _check_md(result: CheckResult, n: Any, digits: int | None) -> list[str]:
    h = result.header
    parts = [f"**d(Σ{h.y})/dx four ways{in_dtype(h)} at {md_cell(_point(h, digits))}**\n"]
    keys = ("sum_backward", "ones_backward", "column_sums", "symbolic")
    y = h.y
    head = ["input", f"{y}.sum().backward()", f"{y}.backward(ones_like({y}))", "1ᵀJ (column sums)", f"SymPy d(Σ{y})/dx"]
    parts.append(
        md_table(head, [[md_cell(c), *(n(getattr(result, k)[j]) for k in keys)] for j, c in enumerate(h.columns)])
    )
    if result.differences:
        rows = [
            [
                md_code(e["row"]),
                md_cell(e["column"]),
                n(e["autograd"]),
                n(e["symbolic"]),
                n(e["finite_difference"]),
                e.get("why") or ("at a kink (expected)" if e["at_kink"] else ""),
            ]
            for e in result.differences
        ]
        parts.append("Entries that differ:\n")
        parts.append(md_table(["output", "input", "autograd", "SymPy", "finite diff.", "note"], rows, left=2))
    verdict = "PASS" if result.match else "FAIL"
    parts.append(
        f"**{verdict}** max |difference| = {n(result.max_abs_diff)} "
        f"(atol = {_num(result.atol, None)}, rtol = {_num(result.rtol, None)})\n"
    )
    return parts


# ---- the examples table ----------------------------------------------------------------------


def examples_text(items: list[Any], fmt: str) -> str:
    rows = [
        [e.name + (" (default)" if e.default else ""), e.expression, e.at or "", e.v or "", e.description]
        for e in items
    ]
    if fmt == "markdown":
        head = ["name", "expression", "--at", "--v", "description"]
        body = [
            [md_cell(r[0]), md_code(r[1]), md_code(r[2]) if r[2] else "", md_code(r[3]) if r[3] else "", md_cell(r[4])]
            for r in rows
        ]
        return md_table(head, body, left=5)
    if fmt == "latex":
        out = [
            r"\begin{tabular}{lllll}",
            r"name & expression & \texttt{--at} & \texttt{--v} & description \\",
            r"\hline",
        ]
        for r in rows:
            cells = [
                escape_tex(r[0]),
                *(r"\texttt{" + escape_tex(c) + "}" if c else "" for c in r[1:4]),
                escape_tex(r[4]),
            ]
            out.append(" & ".join(cells) + r" \\")
        out.append(r"\end{tabular}")
        return "\n".join(out) + "\n"
    raise ValueError(fmt)
