"""vjp's speed, measured as ratios against baselines run alongside, with medians.

    python benchmarks/bench.py                  # everything (a few minutes)
    python benchmarks/bench.py startup stream   # some sections: startup, methods, stream, big

Sections (the issues that set each goal):
  startup  vjp --help, <command> --help, examples, a parse error and the worked example,
           each as a ratio to `python -c "import torch"` (or "import torch, sympy"),
           median of 5 runs alternating with the baseline (issue 6)
  methods  the Jacobian of y_i = x_i**2*sin(x_{i+1}) + exp(x_{i+2})/3, m = n in 16..1024,
           written as one vector expression and component by component, by each method,
           beside torch.func.jacrev on the same function written in torch (issue 3)
  stream   100,000 points of the worked example through --at - with JSON Lines out:
           points/s after start-up, and peak memory against 10,000 points (issue 4)
  big      a 1,000-component banded map: parse + build, and its Jacobian with auto,
           beside SymPy's own parse_expr of the same (generated, trusted) text (issue 6)

Timings are never asserted by tests; this script is where speed is measured.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SEED = "x0**2+3*x1; x1**2+2*x0"
ROOT = Path(__file__).resolve().parent.parent


def vjp_command() -> list[str]:
    """The installed console script next to this Python, else `python -m autograd_cli`."""
    script = Path(sys.executable).parent / "vjp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "autograd_cli"]


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("VJP_")}
    e["VJP_STATE_DIR"] = tempfile.mkdtemp(prefix="vjp-bench-")
    return e


def wall(cmd: list[str], stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(), check=False)
    return time.perf_counter() - start


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


# ---- startup -------------------------------------------------------------------------------


def startup(runs: int = 5) -> str:
    py = sys.executable
    vjp = vjp_command()
    base_torch = [py, "-c", "import torch"]
    base_both = [py, "-c", "import torch, sympy"]
    cases = [
        ("vjp --help", [*vjp, "--help"], base_torch, 0.15),
        ("vjp jacobian --help", [*vjp, "jacobian", "--help"], base_torch, 0.15),
        ("vjp examples", [*vjp, "examples"], base_torch, 0.15),
        ('vjp jacobian "sin(" --at 1 (parse error)', [*vjp, "jacobian", "sin(", "--at", "1"], base_torch, 0.35),
        ("worked example", [*vjp, "jacobian", SEED, "--at", "2,3"], base_both, 1.10),
    ]
    rows = []
    for name, cmd, base, goal in cases:
        wall(cmd)  # warm the file cache
        ours, theirs = [], []
        for _ in range(runs):  # alternate, so load changes hit both alike
            ours.append(wall(cmd))
            theirs.append(wall(base))
        m_ours, m_base = statistics.median(ours), statistics.median(theirs)
        ratio = m_ours / m_base
        label = "import torch" if base is base_torch else "import torch, sympy"
        rows.append(
            [
                name,
                f"{m_ours:.3f} s",
                f"{m_base:.3f} s ({label})",
                f"{ratio:.2f}x",
                f"≤ {goal:.2f}x",
                "yes" if ratio <= goal else "NO",
            ]
        )
    return table(["command", "median", "baseline median", "ratio", "goal", "met"], rows)


# ---- Jacobian methods ------------------------------------------------------------------------


def banded_components(n: int) -> str:
    return "; ".join(f"x{i}**2*sin(x{i + 1}) + exp(x{i + 2})/3" for i in range(n))


def methods(sizes: tuple[int, ...] = (16, 128, 512, 1024), repeat: int = 5) -> str:
    import torch

    from autograd_cli import engines
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    def hand(x: torch.Tensor) -> torch.Tensor:
        return x[:-2] ** 2 * torch.sin(x[1:-1]) + torch.exp(x[2:]) / 3

    warm = make_problem(parse("x0*x1; sin(x1)"), parse_point("1,2"))
    for m in ("rows", "batched", "forward"):
        engines.compute_jacobian(warm, m)
    torch.func.jacrev(hand)(torch.rand(5, dtype=torch.float64))

    rows = []
    for n in sizes:
        point = torch.linspace(-1, 1, n + 2, dtype=torch.float64)
        values = ",".join(repr(float(v)) for v in point)
        forms = {
            "vector": make_problem(parse("x[:-2]**2*sin(x[1:-1]) + exp(x[2:])/3"), parse_point(f"x=[{values}]")),
            "components": make_problem(parse(banded_components(n)), parse_point(values)),
        }
        jacrev = median_time(lambda point=point: torch.func.jacrev(hand)(point), repeat)
        for form, problem in forms.items():
            cells = [str(n), form]
            for m in ("rows", "batched", "forward", "auto"):
                if m == "rows" and form == "components" and n > 128:
                    cells.append("(skipped: m walks of a large graph)")
                    continue
                t = median_time(lambda m=m, p=problem: engines.compute_jacobian(p, m), repeat if n < 1024 else 3)
                ran = engines.choose_method(problem) if m == "auto" else m
                cells.append(f"{t * 1000:.1f} ms" + (f" ({ran})" if m == "auto" else ""))
                if m == "auto":
                    auto = t
            cells.append(f"{jacrev * 1000:.1f} ms")
            cells.append(f"{auto / jacrev:.1f}x")
            rows.append(cells)
    return table(
        ["n = m", "form", "rows", "batched", "forward", "auto", "jacrev (hand-written torch)", "auto / jacrev"], rows
    )


# ---- many points -------------------------------------------------------------------------------


def peak_rss_kb(cmd: list[str], stdin: bytes) -> int:
    """Peak resident memory of one child process (os.wait4 reports that child alone)."""
    with tempfile.TemporaryFile() as f:
        f.write(stdin)
        f.seek(0)
        p = subprocess.Popen(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
        _, _, usage = os.wait4(p.pid, 0)
        p.returncode = 0
    return usage.ru_maxrss


def stream(points: int = 100_000, runs: int = 3) -> str:
    import random

    rng = random.Random(1)
    big = "".join(f"{rng.uniform(-5, 5):.6g},{rng.uniform(-5, 5):.6g}\n" for _ in range(points)).encode()
    small = b"2,3\n" * 10
    cmd = [*vjp_command(), "jacobian", SEED, "--at", "-", "--format", "json"]
    wall(cmd, small)
    t_big, t_small = [], []
    for _ in range(runs):
        t_big.append(wall(cmd, big))
        t_small.append(wall(cmd, small))
    mb, ms = statistics.median(t_big), statistics.median(t_small)
    rate = points / max(mb - ms, 1e-9)
    rss_small = peak_rss_kb(cmd, big[: len(big) // 10])
    rss_big = peak_rss_kb(cmd, big)
    rows = [
        [
            f"{points:,} points, JSON Lines",
            f"{mb:.2f} s",
            f"{ms:.2f} s",
            f"{rate:,.0f} points/s",
            "≥ 50,000",
            "yes" if rate >= 50_000 else "NO",
        ],
        [
            f"peak memory, {points // 10:,} vs {points:,} points",
            f"{rss_small / 1024:.0f} MB",
            f"{rss_big / 1024:.0f} MB",
            f"{(rss_big - rss_small) / 1024:+.0f} MB",
            "constant",
            "",
        ],
    ]
    return table(["run", "median", "start-up alone (10 points)", "after start-up", "goal", "met"], rows)


# ---- big input -----------------------------------------------------------------------------------


def big(n: int = 1000, repeat: int = 5) -> str:
    import torch  # noqa: F401 - loaded first, as in the CLI, so it does not count below

    from autograd_cli import engines
    from autograd_cli.build import Built
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    text = banded_components(n)
    spec = parse_point(",".join("0.5" for _ in range(n + 2)))

    def parse_build() -> None:
        problem = make_problem(parse(text), spec)
        Built(problem)

    t_ours = median_time(parse_build, repeat)
    problem = make_problem(parse(text), spec)
    t_jac = median_time(lambda: engines.compute_jacobian(problem, "auto"), repeat)

    from sympy.parsing.sympy_parser import parse_expr  # our own generated text, never a user's

    t_sympy = median_time(lambda: [parse_expr(c) for c in text.split(";")], 3)
    rows = [
        [
            f"parse + build, {n:,} components ({len(text):,} characters)",
            f"{t_ours:.3f} s",
            "< 0.5 s",
            "yes" if t_ours < 0.5 else "NO",
        ],
        ["SymPy parse_expr of the same text (reference)", f"{t_sympy:.3f} s", "", ""],
        [
            f"Jacobian {n} x {n + 2}, --method auto ({engines.choose_method(problem)})",
            f"{t_jac:.3f} s",
            "< 1 s",
            "yes" if t_jac < 1 else "NO",
        ],
    ]
    return table(["step", "median", "goal", "met"], rows)


SECTIONS = {"startup": startup, "methods": methods, "stream": stream, "big": big}


def main() -> int:
    chosen = [a for a in sys.argv[1:] if a in SECTIONS] or list(SECTIONS)
    print(f"vjp benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for name in chosen:
        print(f"\n## {name}\n")
        print(SECTIONS[name]())
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
