"""README.md's examples are real output: run every ```console block and compare."""

import shutil

import pytest
from readme_examples import README, examples, normalise, run_all


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
