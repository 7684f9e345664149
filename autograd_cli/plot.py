"""Results -> heatmap pictures (PNG, SVG, PDF) with matplotlib. The only module that imports it.

matplotlib is an extra (``pip install 'autograd-cli[plot]'``) and is imported only when a
picture is asked for, through its object API (``matplotlib.figure.Figure``), so nothing
here touches pyplot's global state or needs a display. Every heatmap uses a diverging
colour map centred at zero (RdBu: blue negative, white zero, red positive), labels rows and
columns with the names the tables use (thinned when there are many), has a colour bar and
names the point in its title. Matrices of more than ``SPARSITY_AT`` entries also get their
sparsity pattern.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from .engine_results import CheckResult, HessianResult, JacobianResult, ProductResult
from .errors import VjpError
from .results import Header, Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

EXTENSIONS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
SPARSITY_AT = 2_500  # entries above which the sparsity pattern is drawn too
MAX_TICKS = 24  # labels per axis before thinning
ANNOTATE_AT = 64  # matrices up to this many entries get their numbers written in the cells
MAX_PANELS = 12  # Hessians drawn (one per output)
CMAP = "RdBu_r"
INSTALL = "pip install 'autograd-cli[plot]' (or pip install matplotlib)"


class PlotError(VjpError):
    """A picture cannot be made as asked (unknown extension, matplotlib missing, unwritable file)."""


def picture_format(target: str, extensions: Sequence[str] = tuple(EXTENSIONS)) -> str:
    """``png``/``svg``/``pdf`` from the file name (``-`` is PNG on stdout); other names are refused."""
    if target == "-":
        return "png"
    ext = os.path.splitext(target)[1].lower()
    if ext not in extensions:
        got = f"'{ext}'" if ext else "no extension"
        raise PlotError(
            f"--plot {target}: {got} is not a picture format vjp writes; "
            f"name the file with one of {', '.join(extensions)} (or '-' for PNG on stdout)"
        )
    return ext[1:]


def require_matplotlib() -> None:
    """Fail early, with the install command, before any work is done."""
    if importlib.util.find_spec("matplotlib") is None:
        raise PlotError(f"--plot needs matplotlib, which is not installed: {INSTALL}")


# ---- drawing ------------------------------------------------------------------------------


def _point(h: Header) -> str:
    from .numtext import point_text

    text = point_text(h, 4)
    return text if len(text) <= 70 else text[:69] + "…"


def _labels(names: Sequence[str], limit: int = 28) -> list[str]:
    return [n if len(n) <= limit else n[: limit - 1] + "…" for n in names]


def _ticks(count: int) -> list[int]:
    if count <= MAX_TICKS:
        return list(range(count))
    step = math.ceil(count / MAX_TICKS)
    return list(range(0, count, step))


def heatmap(
    fig: Figure,
    ax: Axes,
    matrix: Sequence[Sequence[float]],
    rows: Sequence[str],
    cols: Sequence[str],
    title: str,
    bar_label: str = "",
) -> Any:
    """One matrix on ``ax``: RdBu centred at 0, labelled and thinned ticks, a colour bar."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import TwoSlopeNorm

    data = np.array(matrix, dtype=float).reshape(len(matrix), len(matrix[0]) if len(matrix) else 0)
    finite = data[np.isfinite(data)]
    vmax = float(np.abs(finite).max()) if finite.size else 0.0
    vmax = vmax if vmax > 0 else 1.0
    cmap = colormaps[CMAP].with_extremes(bad="gold")  # nan/inf stand out, as in the terminal picture
    shown = np.where(np.isfinite(data), data, np.nan)
    m, n = data.shape
    aspect: Any = "equal" if max(m, n) <= 4 * max(1, min(m, n)) else "auto"
    im = ax.imshow(shown, cmap=cmap, norm=TwoSlopeNorm(0.0, -vmax, vmax), interpolation="nearest", aspect=aspect)
    rt, ct = _ticks(m), _ticks(n)
    ax.set_yticks(rt, [_labels(rows)[i] for i in rt], fontsize=8)
    ax.set_xticks(ct, [_labels(cols, 16)[j] for j in ct], fontsize=8, rotation=90 if n > 6 else 0)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.set_title(title, fontsize=10)
    if m * n <= ANNOTATE_AT:
        from .numtext import num

        for i in range(m):
            for j in range(n):
                v = data[i, j]
                dark = math.isfinite(v) and abs(v) > 0.6 * vmax
                ax.text(
                    j, i, num(float(v), 3), ha="center", va="center", fontsize=8, color="white" if dark else "black"
                )
    bar = fig.colorbar(im, ax=ax, shrink=0.8)
    if bar_label:
        bar.set_label(bar_label, fontsize=8)
    return im


