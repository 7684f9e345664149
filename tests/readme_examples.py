"""Run the ```console and ```python blocks of README.md as a user would, and compare what they print.

Each ``$ command`` line runs in bash, in one scratch directory and one fresh HOME for the
whole README (so remembered state flows from one example to the next, as for a reader
who types them in order), with `vjp` on PATH running this checkout. Only stdout is
compared (commands that show notes redirect stderr with 2>&1).

The ```python blocks are doctests (``>>>`` lines and their output): they run in order, in
one namespace, in one fresh Python process with the same scratch directory and HOME.

    python tests/readme_examples.py           # check, print differences
    python tests/readme_examples.py --update  # rewrite the outputs in README.md from real runs
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@dataclass
class Example:
    command: str
    expected: str
    start: int  # offsets of the output text in README.md
    end: int


def examples(text: str) -> list[Example]:
    out: list[Example] = []
    for block in BLOCK.finditer(text):
        body, base = block.group(1), block.start(1)
        lines = body.splitlines(keepends=True)
        pos = base
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.startswith("$ "):
                pos += len(line)
                i += 1
                continue
            command = line[2:].rstrip("\n")
            pos += len(line)
            i += 1
            while command.endswith("\\") and i < len(lines):
                command = command[:-1] + "\n" + lines[i].rstrip("\n")
                pos += len(lines[i])
                i += 1
            start = pos
            expected = []
            while i < len(lines) and not lines[i].startswith("$ "):
                expected.append(lines[i])
                pos += len(lines[i])
                i += 1
            out.append(Example(command, "".join(expected), start, pos))
    return out


def environment(home: Path, bindir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VJP_") and k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        COLUMNS="80",
        LINES="40",
        TERM="dumb",
        PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_all(text: str) -> list[tuple[Example, str]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        home, work, bindir = Path(tmp, "home"), Path(tmp, "work"), Path(tmp, "bin")
        for d in (home, work, bindir):
            d.mkdir()
        shim = bindir / "vjp"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m autograd_cli "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
        env = environment(home, bindir)
        for ex in examples(text):
            p = subprocess.run(
                ["bash", "-o", "pipefail", "-c", ex.command],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            results.append((ex, p.stdout))
    return results


_DOCTEST_DRIVER = r"""
import doctest, json, sys
blocks = json.loads(sys.stdin.read())
parser = doctest.DocTestParser()
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
globs = {"__name__": "__readme__"}
for i, (line, text) in enumerate(blocks):
    test = parser.get_doctest(text, globs, f"README.md python block {i + 1}", "README.md", line)
    runner.run(test, clear_globs=False)
    globs.update(test.globs)  # DocTest works on a copy: carry names over to the next block
print(f"DOCTEST {runner.failures} {runner.tries}")
"""


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, text) of each ```python block that holds doctest examples."""
    return [(text.count("\n", 0, m.start(1)), m.group(1)) for m in PYTHON_BLOCK.finditer(text) if ">>> " in m.group(1)]


def run_python(text: str) -> tuple[int, int, str]:
    """Run the README's Python blocks: (failures, examples tried, doctest's report)."""
    import json

    with tempfile.TemporaryDirectory() as tmp:
        home, work = Path(tmp, "home"), Path(tmp, "work")
        for d in (home, work):
            d.mkdir()
        p = subprocess.run(
            [sys.executable, "-c", _DOCTEST_DRIVER],
            input=json.dumps(python_blocks(text)),
            cwd=work,
            env=environment(home, Path(tmp)),
            capture_output=True,
            text=True,
            timeout=600,
        )
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    if p.returncode != 0 or not last.startswith("DOCTEST "):
        return 1, 0, p.stdout + p.stderr
    _, failures, tries = last.split()
    return int(failures), int(tries), p.stdout


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def main() -> int:
    text = README.read_text(encoding="utf-8")
    results = run_all(text)
    if "--update" in sys.argv:
        for ex, got in reversed(results):
            text = text[: ex.start] + got + text[ex.end :]
        README.write_text(text, encoding="utf-8")
        print(f"updated {len(results)} examples")
        return 0
    bad = 0
    for ex, got in results:
        if normalise(got) != normalise(ex.expected):
            bad += 1
            print(f"--- $ {ex.command}\n--- README:\n{ex.expected}--- now:\n{got}")
    print(f"{len(results) - bad} of {len(results)} README examples match")
    failures, tries, report = run_python(text)
    if failures:
        print(report)
    print(f"{tries - failures} of {tries} README Python examples pass")
    return 1 if bad or failures else 0


if __name__ == "__main__":
    sys.exit(main())
