"""Snapshot tests of vjp explore's main screen (pytest-textual-snapshot): the worked example at 80x24
and 120x40, as SVG files under tests/__snapshots__. After a deliberate change of the screen, look at
the report pytest writes, then: python -m pytest tests/test_explore_snapshots.py --snapshot-update
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_explore import make_app, settle
from textual.widgets import Input

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_main_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=settle)


def test_parse_error_keeps_the_last_good_result(snap_compare: Any) -> None:
    async def garbage(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.query_one("#expression", Input).cursor_blink = False  # the same picture at any moment
        await pilot.press("e", "end", "+", "*")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=garbage)


def test_the_readme_screenshot_is_what_the_script_makes(tmp_path: Path) -> None:
    """docs/make_screenshot.py re-run: the SVG README.md shows is the explorer as it is now."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_screenshot.py"), str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    made = (tmp_path / "explore.svg").read_text(encoding="utf-8")
    assert "x0**2+3*x1" in made.replace("&#160;", " ")
    assert made == (ROOT / "docs" / "explore.svg").read_text(encoding="utf-8"), (
        "the explorer's screen changed: run python docs/make_screenshot.py and look at docs/explore.svg"
    )
