"""vjp's speed, measured as ratios against baselines run alongside, with medians.

    python benchmarks/bench.py                  # everything (about half an hour)
    python benchmarks/bench.py startup stream   # some sections: startup, methods, stream, big,
                                                # twenty, latency, symbolic, dense,
                                                # explore_startup, explore
    python benchmarks/bench.py --help

Sections (the issues that set each goal):
  startup  vjp --help, <command> --help, examples, a parse error and the worked example,
           each as a ratio to `python -c "import torch"` (or "import torch, sympy"),
           median of 5 runs alternating with the baseline (issue 6)
  methods  the Jacobian of y_i = x_i**2*sin(x_{i+1}) + exp(x_{i+2})/3, m = n in 16..1024,
           written as one vector expression and component by component, by each method,
           and torch.func.jacrev of the same function written in torch, all timed in turn
           (interleaved) in one process, medians (issue 3)
  stream   many points against the torch + NumPy script a user would write
           (benchmarks/baseline.py: np.loadtxt, torch.func.vmap(jacrev), np.savetxt; json
           for JSON Lines), run alternately with vjp on the same input files: 100,000 and
           1,000,000 points of the worked example and 100,000 points of a 10-input,
           10-output function, for CSV, TSV, plain and JSON Lines in and out; medians, and
           the median of the rounds' ratios vjp / script, and vjp's peak memory (issues 4 and 12)
  big      a 1,000-component banded map: parse + build, and its Jacobian with auto,
           beside SymPy's own parse_expr of the same (generated, trusted) text; one point
           of 4.5 million elements on a line, and x=arange(10000000) (plain output, to a
           file and to /dev/null), and every format at x=arange(1000000): medians of 3
           runs, interleaved, with peak memory (issues 6 and 12)
  twenty   20 different functions through a loop of vjp calls, through one `vjp shell`
           reading them from stdin, and through one torch script (issue 13)
  latency  warm `vjp shell`: the worked example answered again and again (issue 13)
  symbolic the symbolic Jacobian against a SymPy script building the same Matrix (and, for
           information, the same script with the garbage collector paused) (issue 13)
  dense    --method auto on dense vector functions at n = 256, 1024, 4096 against the
           faster of torch.func.jacrev and jacfwd, interleaved (issue 13)
  explore_startup  vjp --help, examples and explore --help (Textual not imported), and the
           explorer's own import, each as a ratio to `import torch` (issue 15)
  parse    the 1,000-component banded map of `big`: parse alone, parse + shape inference,
           parse + build, in this checkout and in a baseline checkout given with
           --baseline DIR (the tool before the catalogue: `git worktree add /tmp/before
           79f2190`), alternating processes, each the fastest of 15 in CPU time; median of 7
           rounds' ratios (issue 9: no slower than before)
  explore  vjp explore, headless: a nudge to the new J on screen and to every stage shown,
           beside the same engines called directly, alternating; the worked example and a
           100-component function (issue 15)

Timings are never asserted by tests; this script is where speed is measured. Run it
when the machine is quiet: it prints the load average before and after.
"""

from __future__ import annotations

import argparse
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
    """`python -m autograd_cli` of this checkout (env() puts it first on the path)."""
    return [sys.executable, "-m", "autograd_cli"]


_STATE = tempfile.mkdtemp(prefix="vjp-bench-state-")


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("VJP_")}
    e["VJP_STATE_DIR"] = _STATE
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def wall(cmd: list[str], stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(), check=False)
    return time.perf_counter() - start


def run_files(cmd: list[str], stdin: Path | None, stdout: Path) -> tuple[float, int, int]:
    """Run ``cmd`` with files for stdin and stdout: (wall seconds, exit code, peak RSS in kB of that child)."""
    with open(stdin if stdin is not None else os.devnull, "rb") as fin, open(stdout, "wb") as fout:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=subprocess.DEVNULL, env=env())
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, p.returncode, usage.ru_maxrss


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


METHODS = ("rows", "batched", "jacrev", "forward", "auto")


