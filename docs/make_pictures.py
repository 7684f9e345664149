"""Make the pictures README.md shows, by running vjp itself: python docs/make_pictures.py [OUT_DIR].

Each picture is one `vjp ... --plot FILE` command, printed as it runs; tests/test_cli_pictures.py
re-runs this script into a temporary folder. The graph drawing needs Graphviz's `dot`
program; without it that picture is skipped, with a note.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "x0**2+3*x1; x1**2+2*x0"

# (file name, vjp arguments before --plot)
PICTURES: list[tuple[str, list[str]]] = [
    ("jacobian-softmax.png", ["jacobian", "softmax(x)", "--at", "x=[0.3,-1,0.8,0.1,-0.4,1.2]"]),
    ("jacobian-stencil.png", ["jacobian", "x[:-2] - 2*x[1:-1] + x[2:] + sin(x[1:-1]/10)", "--at", "x=arange(100)"]),
    ("check-kink.png", ["check", "abs(x0) + relu(x1); max(x0, x1)", "--at", "0,0"]),
    ("graph-seed.png", ["graph", SEED, "--at", "2,3"]),
]


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    state = tempfile.mkdtemp()  # vjp remembers the last function: not in docs/
    env = {k: v for k, v in os.environ.items() if not k.startswith("VJP_")}
    env["VJP_STATE_DIR"] = state
    for name, args in PICTURES:
        if args[0] == "graph" and shutil.which("dot") is None:
            print(f"skipped {name}: Graphviz's dot program is not installed", file=sys.stderr)
            continue
        cmd = [sys.executable, "-m", "autograd_cli", *args, "--plot", str(out / name), "--format", "json", "--quiet"]
        print("vjp " + " ".join(_quote(a) for a in [*args, "--plot", f"docs/{name}"]))
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
        if done.returncode not in (0, 1):  # a check may fail on purpose (exit 1) and still draw
            print(f"failed: {name} (exit {done.returncode})", file=sys.stderr)
            return done.returncode
    shutil.rmtree(state, ignore_errors=True)
    return 0


def _quote(arg: str) -> str:
    return arg if all(c.isalnum() or c in "-_.,=/" for c in arg) else f'"{arg}"'


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"))
