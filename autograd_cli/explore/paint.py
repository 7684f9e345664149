"""What each pane shows, as Rich renderables (render.py's where they fit), and drawn into lines off the UI thread.

A long explanation or a large graph takes a few hundred milliseconds to lay out; the worker
draws it here at the pane's width, so the UI thread only copies finished lines.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.console import Console, Group
from rich.syntax import Syntax
from rich.text import Text

from .. import render
from ..engine_results import HessianResult

WIDE = 400  # code and graph lines are not wrapped: the pane scrolls sideways


def one_hessian(result: HessianResult, i: int) -> HessianResult:
    """The Hessian of output ``i`` alone, as the engine computed it."""
    h = result.header
    header = replace(h, rows=[h.rows[i]], titles=[h.titles[i]], value=None if h.value is None else [h.value[i]])
    return replace(result, header=header, hessian=[result.hessian[i]], symbolic=[result.symbolic[i]])


def hessian_renderable(result: HessianResult, output: int) -> Any:
    m = len(result.hessian)
    if not m:
        return Text("no outputs", style="dim")
    head = Text(f"output {output + 1} of {m}  (< and > choose the output)", style="dim")
    return Group(head, render.renderable(one_hessian(result, output)))


def pane_renderable(name: str, value: Any, output: int = 0) -> Any:
    """The renderable for pane ``name``: the script as Python, a Hessian of one output, or render.py's view."""
    if name == "code":
        return Syntax(str(value), "python", theme="ansi_dark", background_color="default", word_wrap=False)
    if name == "hessian" and isinstance(value, HessianResult):
        return hessian_renderable(value, min(output, max(0, len(value.hessian) - 1)))
    return render.renderable(value)


def lines(renderable: Any, width: int, wide: bool = False) -> Text:
    """``renderable`` drawn at ``width`` (or unwrapped, ``wide``), as one Text of styled lines."""
    console = Console(width=WIDE if wide else max(20, width), color_system="truecolor", force_terminal=True)
    options = console.options.update(width=WIDE if wide else max(20, width))
    out = Text(no_wrap=True, overflow="crop", end="")
    for k, segments in enumerate(console.render_lines(renderable, options, pad=False)):
        line = Text()
        for segment in segments:
            if not segment.control:
                line.append(segment.text, segment.style)
        line.rstrip()
        if k:
            out.append("\n")
        out.append_text(line)
    return out
