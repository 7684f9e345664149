"""Make the screenshot of `vjp explore` that README.md shows: python docs/make_screenshot.py [OUT_DIR].

It runs the explorer headless (Textual's App.run_test) on the worked example at 100x30, waits
for every computation to show, and writes Textual's SVG export to OUT_DIR/explore.svg (default:
docs/). tests/test_explore_snapshots.py re-runs it and compares the result with docs/explore.svg.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (100, 30)


def normalize(svg: str) -> str:
    """Without the id Rich's SVG export makes up for each file (as pytest-textual-snapshot compares)."""
    return re.sub(r"\bterminal-\d+-([\w-]+)", r"terminal-\1", svg)


async def screenshot() -> str:
    sys.path.insert(0, str(ROOT))
    from autograd_cli import request
    from autograd_cli.explore.app import ExploreApp, setup_of

    prep = request.prepare(
        expr="x0**2+3*x1; x1**2+2*x0", at=("2,3",), v="1,0", env={}, path=Path("/nonexistent/last.json")
    )
    app = ExploreApp(setup_of(prep))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(500):  # until every computation asked for has shown (a bound, not a time limit)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not app.busy and not any(w.is_running for w in app.workers):
                break
        await pilot.pause()
        return normalize(app.export_screenshot(title="vjp explore"))


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    (out / "explore.svg").write_text(asyncio.run(screenshot()), encoding="utf-8")
    print(f"wrote {out / 'explore.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"))