def methods(sizes: tuple[int, ...] = (16, 128, 512, 1024), repeat: int = 5) -> str:
    import torch

    from autograd_cli import engines
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    def hand(x: torch.Tensor) -> torch.Tensor:
        return x[:-2] ** 2 * torch.sin(x[1:-1]) + torch.exp(x[2:]) / 3

    warm = make_problem(parse("x0*x1; sin(x1)"), parse_point("1,2"))
    for m in METHODS:
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
        for form, problem in forms.items():
            runs: dict[str, Callable[[], object]] = {}
            for m in METHODS:
                if not (m == "rows" and form == "components" and n > 128):
                    runs[m] = lambda m=m, p=problem: engines.compute_jacobian(p, m)
            runs["torch.func.jacrev"] = lambda point=point: torch.func.jacrev(hand)(point)
            times: dict[str, list[float]] = {k: [] for k in runs}
            for _ in range(repeat if n < 1024 else 3):  # each method, then jacrev, in turn
                for key, fn in runs.items():
                    start = time.perf_counter()
                    fn()
                    times[key].append(time.perf_counter() - start)
            med = {k: statistics.median(v) for k, v in times.items()}
            ran = engines.choose_method(problem, reverse="jacrev")
            cells = [str(n), form]
            for m in METHODS:
                if m not in med:
                    cells.append("(skipped: m walks of a large graph)")
                    continue
                cells.append(f"{med[m] * 1000:.1f} ms" + (f" ({ran})" if m == "auto" else ""))
            cells.append(f"{med['torch.func.jacrev'] * 1000:.1f} ms")
            cells.append(f"{med['auto'] / med['torch.func.jacrev']:.1f}x")
            rows.append(cells)
    return table(["n = m", "form", *METHODS, "torch.func.jacrev (hand-written torch)", "auto / torch jacrev"], rows)


# ---- many points -------------------------------------------------------------------------------


SEED_POINTS = ("seed", SEED, 2)
TEN = "; ".join(f"x{i}*x{(i + 1) % 10} + sin(x{(i + 2) % 10})" for i in range(10))
TEN_POINTS = ("ten", TEN, 10)
VJP_FORMAT = {"csv": "csv", "tsv": "tsv", "plain": "plain", "jsonl": "json"}


def write_points(path: Path, count: int, n: int, fmt: str, seed: int = 1) -> None:
    """``count`` random points of ``n`` inputs as the format's input file (header for CSV/TSV)."""
    import random

    rng = random.Random(seed)
    names = [f"x{i}" for i in range(n)]
    with open(path, "w") as f:
        if fmt in ("csv", "tsv"):
            f.write(("," if fmt == "csv" else "\t").join(names) + "\n")
        for _ in range(count):
            values = [f"{rng.uniform(-5, 5):.6g}" for _ in range(n)]
            if fmt == "jsonl":
                f.write("{" + ", ".join(f'"{k}": {v}' for k, v in zip(names, values)) + "}\n")
            else:
                f.write(("\t" if fmt == "tsv" else ",").join(values) + "\n")


def _numbers(path: Path, fmt: str, n: int) -> list[list[float]]:
    """Each output line's Jacobian entries (to check that vjp and the script agree)."""
    import json

    out = []
    with open(path) as f:
        if fmt in ("csv", "tsv"):
            next(f)
        for line in f:
            if fmt == "jsonl":
                out.append([v for r in json.loads(line)["jacobian"] for v in r])
                continue
            cells = [float(c) for c in line.replace(",", "\t").split("\t")]
            out.append(cells if fmt == "plain" else cells[n:])
    return out


def _agree(a: list[list[float]], b: list[list[float]]) -> bool:
    import math

    return len(a) == len(b) and all(
        len(x) == len(y) and all(math.isclose(u, v, rel_tol=1e-12, abs_tol=1e-12) for u, v in zip(x, y))
        for x, y in zip(a, b)
    )