def sparsity(ax: Axes, matrix: Sequence[Sequence[float]], title: str) -> None:
    import numpy as np

    data = np.array(matrix, dtype=float)
    nz = data != 0  # nan counts as non-zero
    ax.spy(
        nz,
        markersize=max(0.5, 200 / max(data.shape)),
        aspect="auto" if max(data.shape) > 4 * min(data.shape) else "equal",
    )
    ax.set_title(f"{title}: {int(nz.sum())} of {nz.size} entries non-zero", fontsize=10)
    ax.tick_params(labelsize=8)


def _new_figure(panels: int, big: bool = False) -> tuple[Figure, list[Axes]]:
    from matplotlib.figure import Figure

    cols = min(panels, 3)
    rows = math.ceil(panels / cols)
    size = 6.4 if not big else 7.5
    fig = Figure(figsize=(size * cols, size * 0.85 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).reshape(-1).tolist()
    for ax in axes[panels:]:
        ax.set_visible(False)
    return fig, axes[:panels]


def _matrix_figure(
    h: Header, matrix: list[list[float]], title: str, bar: str, rows: list[str], cols: list[str]
) -> Figure:
    m, n = len(matrix), len(matrix[0]) if matrix else 0
    big = m * n > SPARSITY_AT
    fig, axes = _new_figure(2 if big else 1, big)
    heatmap(fig, axes[0], matrix, rows, cols, title, bar)
    if big:
        sparsity(axes[1], matrix, "sparsity pattern")
    return fig


def _row_names(h: Header) -> list[str]:
    """The tables' row titles (y₀ = x0**2 + 3*x1) when short enough to read, else the labels (y0)."""
    if len(h.titles) <= MAX_TICKS and max((len(t) for t in h.titles), default=0) <= 28:
        return list(h.titles)
    return list(h.rows)


def figure(result: Result) -> Figure:
    """The picture of ``result`` (a Jacobian, Hessians, vᵀJ, or a check's differences)."""
    h = result.header
    cols = [f"∂/∂{c}" for c in h.columns]
    if isinstance(result, JacobianResult):
        return _matrix_figure(h, result.jacobian, f"Jacobian J at {_point(h)}", "∂y/∂x", _row_names(h), cols)
    if isinstance(result, HessianResult):
        return _hessian_figure(result)
    if isinstance(result, ProductResult):
        return _product_figure(result)
    if isinstance(result, CheckResult):
        return _check_figure(result)
    raise PlotError(f"--plot does not fit `vjp {h.command}`; it draws jacobian, hessian, check and product")


def _hessian_figure(result: HessianResult) -> Figure:
    h = result.header
    shown = result.hessian[:MAX_PANELS]
    names = [f"∂/∂{c}" for c in h.columns]
    n = len(h.columns)
    big = n * n > SPARSITY_AT and len(shown) == 1
    fig, axes = _new_figure(2 if big else len(shown), big)
    for k, hess in enumerate(shown):
        title = f"Hessian of {h.rows[k]} at {_point(h)}" if k == 0 else f"Hessian of {h.rows[k]}"
        heatmap(fig, axes[k], hess, names, names, title, "∂²y/∂x∂x")
    if big:
        sparsity(axes[1], shown[0], "sparsity pattern")
    if len(result.hessian) > MAX_PANELS:
        fig.suptitle(f"the first {MAX_PANELS} of {len(result.hessian)} outputs (see --format json)", fontsize=9)
    return fig


def _product_figure(result: ProductResult) -> Figure:
    """vᵀJ: one strip for scalar inputs, or each tensor input's gradient in its own shape."""
    h = result.header
    what = "vᵀJ" if result.v is not None else "∇y"
    title = f"{what} = x.grad after {result.method} at {_point(h)}"
    if result.v is not None and len(result.v) <= 8:
        from .numtext import num

        title += f"\nv = ({', '.join(num(v, 4) for v in result.v)})"
    if not h.tensor_inputs:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(max(4.0, min(12.0, 1.0 + 0.8 * len(h.columns))), 2.6), layout="constrained")
        ax = fig.subplots()
        heatmap(fig, ax, [result.vjp], [what], h.columns, title, what)
        return fig
    grads = result.grads()
    fig, axes = _new_figure(len(grads))
    for k, (name, g) in enumerate(grads.items()):
        shape = h.input_shapes[name]
        flat = _flatten(g)
        if len(shape) == 2:
            matrix = [flat[i * shape[1] : (i + 1) * shape[1]] for i in range(shape[0])]
            rows, cols = [f"{name}[{i}]" for i in range(shape[0])], [str(j) for j in range(shape[1])]
        else:
            matrix, rows = [flat], [name]
            cols = [c for c in h.columns if c == name or c.startswith(name + "[")]
        heatmap(fig, axes[k], matrix, rows, cols, title if k == 0 else f"{what} for {name}", f"{name}.grad")
    return fig


