"""The autograd graph as DOT: parsed back, one node per grad_fn (counted in plain torch), values, saved tensors."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
import torch

from autograd_cli import dot, engines
from autograd_cli.parsing import parse
from autograd_cli.points import merge, parse_point
from autograd_cli.problem import make_problem

pydot = pytest.importorskip("pydot")
# pydot's grammar trips pyparsing's own style diagnostics; they say nothing about our DOT
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydot.*", "ignore:.*setParseAction.*")

SEED = "x0**2+3*x1; x1**2+2*x0"


def graph_of(expr: str, at: str):
    return engines.graph(make_problem(parse(expr), parse_point(at), "float64"))


def parsed(text: str):
    (g,) = pydot.graph_from_dot_data(text)
    nodes = {n.get_name(): n for n in g.get_nodes() if n.get_name() not in ("node", "graph", "edge")}
    edges = [(e.get_source(), e.get_destination(), e.get_style()) for e in g.get_edges()]
    return g, nodes, edges


def label(node) -> list[str]:
    raw = node.get_label().strip('"')
    return [part for part in raw.split("\\l") if part != ""]


def grad_fn_names(y: torch.Tensor) -> Counter:
    """Distinct grad_fn nodes reachable from y, by type name (walked here, not by vjp)."""
    keep, seen, stack = [], set(), [y.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        keep.append(fn)
        seen.add(id(fn))
        stack.extend(f for f, _ in fn.next_functions)
    return Counter(type(fn).__name__ for fn in keep)


def test_one_node_per_grad_fn_of_the_seed_written_in_plain_torch():
    x = torch.tensor([2.0, 3.0], dtype=torch.float64, requires_grad=True)
    x0, x1 = x.unbind(0)
    y = torch.stack([x0**2 + 3 * x1, x1**2 + 2 * x0])
    _, nodes, edges = parsed(dot.to_dot(graph_of(SEED, "2,3")))
    grad_fns = Counter(label(n)[0] for name, n in nodes.items() if name.startswith("n"))
    assert grad_fns == grad_fn_names(y)
    # edges run from next_functions toward the output, and each grad_fn has its inputs
    solid = [(a, b) for a, b, style in edges if style != "dotted"]
    assert ("n0", "y") in solid
    assert sum(1 for a, b in solid if b == "n0") == 2  # stack of two components


def test_nodes_show_their_output_at_the_point_and_leaves_their_name_and_shape():
    _, nodes, _ = parsed(dot.to_dot(graph_of(SEED, "2,3")))
    assert label(nodes["n0"])[:2] == ["StackBackward0", "→ (2,) [13, 13]"]
    (leaf,) = [n for name, n in nodes.items() if name.startswith("leaf")]
    assert label(leaf) == ["x", "(2,) [2, 3]"]
    assert leaf.get_fillcolor() == "lightblue"
    assert label(nodes["y"]) == ["y", "(2,) [13, 13]"]
    pows = [label(n) for n in nodes.values() if label(n)[0] == "PowBackward0"]
    assert sorted(p[1] for p in pows) == ["→ () 4", "→ () 9"]
    assert all("exponent: 2" in p for p in pows)


def test_saved_tensors_are_orange_dotted_and_say_which_input():
    _, nodes, edges = parsed(dot.to_dot(graph_of(SEED, "2,3")))
    saved = {name: label(n) for name, n in nodes.items() if n.get_fillcolor() == "orange"}
    assert ["self = x0", "() 2"] in saved.values() and ["self = x1", "() 3"] in saved.values()
    dotted = [(a, b) for a, b, style in edges if style == "dotted"]
    assert {a for a, _ in dotted} == set(saved)


def test_every_grad_fn_of_a_larger_graph_matches_the_engines_own_walk():
    from autograd_cli.build import Built

    p = make_problem(
        parse("softmax(x) * w; sum(x*w)"), merge([parse_point("x=[1,2,3]"), parse_point("w=[0.5,-1,2]")]), "float64"
    )
    built = Built(p)
    y = built.of_leaves(*built.leaves())
    _, nodes, _ = parsed(dot.to_dot(engines.graph(p)))
    assert Counter(label(n)[0] for name, n in nodes.items() if name.startswith("n")) == grad_fn_names(y)
    leaves = sorted(label(n)[0] for name, n in nodes.items() if name.startswith("leaf"))
    assert leaves == ["w", "x"]


def test_constant_output_has_no_graph():
    p = make_problem(parse("3 + 4", ["x"]), parse_point("1"), "float64")
    text = dot.to_dot(engines.graph(p))
    _, nodes, _ = parsed(text)
    assert list(nodes) == ["y"]


def test_quoting():
    assert dot.quote('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert dot.quote("two\nlines") == '"two\\llines\\l"'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_dot_program_draws_it(fmt):
    data = dot.render(dot.to_dot(graph_of(SEED, "2,3")), fmt)
    if fmt == "svg":
        assert b"<svg" in data and b"StackBackward0" in data and b"AccumulateGrad" in data
    else:
        assert data.startswith(b"\x89PNG") and len(data) > 5000


def test_without_the_dot_program_the_message_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(Exception) as e:
        dot.render("digraph { a }", "svg")
    assert "install Graphviz" in str(e.value) and "--format dot" in str(e.value)
