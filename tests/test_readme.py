"""README.md's examples are real output: the ```console blocks are run and compared, the ```python
blocks run as doctests."""

import shutil

import pytest
from readme_examples import README, examples, normalise, python_blocks, run_all, run_python


def test_readme_has_examples():
    text = README.read_text(encoding="utf-8")
    assert len(examples(text)) >= 20


@pytest.mark.skipif(shutil.which("jq") is None, reason="the Scripting examples pipe into jq, which is not installed")
def test_readme_examples_print_what_the_readme_shows():
    text = README.read_text(encoding="utf-8")
    mismatches = [
        (ex.command, ex.expected, got) for ex, got in run_all(text) if normalise(got) != normalise(ex.expected)
    ]
    assert not mismatches, "\n\n".join(f"$ {c}\n--- README:\n{e}--- now:\n{g}" for c, e, g in mismatches)


def test_readme_has_python_examples():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    assert any("jacobian_batch" in text and "map_blocks" in text for _, text in blocks)


def test_readme_python_blocks_run_as_shown():
    pytest.importorskip("dask.array", reason="the Dask recipe needs the test extra's dask")
    failures, tries, report = run_python(README.read_text(encoding="utf-8"))
    assert tries >= 15, report
    assert failures == 0, report
