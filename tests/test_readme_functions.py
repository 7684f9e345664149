"""README's table of functions is generated from the catalogue: the two stay equal.

python tests/test_readme_functions.py --update   # rewrite the table in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- functions:start -->\n", "<!-- functions:end -->\n"


def _split(text: str) -> tuple[str, str, str]:
    head, _, rest = text.partition(START)
    body, _, tail = rest.partition(END)
    return head, body, tail


def test_readme_table_equals_the_catalogue():
    from autograd_cli import catalogue

    _, body, _ = _split(README.read_text(encoding="utf-8"))
    assert body == catalogue.markdown_table(), (
        "README's functions table is stale: python tests/test_readme_functions.py --update"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(README.parent))
    from autograd_cli import catalogue

    head, _, tail = _split(README.read_text(encoding="utf-8"))
    README.write_text(head + START + catalogue.markdown_table() + END + tail, encoding="utf-8")
    print("README.md: functions table updated")
