"""The script a user would write instead of vjp for many points: NumPy (or json) reads the
points, ``torch.func.vmap(torch.func.jacrev(f))`` computes every Jacobian in one call,
NumPy (or json) writes them. benchmarks/bench.py runs it beside vjp on the same files.

    python benchmarks/baseline.py seed|ten csv|tsv|plain|jsonl < points > jacobians

``seed`` is y = (x0**2 + 3 x1, x1**2 + 2 x0); ``ten`` is y_i = x_i x_(i+1) + sin(x_(i+2)),
indices mod 10 (10 inputs, 10 outputs). Needs NumPy (vjp itself does not).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch


def seed(x: torch.Tensor) -> torch.Tensor:
    return torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])


def ten(x: torch.Tensor) -> torch.Tensor:
    return x * torch.roll(x, -1) + torch.sin(torch.roll(x, -2))


FUNCTIONS = {"seed": (seed, 2), "ten": (ten, 10)}


def main() -> int:
    name, fmt = sys.argv[1], sys.argv[2]
    f, n = FUNCTIONS[name]
    names = [f"x{i}" for i in range(n)]
    if fmt == "jsonl":
        x = torch.tensor([[d[k] for k in names] for d in map(json.loads, sys.stdin)], dtype=torch.float64)
    else:
        sep = "\t" if fmt == "tsv" else ","
        x = torch.from_numpy(np.loadtxt(sys.stdin, delimiter=sep, skiprows=0 if fmt == "plain" else 1, ndmin=2))
    y = torch.func.vmap(f)(x)
    jac = torch.func.vmap(torch.func.jacrev(f))(x)
    out = sys.stdout
    if fmt == "jsonl":
        for point, value, rows in zip(x.tolist(), y.tolist(), jac.tolist()):
            out.write(json.dumps({"point": point, "value": value, "jacobian": rows}) + "\n")
    elif fmt == "plain":
        np.savetxt(out, jac.reshape(len(x), -1).numpy(), delimiter="\t")
    else:
        sep = "\t" if fmt == "tsv" else ","
        head = names + [f"d y{i}/d {c}" for i in range(len(y[0]) if len(y) else 0) for c in names]
        table = torch.cat([x, jac.reshape(len(x), -1)], dim=1).numpy()
        np.savetxt(out, table, delimiter=sep, header=sep.join(head), comments="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
