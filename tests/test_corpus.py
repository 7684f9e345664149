"""Published expressions (tests/corpus/published.py) through `vjp jacobian --format json`, in-process.

Each case is compared with its hand-written torch reference. Most are refused today (the
language has no `.`); they are marked xfail until the torch-shaped language (issue 9) and
--wrt (issue 10) land: set XFAIL below to False then. `python tests/corpus/report.py`
prints the counts and the refusals grouped by the token where vjp stopped.
"""

from __future__ import annotations

import pytest
from corpus.harness import run
from corpus.published import ENTRIES, to_cases

XFAIL = False  # flip when issue 9/10 land; then every published expression must be right
# case ids for which a clear refusal (exit 2) is an acceptable answer once XFAIL is off: a
# decision that some published spelling stays outside the language (say why next to each)
MAY_REFUSE: set[str] = set()

CASES = {case.id: case for entry in ENTRIES for case in to_cases(entry)}
PRIMARY = [entry.id for entry in ENTRIES]
ALTERNATIVES = {entry.id: [c for c in CASES if c.startswith(entry.id + "~")] for entry in ENTRIES}

pytestmark = pytest.mark.corpus
NOT_YET = pytest.mark.xfail(XFAIL, strict=False, reason="the torch-shaped language (issues 9, 10) is not in yet")


@NOT_YET
@pytest.mark.parametrize("case_id", PRIMARY)
def test_published_expression(case_id: str) -> None:
    case = CASES[case_id]
    outcome = run(case)
    if outcome.status == "refused" and case_id in MAY_REFUSE:
        return
    if outcome.status == "wrong":
        for alt in ALTERNATIVES[case_id]:  # another documented reading of the same text
            if run(CASES[alt]).status == "right":
                return
    assert outcome.status == "right", (
        f"{outcome.status}: {outcome.message}\n  {case.command_line()}\n  source: {case.source}"
    )


def test_corpus_size_and_sources() -> None:
    """The corpus keeps its breadth: at least 150 expressions, from every kind of source."""
    groups = {case.group for case in CASES.values()}
    assert len(ENTRIES) >= 150
    assert {
        "PyTorch API docs",
        "PyTorch tutorials",
        "torch.func docs",
        "d2l.ai",
        "JAX docs",
        "HIPS autograd",
        "SymPy docs",
    } <= groups
    assert len(PRIMARY) == len(set(PRIMARY)), "entry ids are unique"
