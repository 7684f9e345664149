"""The autograd graph as Graphviz DOT, in the spirit of torchviz's ``make_dot``, and its drawing.

Like ``make_dot``: one grey box per ``grad_fn`` (edges run from a node's
``next_functions`` to it, so the drawing reads in the forward direction), a blue box per
leaf with its name and shape feeding its ``AccumulateGrad``, an orange box per saved tensor
(dotted, no arrow), and a green box for the output y. Beyond torchviz, each box also shows
the node's output shape and value at the point, and saved scalars (``alpha``, ``exponent``,
``dim``) sit in their node's label. Pure text from a ``GraphResult``: no torch here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

from .engine_results import GraphResult
from .errors import VjpError

MAX_SHOWN = 6  # values written into a label; more are elided with "…"
INSTALL_DOT = (
    "drawing the graph needs Graphviz's `dot` program: install Graphviz (apt-get install graphviz, "
    "brew install graphviz, conda install graphviz, or https://graphviz.org/download/); "
    "`vjp graph --format dot` prints the DOT text without it"
)


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as DOT's left-justified ``\\l``."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + body.replace("\n", "\\l") + ('\\l"' if "\n" in text else '"')


def _num(v: Any, digits: int | None) -> str:
    from .numtext import num

    return num(v, digits) if isinstance(v, float) else str(v)


def shape_text(shape: list[int]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def values_text(values: list[Any] | None, digits: int | None) -> str:
    if values is None:
        return "…"
    shown = ", ".join(_num(v, digits) for v in values[:MAX_SHOWN])
    if len(values) > MAX_SHOWN:
        shown += ", …"
    return shown if len(values) == 1 else f"[{shown}]"


def _tensor_line(entry: dict[str, Any], digits: int | None) -> str:
    shape = entry.get("shape", [])
    return f"{shape_text(shape)} {values_text(entry.get('value'), digits)}"


def _walk(tree: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(node, parent) for every node of the result's tree, parents first."""
    stack: list[tuple[dict[str, Any], dict[str, Any] | None]] = [(tree, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(node.get("children", [])))


def to_dot(result: GraphResult, digits: int | None = 4) -> str:
    """The DOT text of ``result``'s graph (``digits`` significant digits in the labels)."""
    h = result.header
    out = [
        "digraph autograd {",
        f"  graph [label={quote('vjp graph: ' + h.expression)}, labelloc=t, fontname=Helvetica, fontsize=12];",
        '  node [shape=box, style="filled", fillcolor=lightgrey, fontname=Helvetica, fontsize=10, height=0.2];',
        "  edge [fontname=Helvetica, fontsize=9];",
    ]
    tree = result.tree
    if "id" not in tree:  # no grad_fn: y does not depend on the inputs
        out.append(f"  y [label={quote(str(tree.get('name', 'y')))}, fillcolor=darkolivegreen1];")
        return "\n".join([*out, "}"]) + "\n"
    edges: list[str] = []
    drawn: set[int] = set()
    cut = 0
    for node, parent in _walk(tree):
        if "id" not in node:  # the "…" placeholder where the graph was cut
            cut += 1
            out.append(f"  cut{cut} [label={quote('… (graph cut here)')}, style=dashed];")
            if parent is not None:
                edges.append(f"  cut{cut} -> n{parent['id']};")
            continue
        nid = node["id"]
        if parent is not None:
            edges.append(f"  n{nid} -> n{parent['id']};")
        if nid in drawn:
            continue
        drawn.add(nid)
        out += _node(node, digits)
    y_value = values_text(h.value, digits) if h.value is not None else ""
    y_label = f"{_output_name(h)}\n{shape_text(list(h.output_shape))} {y_value}".rstrip()
    out.append(f"  y [label={quote(y_label)}, fillcolor=darkolivegreen1];")
    edges.append(f"  n{tree['id']} -> y;")
    return "\n".join([*out, *edges, "}"]) + "\n"


def _output_name(h: Any) -> str:
    """``y`` (or the name the problem gave the output: z, out, ...), from the row labels."""
    if not h.rows:
        return "y"
    return h.rows[0].split("[", 1)[0].rstrip("0123456789") or "y"


def _node(node: dict[str, Any], digits: int | None) -> list[str]:
    nid = node["id"]
    if "variable" in node:  # AccumulateGrad, and the leaf it adds into
        leaf = f"{node['variable']}\n{shape_text(node.get('shape', []))} {values_text(node.get('value'), digits)}"
        return [
            f"  n{nid} [label={quote(node['name'])}];",
            f"  leaf{nid} [label={quote(leaf)}, fillcolor=lightblue];",
            f"  leaf{nid} -> n{nid};",
        ]
    lines = [node["name"]]
    for i, o in enumerate(node.get("outputs", [])):
        lines.append(("→ " if i == 0 else "  ") + _tensor_line(o, digits))
    tensors = []
    for s in node.get("saved", []):
        if "shape" in s:
            tensors.append(s)
        else:
            value = s.get("value")
            shown = values_text(value, digits) if isinstance(value, list) else _num(value, digits)
            lines.append(f"{s['name']}: {shown}")
    out = [f"  n{nid} [label={quote(chr(10).join(lines))}];"]
    for k, s in enumerate(tensors):
        of = f" = {s['of']}" if "of" in s else ""
        label = f"{s['name']}{of}\n{_tensor_line(s, digits)}"
        out.append(f"  s{nid}_{k} [label={quote(label)}, fillcolor=orange];")
        out.append(f"  s{nid}_{k} -> n{nid} [style=dotted, dir=none];")
    return out


def require() -> None:
    """Fail early, saying what to install, when the graph cannot be drawn here."""
    import importlib.util

    if importlib.util.find_spec("graphviz") is None:
        raise VjpError(
            "drawing the graph needs the graphviz Python package: pip install 'autograd-cli[plot]' "
            "(or pip install graphviz), and Graphviz's `dot` program"
        )
    if shutil.which("dot") is None:
        raise VjpError(INSTALL_DOT)


def render(dot_text: str, fmt: str) -> bytes:
    """Draw DOT with Graphviz's ``dot`` program, through the ``graphviz`` package."""
    require()
    import graphviz

    try:
        data = graphviz.Source(dot_text).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise VjpError(INSTALL_DOT) from None
    return bytes(data)