def same_numbers(ours: Path, theirs: Path, fmt: str, n: int) -> str:
    """'yes' if both outputs hold the same Jacobians, compared in a child process: parsing them
    here would grow this process, and a child forked from it inherits its peak memory (the
    kernel's maxrss counts the parent's size at fork), which would inflate vjp's figure."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bench; from pathlib import Path; "
        "print('yes' if bench._agree(bench._numbers(Path(sys.argv[2]), sys.argv[4], int(sys.argv[5])), "
        "bench._numbers(Path(sys.argv[3]), sys.argv[4], int(sys.argv[5]))) else 'NO')"
    )
    args = [sys.executable, "-c", code, str(ROOT / "benchmarks"), str(ours), str(theirs), fmt, str(n)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def stream(
    runs_small: int = 5, runs_large: int = 3, formats: tuple[str, ...] = ("csv", "tsv", "plain", "jsonl")
) -> str:
    cases = [(SEED_POINTS, 100_000), (SEED_POINTS, 1_000_000), (TEN_POINTS, 100_000)]
    baseline = [sys.executable, str(ROOT / "benchmarks" / "baseline.py")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="vjp-bench-") as tmp:
        d = Path(tmp)
        for (name, expr, n), count in cases:
            for fmt in formats:
                points = d / f"{name}-{count}.{fmt}"
                write_points(points, count, n, fmt)
                ours = [*vjp_command(), "jacobian", expr, "--points", str(points), "--format", VJP_FORMAT[fmt]]
                theirs = [*baseline, name, fmt]
                out_ours, out_theirs = d / "ours.out", d / "theirs.out"
                run_files(ours, None, out_ours)  # warm the file cache
                t_ours, t_theirs, rss = [], [], []
                agree = ""
                for k in range(runs_small if count <= 100_000 else runs_large):
                    order = [("ours", ours, None), ("theirs", theirs, points)]
                    for who, cmd, stdin in order if k % 2 == 0 else order[::-1]:  # alternate who goes first
                        dt, code, kb = run_files(cmd, stdin, out_ours if who == "ours" else out_theirs)
                        if code != 0:
                            raise SystemExit(f"{who} failed (exit {code}): {' '.join(cmd[:6])} ...")
                        (t_ours if who == "ours" else t_theirs).append(dt)
                        if who == "ours":
                            rss.append(kb)
                    if k == 0 and count <= 100_000:
                        agree = same_numbers(out_ours, out_theirs, fmt, n)
                m_ours, m_theirs = statistics.median(t_ours), statistics.median(t_theirs)
                ratio = statistics.median(a / b for a, b in zip(t_ours, t_theirs))  # per round: same minute
                rows.append(
                    [
                        f"{name} ({n}x{n})",
                        f"{count:,}",
                        fmt,
                        f"{m_ours:.2f} s",
                        f"{m_theirs:.2f} s",
                        f"{ratio:.2f}x",
                        f"{max(rss) / 1024:.0f} MB",
                        agree or "-",
                    ]
                )
                print("  " + " | ".join(rows[-1]), file=sys.stderr, flush=True)
                points.unlink()
    return table(
        [
            "function",
            "points",
            "format in/out",
            "vjp median",
            "script median",
            "vjp / script (median of the rounds' ratios)",
            "vjp peak memory",
            "same numbers",
        ],
        rows,
    )


# ---- big input -----------------------------------------------------------------------------------


def huge_points(repeat: int = 3) -> list[list[str]]:
    """One point of millions of elements: time and peak memory grow with its size, no more.
    Each case runs ``repeat`` times in turn (cases interleaved); the median time and the
    median peak memory of the runs."""
    cases: list[tuple[str, list[str], Path | None, Path | None]] = []  # label, argv, stdin, stdout (None: a file)
    with tempfile.TemporaryDirectory(prefix="vjp-bench-") as tmp:
        for count in (1_000_000, 4_500_000):
            line = Path(tmp) / f"line{count}.txt"
            # one digit and a comma per element: 4.5 million fit the 10,000,000-byte line limit
            line.write_text("x=[" + ",".join("1" if i % 2 else "2" for i in range(count)) + "]\n")
            cases.append(
                (
                    f"product sum(x**2), one {count:,}-element x=[...] line on stdin, plain to a file",
                    ["product", "sum(x**2)", "--at", "-"],
                    line,
                    None,
                )
            )
        for count in (1_000_000, 10_000_000):
            argv = ["product", "sum(x**2)", "--at", f"x=arange({count})"]
            cases.append((f"product sum(x**2) --at x=arange({count}), plain to a file", argv, None, None))
            if count == 10_000_000:
                cases.append(
                    (f"product sum(x**2) --at x=arange({count}), plain to /dev/null", argv, None, Path(os.devnull))
                )
        for fmt in ("table", "csv", "tsv", "json", "markdown", "latex"):
            argv = ["product", "sum(x**2)", "--at", "x=arange(1000000)", "--format", fmt]
            cases.append((f"product sum(x**2) --at x=arange(1000000) --format {fmt}, to a file", argv, None, None))
        runs: dict[str, list[tuple[float, int, int]]] = {label: [] for label, *_ in cases}
        for _ in range(repeat):
            for label, argv, stdin, stdout in cases:
                runs[label].append(run_files([*vjp_command(), *argv], stdin, stdout or Path(tmp) / "out"))
    rows = []
    for label, *_ in cases:
        done = runs[label]
        codes = sorted({code for _, code, _ in done})
        rows.append(
            [
                label,
                f"{statistics.median(dt for dt, _, _ in done):.2f} s",
                f"{statistics.median(kb for _, _, kb in done) / 1024:.0f} MB",
                "exit 0" if codes == [0] else "exit " + ", ".join(map(str, codes)),
            ]
        )
    return rows


def big(n: int = 1000, repeat: int = 5) -> str:
    import gc

    import torch  # noqa: F401 - loaded first, as in the CLI, so it does not count below

    gc.freeze()  # as the CLI does once its imports are done (request.loading)

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
        *huge_points(),
        [
            f"parse + build, {n:,} components ({len(text):,} characters)",
            f"{t_ours:.3f} s",
            "< 0.5 s",
            "yes" if t_ours < 0.5 else "NO",
        ],
        ["SymPy parse_expr of the same text (reference)", f"{t_sympy:.3f} s", "", ""],
        [
            f"Jacobian {n} x {n + 2}, --method auto ({engines.choose_method(problem, reverse='jacrev')})",
            f"{t_jac:.3f} s",
            "< 1 s",
            "yes" if t_jac < 1 else "NO",
        ],
    ]
    return table(["step", "median", "goal (or median peak memory)", "met"], rows)


SECTIONS = {"startup": startup, "methods": methods, "stream": stream, "big": big}


# ---- one process for many functions, the warm shell, the symbolic path, dense Jacobians (issue 13) ----

# 20 different functions: the vjp expression, its --at, and the same function in torch
# (a lambda over the inputs in vjp's input order), with the torch values of the point.
FUNCTIONS_20 = [
    (SEED, "2,3", "lambda x0, x1: torch.stack([x0**2 + 3*x1, x1**2 + 2*x0])", "2., 3."),
    (
        "sin(x0)*x1; exp(x0-x1); x0/x1",
        "0.3,1.7",
        "lambda x0, x1: torch.stack([torch.sin(x0)*x1, torch.exp(x0-x1), x0/x1])",
        "0.3, 1.7",
    ),
    ("r*cos(theta); r*sin(theta)", "2,0.5", "lambda r, t: torch.stack([r*torch.cos(t), r*torch.sin(t)])", "2., 0.5"),
    (
        "r*sin(theta)*cos(phi); r*sin(theta)*sin(phi); r*cos(theta)",
        "0.5,2,1",
        "lambda p, r, t: torch.stack([r*torch.sin(t)*torch.cos(p), r*torch.sin(t)*torch.sin(p), r*torch.cos(t)])",
        "0.5, 2., 1.",
    ),
    ("(1-x)**2 + 100*(y-x**2)**2", "-1.2,1", "lambda x, y: (1-x)**2 + 100*(y-x**2)**2", "-1.2, 1."),
    ("softmax(x)", "x=[1,2,3]", "lambda x: torch.softmax(x, -1)", "torch.tensor([1., 2., 3.])"),
    (
        "tanh(W @ x + b)",
        "b=[0.1,0.2], W=[[1,2],[3,4]], x=[0.5,-1]",
        "lambda b, W, x: torch.tanh(W @ x + b)",
        "torch.tensor([0.1, 0.2]), torch.tensor([[1., 2.], [3., 4.]]), torch.tensor([0.5, -1.])",
    ),
    ("x*y", "x=[0,2,8], y=[5,1,7]", "lambda x, y: x*y", "torch.tensor([0., 2., 8.]), torch.tensor([5., 1., 7.])"),
    ("2*dot(x,x)", "x=[0,1,2,3]", "lambda x: 2*torch.dot(x, x)", "torch.tensor([0., 1., 2., 3.])"),
    ("mean((x+2)*(x+2)*3)", "x=ones(2,2)", "lambda x: ((x+2)*(x+2)*3).mean()", "torch.ones(2, 2)"),
    (
        "softplus(x0) + sigmoid(x1)",
        "0.5,-0.5",
        "lambda x0, x1: torch.nn.functional.softplus(x0) + torch.sigmoid(x1)",
        "0.5, -0.5",
    ),
    (
        "sqrt(x0**2+x1**2); atan2(x1, x0)",
        "3,4",
        "lambda x0, x1: torch.stack([torch.sqrt(x0**2+x1**2), torch.atan2(x1, x0)])",
        "3., 4.",
    ),
    ("norm(x)", "x=[3,4]", "lambda x: torch.linalg.vector_norm(x)", "torch.tensor([3., 4.])"),
    ("logsumexp(x)", "x=[1,2,3]", "lambda x: torch.logsumexp(x, 0)", "torch.tensor([1., 2., 3.])"),
    (
        "x0*x1*x2; x0+x1+x2; x0**2-x2",
        "1,2,3",
        "lambda x0, x1, x2: torch.stack([x0*x1*x2, x0+x1+x2, x0**2-x2])",
        "1., 2., 3.",
    ),
    ("exp(-x0**2-x1**2)", "0.5,0.25", "lambda x0, x1: torch.exp(-x0**2-x1**2)", "0.5, 0.25"),
    ("sum(x**3)", "x=[0,1,2,3,4]", "lambda x: (x**3).sum()", "torch.tensor([0., 1., 2., 3., 4.])"),
    (
        "A @ x",
        "A=[[1,2],[3,4]], x=[5,6]",
        "lambda A, x: A @ x",
        "torch.tensor([[1., 2.], [3., 4.]]), torch.tensor([5., 6.])",
    ),
    ("relu(x0) + abs(x1)", "0.5,-2", "lambda x0, x1: torch.relu(x0) + torch.abs(x1)", "0.5, -2."),
    (
        "cosh(x0)*sinh(x1); tan(x0/4)",
        "0.5,1",
        "lambda x0, x1: torch.stack([torch.cosh(x0)*torch.sinh(x1), torch.tan(x0/4)])",
        "0.5, 1.",
    ),
]


def _torch_script() -> str:
    """One torch script computing the same 20 Jacobians (torch.autograd.functional.jacobian) and printing them."""
    lines = ["import torch", "torch.set_default_dtype(torch.float64)", "J = torch.autograd.functional.jacobian"]
    for _, _, fn, point in FUNCTIONS_20:
        args = point if point.startswith("torch") else ", ".join(f"torch.tensor({v.strip()})" for v in point.split(","))
        lines.append(f"print(J({fn}, ({args},)))")
    return "\n".join(lines) + "\n"


def _shell_lines() -> str:
    import shlex

    return "".join(f"jacobian {shlex.quote(e)} --at {shlex.quote(a)}\n" for e, a, _, _ in FUNCTIONS_20)


def check_twenty() -> None:
    """The three ways print the same numbers (checked once, before timing)."""
    import json

    import torch

    shell = subprocess.run(
        [*vjp_command(), "shell"],
        input=_shell_lines().replace("\n", " --format json\n"),
        capture_output=True,
        text=True,
        env=env(),
        check=True,
    )
    ours = [json.loads(line)["jacobian"] for line in shell.stdout.splitlines()]
    namespace: dict[str, object] = {"torch": torch}
    torch.set_default_dtype(torch.float64)
    for (_, _, fn, point), jac in zip(FUNCTIONS_20, ours):
        args = point if point.startswith("torch") else ", ".join(f"torch.tensor({v.strip()})" for v in point.split(","))
        parts = eval(f"torch.autograd.functional.jacobian({fn}, ({args},))", namespace)  # our own text, not a user's
        flat = torch.cat([p.reshape(len(jac), -1) for p in parts], dim=1)
        assert torch.allclose(flat, torch.tensor(jac), atol=1e-12), (fn, flat, jac)
    torch.set_default_dtype(torch.float32)


def twenty(runs: int = 3) -> str:
    """20 functions: a loop of 20 vjp calls, one vjp shell reading them from stdin, one torch script."""
    check_twenty()
    vjp = vjp_command()
    lines = _shell_lines()
    script = _torch_script()
    calls = [[*vjp, "jacobian", e, "--at", a] for e, a, _, _ in FUNCTIONS_20]
    loop_t, shell_t, torch_t = [], [], []
    for _ in range(runs):  # interleaved, so load changes hit all three alike
        start = time.perf_counter()
        for cmd in calls:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(), check=True)
        loop_t.append(time.perf_counter() - start)
        shell_t.append(wall([*vjp, "shell"], lines.encode()))
        torch_t.append(wall([sys.executable, "-c", script]))
    loop, shell, torch_ = statistics.median(loop_t), statistics.median(shell_t), statistics.median(torch_t)
    rows = [
        ["a loop of 20 `vjp jacobian` calls", f"{loop:.2f} s", f"{loop / torch_:.1f}x", "", ""],
        [
            "one `vjp shell` reading the 20 lines",
            f"{shell:.2f} s",
            f"{shell / torch_:.2f}x",
            "≤ 1.5x",
            _met(shell / torch_ <= 1.5),
        ],
        ["one torch script (torch.autograd.functional.jacobian)", f"{torch_:.2f} s", "1x", "", ""],
    ]
    return table(["20 functions through", f"median of {runs}", "ratio to the torch script", "goal", "met"], rows)


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def latency(answers: int = 40) -> str:
    """Warm `vjp shell`: one process, the worked example again and again; time from line sent to answer read."""
    line = f"jacobian '{SEED}' --at 2,3 --format plain\n".encode()
    p = subprocess.Popen([*vjp_command(), "shell"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env())
    assert p.stdin is not None and p.stdout is not None
    times = []
    for _ in range(answers + 1):
        start = time.perf_counter()
        p.stdin.write(line)
        p.stdin.flush()
        got = p.stdout.readline() + p.stdout.readline()
        times.append(time.perf_counter() - start)
        assert got == b"4\t3\n2\t6\n", got
    p.stdin.close()
    p.wait()
    first, warm = times[0], statistics.median(times[1:])
    rows = [
        ["first answer (imports torch)", f"{first * 1000:.0f} ms", "", ""],
        [f"later answers (median of {answers})", f"{warm * 1000:.1f} ms", "≤ 20 ms", _met(warm <= 0.020)],
    ]
    return table(["worked example in one `vjp shell`", "time", "goal", "met"], rows)


SYMPY_SCRIPT = (
    "import sympy\n"
    "x0, x1 = sympy.symbols('x0 x1')\n"
    "print(sympy.Matrix([x0**2 + 3*x1, x1**2 + 2*x0]).jacobian([x0, x1]))\n"
)


IMPORTS_TORCH = """
import sys
from autograd_cli.cli import main
sys.argv = ["vjp", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("torch" in sys.modules, file=sys.stderr)
"""


# vjp imports with the cyclic garbage collector paused (request.loading), which makes SymPy's own
# import cheaper too; the same script with the collector paused shows what is left once that is equal.
SYMPY_SCRIPT_GC_PAUSED = "import gc\ngc.disable()\n" + SYMPY_SCRIPT


def symbolic(runs: int = 7) -> str:
    """`vjp jacobian EXPR` without a point against a SymPy script building the same Matrix (alternating)."""
    ours_cmd = [*vjp_command(), "jacobian", SEED]
    base_cmd = [sys.executable, "-c", SYMPY_SCRIPT]
    paused_cmd = [sys.executable, "-c", SYMPY_SCRIPT_GC_PAUSED]
    wall(ours_cmd)
    ours, base, paused = [], [], []
    for _ in range(runs):
        ours.append(wall(ours_cmd))
        base.append(wall(base_cmd))
        paused.append(wall(paused_cmd))
    mo, mb, mp = statistics.median(ours), statistics.median(base), statistics.median(paused)
    probe = subprocess.run(
        [sys.executable, "-c", IMPORTS_TORCH, "jacobian", SEED], capture_output=True, text=True, env=env()
    )
    torch_loaded = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else "?"
    rows = [
        [
            f'vjp jacobian "{SEED}" (symbolic; imports torch: {torch_loaded})',
            f"{mo:.3f} s",
            f"{mb:.3f} s",
            f"{mo / mb:.2f}x",
            "≤ 1.3x",
            _met(mo / mb <= 1.3),
        ],
        [
            "the same, against the SymPy script with the garbage collector paused (gc.disable(), as vjp imports)",
            f"{mo:.3f} s",
            f"{mp:.3f} s",
            f"{mo / mp:.2f}x",
            "(for information)",
            "",
        ],
    ]
    return table(["command", "median", f"SymPy script, median of {runs}", "ratio", "goal", "met"], rows)


DENSE = [
    ("softmax(x)", "softmax"),
    ("tanh(x * sum(x))", "tanh(x * x.sum())"),
]


def dense(sizes: tuple[int, ...] = (256, 1024, 4096), runs: int = 11) -> str:
    """--method auto on dense vector functions against the faster of torch.func.jacrev and jacfwd (interleaved)."""
    import gc

    import torch

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # this checkout's package, as the subprocess sections use (env())
    from autograd_cli import engines
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    gc.freeze()  # as the CLI and the API do once torch is loaded (see request.engines)
    hand = {
        "softmax": lambda x: torch.softmax(x, -1),
        "tanh(x * x.sum())": lambda x: torch.tanh(x * x.sum()),
    }
    rows = []
    for n in sizes:
        x = torch.linspace(-1, 1, n, dtype=torch.float64)
        values = ",".join(repr(float(v)) for v in x)
        for text, name in DENSE:
            problem = make_problem(parse(text), parse_point(f"x=[{values}]"))
            f = hand[name]
            ways = {
                "auto": lambda p=problem: engines.compute_jacobian(p, "auto"),
                "jacrev": lambda f=f, x=x: torch.func.jacrev(f)(x),
                "jacfwd": lambda f=f, x=x: torch.func.jacfwd(f)(x),
            }
            _, ours, ran = engines.compute_jacobian(problem, "auto")
            assert torch.allclose(ours, torch.func.jacrev(f)(x), atol=1e-12)
            times: dict[str, list[float]] = {k: [] for k in ways}
            ratios = []
            order = list(ways)
            for r in range(runs if n < 4096 else max(3, runs // 2)):
                # interleaved: each round times all three, in an order that turns each round, so
                # that no way always runs right after the one that freed the most memory
                for k in order[r % 3 :] + order[: r % 3]:
                    fn = ways[k]
                    start = time.perf_counter()
                    fn()
                    times[k].append(time.perf_counter() - start)
                ratios.append(times["auto"][-1] / min(times["jacrev"][-1], times["jacfwd"][-1]))
            med = {k: statistics.median(v) for k, v in times.items()}
            ratio = statistics.median(ratios)
            rows.append(
                [
                    str(n),
                    f"`{text}`",
                    f"{med['auto'] * 1000:.1f} ms ({ran})",
                    f"{med['jacrev'] * 1000:.1f} ms",
                    f"{med['jacfwd'] * 1000:.1f} ms",
                    f"{ratio:.2f}x",
                    "≤ 1.3x",
                    _met(ratio <= 1.3),
                ]
            )
    head = ["n = m", "function", "auto", "jacrev", "jacfwd", "auto / faster (median of ratios)", "goal", "met"]
    return table(head, rows)


SECTIONS.update({"twenty": twenty, "latency": latency, "symbolic": symbolic, "dense": dense})


# ---- vjp explore (issue 15) ----------------------------------------------------------------------


def explore_startup(runs: int = 5) -> str:
    """Textual is imported by `vjp explore` only: the other commands start as before; the explorer's own import."""
    py = sys.executable
    vjp = [py, "-m", "autograd_cli"]  # this checkout (run from its root), not whichever one installed `vjp`
    base = [py, "-c", "import torch"]
    cases = [
        ("vjp --help", [*vjp, "--help"]),
        ("vjp examples", [*vjp, "examples"]),
        ("vjp explore --help", [*vjp, "explore", "--help"]),
        ("import the explorer (Textual, no torch)", [py, "-c", "import autograd_cli.explore.app"]),
    ]
    rows = []
    for name, cmd in cases:
        wall(cmd)
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(wall(cmd))
            theirs.append(wall(base))
        m_ours, m_base = statistics.median(ours), statistics.median(theirs)
        rows.append([name, f"{m_ours:.3f} s", f"{m_base:.3f} s (import torch)", f"{m_ours / m_base:.2f}x"])
    return table(["command", "median", "baseline median", "ratio"], rows)


def _explore_trials(expr: str, at: str, v: str | None, trials: int) -> dict[str, list[float]]:
    """Nudges in a headless explorer, each alternating with the same engines called directly (the baseline)."""
    import asyncio

    if str(ROOT) not in sys.path:  # this checkout's explorer, not an installed one
        sys.path.insert(0, str(ROOT))
    from autograd_cli import request
    from autograd_cli.explain import explain
    from autograd_cli.explore.app import ExploreApp, setup_of
    from autograd_cli.explore.inputs import InputsPanel
    from autograd_cli.explore.jacobian import JacobianView

    nowhere = Path(tempfile.mkdtemp(prefix="vjp-bench-")) / "last.json"
    prep = request.prepare(expr=expr, at=(at,), v=v, env={}, path=nowhere)
    v = setup_of(prep).v  # the explorer's v (e_0 when none is given)
    eng = request.engines()
    out: dict[str, list[float]] = {
        "J on screen": [],
        "J, vᵀJ, check": [],
        "every stage": [],
        "engines alone": [],
        "key while busy": [],
    }

    def direct(x0: float) -> None:
        p = request.prepare(expr=expr, at=(at.replace(at.split(",")[0], repr(x0), 1),), v=v, env={}, path=nowhere)
        assert p.problem is not None
        eng.jacobian(p.problem)
        vec = request.cotangent(p.problem, p.chosen.v)
        eng.product(p.problem, vec)
        eng.check(p.problem)
        explain(p.problem, vec)

    async def go() -> None:
        app = ExploreApp(setup_of(prep))
        async with app.run_test(size=(120, 40)) as pilot:

            async def settled() -> None:
                while app.busy or app.workers:
                    await asyncio.sleep(0.0005)

            async def loop_delay() -> float:
                """How long the UI thread takes to run a callback: what a key press waits for."""
                ran: asyncio.Future[float] = asyncio.get_running_loop().create_future()
                asked = time.perf_counter()
                app.call_later(lambda: ran.set_result(time.perf_counter()))
                return await ran - asked

            await pilot.pause()
            await settled()
            view = app.query_one(JacobianView)
            panel = app.query_one(InputsPanel)
            x0 = float(at.split(",")[0])
            for _ in range(trials):
                x0 = round(x0 + 0.1, 10)
                start = time.perf_counter()
                panel.nudge(1)  # what → does
                delays = []
                while view.result is None or view.result.header.point[0] != x0:  # the view was handed the new J
                    delays.append(await loop_delay())
                shown = time.perf_counter()
                while (check := app.results.get("check")) is None or check.header.point[0] != x0:
                    delays.append(await loop_delay())
                checked = time.perf_counter()
                while app.busy or app.workers:
                    delays.append(await loop_delay())
                done = time.perf_counter()
                await pilot.pause()
                out["J on screen"].append(shown - start)
                out["J, vᵀJ, check"].append(checked - start)
                out["every stage"].append(done - start)
                out["key while busy"].append(max(delays))
                direct_start = time.perf_counter()
                direct(x0)
                out["engines alone"].append(time.perf_counter() - direct_start)

    asyncio.run(go())
    return out


def explore(trials: int = 21) -> str:
    """`vjp explore`: from a nudge (→) to the new J on screen, and to every stage shown (J, vᵀJ, the check,
    the steps pane), beside the same engines called directly; for the worked example and 100 components."""
    cases = [
        ("worked example", SEED, "2,3", "1,0", 0.050),
        (
            "100 components",
            "; ".join(f"x{i}**2*sin(x{(i + 1) % 100}) + exp(x{(i + 2) % 100})/3" for i in range(100)),
            ",".join(f"{0.01 * i:.2f}" for i in range(100)),
            None,
            None,
        ),
    ]
    rows = []
    for name, expr, at, v, goal in cases:
        got = _explore_trials(expr, at, v, trials if goal else max(5, trials // 3))
        med = {k: statistics.median(vs) * 1000 for k, vs in got.items() if vs}
        rows.append(
            [
                name,
                f"{med['J on screen']:.1f} ms",
                f"{med['J, vᵀJ, check']:.1f} ms",
                f"{med['every stage']:.1f} ms",
                f"{med['engines alone']:.1f} ms",
                f"{statistics.median(a / b for a, b in zip(got['every stage'], got['engines alone'])):.2f}x",
                f"{med.get('key while busy', float('nan')):.1f} ms",
                f"≤ {goal * 1000:.0f} ms" if goal else "responsive",
                ("yes" if med["J, vᵀJ, check"] <= goal * 1000 else "NO") if goal else "",
            ]
        )
    head = ["function", "J on screen", "J, vᵀJ, check", "every stage (+ pane)", "engines alone"]
    head += ["every stage / engines (median of ratios)", "UI thread, longest wait", "goal (J, vᵀJ, check)", "met"]
    return table(head, rows)


SECTIONS.update({"explore_startup": explore_startup, "explore": explore})


# ---- parsing before and after the catalogue (issue 9) ----

BASELINE: list[str | None] = [None]

PARSE_CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import gc
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import make_problem
n = int(sys.argv[2])
text = "; ".join(f"x{i}**2*sin(x{i + 1}) + exp(x{i + 2})/3" for i in range(n))
spec = parse_point(",".join("0.5" for _ in range(n + 2)))
steps = {"parse": lambda: parse(text), "parse + shapes": lambda: make_problem(parse(text), spec)}
if sys.argv[3] == "build":
    import torch  # noqa: F401 - loaded first, as in the CLI
    from autograd_cli.build import Built
    steps = {"parse + build": lambda: Built(make_problem(parse(text), spec))}
gc.freeze()
for name, step in steps.items():
    step()
    runs = []
    for _ in range(15):
        start = time.thread_time()  # CPU time of this thread: other processes on the machine do not count
        step()
        runs.append(time.thread_time() - start)
    print(name, min(runs))
"""


def parse_section(n: int = 1000, rounds: int = 7) -> str:
    """Parse (and shape inference, and build) here and in --baseline DIR, alternating processes."""
    here = str(ROOT)
    base = BASELINE[0]
    dirs = [here] if base is None else [base, here]
    times: dict[tuple[str, str], list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for _ in range(rounds):
        got: dict[str, dict[str, float]] = {}
        for d in dirs:
            got[d] = {}
            for mode in ("parse", "build"):
                out = subprocess.run(
                    [sys.executable, "-c", PARSE_CHILD, d, str(n), mode], capture_output=True, text=True, check=True
                ).stdout
                for line in out.splitlines():
                    name, _, value = line.rpartition(" ")
                    got[d][name] = float(value)
                    times.setdefault((d, name), []).append(float(value))
        if base is not None:
            for name in got[here]:
                ratios.setdefault(name, []).append(got[here][name] / got[base][name])
    rows = []
    for name in ("parse", "parse + shapes", "parse + build"):
        mine = statistics.median(times[(here, name)])
        row = [f"{name}, {n:,} components", f"{mine * 1000:.1f} ms"]
        if base is not None:
            before = statistics.median(times[(base, name)])
            ratio = statistics.median(ratios[name])
            row += [f"{before * 1000:.1f} ms", f"{ratio:.2f}x", _met(ratio <= 1.0) if name == "parse" else ""]
        rows.append(row)
    head = ["step", "this checkout (CPU time, fastest of 15)"]
    if base is not None:
        head += [f"baseline {Path(base).name}", "ratio (median of rounds)", "no slower (goal)"]
    return table(head, rows)


SECTIONS["parse"] = parse_section


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/bench.py",
        description=__doc__.split("\n\n", 2)[2] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument(
        "--baseline", metavar="DIR", help="a checkout of an older vjp to compare parsing against (section parse)"
    )
    args = parser.parse_args()
    if args.baseline:
        BASELINE[0] = args.baseline
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    chosen = args.sections or list(SECTIONS)
    # The package byte-compiled, as a wheel install leaves it (pip compiles what it installs; the
    # libraries compared against are): an editable checkout under PYTHONDONTWRITEBYTECODE=1
    # would otherwise compile every module on every run (0.2 s of each start-up measured).
    import compileall

    compileall.compile_dir(str(ROOT / "autograd_cli"), quiet=1)
    print(
        f"vjp benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )
    for name in chosen:
        print(f"\n## {name}\n")
        print(SECTIONS[name]())
        print(f"\n(load average {os.getloadavg()[0]:.2f} after this section)")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