def _flatten(value: Any) -> list[float]:
    if isinstance(value, list):
        return [v for item in value for v in _flatten(item)]
    return [float(value)]


def _check_figure(result: CheckResult) -> Figure:
    """The per-entry difference between autograd's Jacobian and each reference."""
    h = result.header
    verdict = "PASS" if result.match else "FAIL"
    rows, cols = _row_names(h), [f"∂/∂{c}" for c in h.columns]
    panels: list[tuple[list[list[float]], str]] = []
    if result.jacobian is not None:
        for ref, name in ((result.symbolic_jacobian, "SymPy"), (result.finite_differences, "central differences")):
            if ref is not None:
                diff = [[a - b for a, b in zip(ra, rb)] for ra, rb in zip(result.jacobian, ref)]
                panels.append((diff, f"J (autograd) − J ({name})"))
    if not panels:  # no Jacobian: the gradients of Σy, against SymPy's
        diff = [[a - b for a, b in zip(result.sum_backward, result.symbolic)]]
        panels.append((diff, "d(Σy)/dx: y.sum().backward() − SymPy"))
        rows = ["d(Σy)/dx"]
    m, n = len(panels[0][0]), len(panels[0][0][0]) if panels[0][0] else 0
    big = m * n > SPARSITY_AT
    fig, axes = _new_figure(len(panels) + (1 if big else 0), big)
    for k, (diff, name) in enumerate(panels):
        worst = max((abs(v) for row in diff for v in row if math.isfinite(v)), default=0.0)
        heatmap(fig, axes[k], diff, rows, cols, f"{name}\nmax |difference| = {worst:.3g}", "difference")
    if big:
        sparsity(axes[-1], panels[0][0], "non-zero differences")
    fig.suptitle(f"check at {_point(h)}: {verdict} (atol={result.atol:g}, rtol={result.rtol:g})", fontsize=11)
    return fig


# ---- writing ----------------------------------------------------------------------------


def save(fig: Figure, stream: IO[bytes], fmt: str) -> None:
    """Write ``fig`` to a binary stream; SVG and PDF carry no date, so the same result gives the same file."""
    import matplotlib

    metadata: dict[str, Any] = (
        {"Software": None} if fmt == "png" else {"Date": None} if fmt == "svg" else {"CreationDate": None}
    )
    with matplotlib.rc_context({"svg.hashsalt": "vjp", "svg.fonttype": "none"}):
        fig.savefig(stream, format=fmt, dpi=100, metadata=metadata)


def write_bytes(data: bytes, target: str, stdout: IO[bytes], fmt: str) -> str:
    """A picture made elsewhere (the graph, by Graphviz) into ``target``, as :func:`write` does."""
    if target == "-":
        stdout.write(data)
        stdout.flush()
        return "PNG to stdout"
    try:
        with open(target, "wb") as f:
            f.write(data)
    except OSError as e:
        raise PlotError(f"cannot write --plot {target}: {e.strerror or e}") from None
    return f"{target} ({fmt.upper()})"


def write(result: Result, target: str, stdout: IO[bytes] | None = None) -> str:
    """Draw ``result`` into ``target`` (``-``: PNG on ``stdout``); returns what was written, for a note."""
    fmt = picture_format(target)
    require_matplotlib()
    fig = figure(result)
    if target == "-":
        assert stdout is not None
        save(fig, stdout, fmt)
        stdout.flush()
        return "PNG to stdout"
    try:
        with open(target, "wb") as f:
            save(fig, f, fmt)
    except OSError as e:
        raise PlotError(f"cannot write --plot {target}: {e.strerror or e}") from None
    return f"{target} ({fmt.upper()})"
