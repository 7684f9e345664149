"""Read tests/corpus/opinfo_cases.json (written by gen_opinfo.py) as harness cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .harness import Case, number

JSON = Path(__file__).resolve().parent / "opinfo_cases.json"


def dense(block: dict[str, Any]) -> list[list[float]]:
    m, n = block["shape"]
    rows = [[0.0] * n for _ in range(m)]
    for i, j, v in block["nonzero"]:
        rows[i][j] = number(v)
    return rows


def load() -> list[Case]:
    doc = json.loads(JSON.read_text())
    return [
        Case(
            id=c["id"],
            group=c["family"],
            expr=c["expr"],
            at=c["at"],
            value=[number(v) for v in c["value"]],
            blocks={name: dense(block) for name, block in c["jacobian"].items()},
            wrt=c["wrt"],
            source=c["source"],
        )
        for c in doc["cases"]
    ]
