"""The remembered function and point of the last successful command (one small JSON file).

Written atomically (a temporary file in the same directory, then ``os.replace``), so two
``vjp`` processes at once leave one whole file or the other, never a mix. A missing file
is normal; a corrupt, empty or unreadable one is ignored with a one-line warning.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILENAME = "last.json"
VERSION = 1
MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Remembered:
    expression: str
    vars: str | None = None
    at: tuple[str, ...] = ()
    v: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "expression": self.expression, "vars": self.vars, "at": list(self.at), "v": self.v}


def state_dir() -> Path:
    """``$VJP_STATE_DIR``, else the user's app directory (``~/.config/vjp`` on Linux, as Typer's get_app_dir)."""
    override = os.environ.get("VJP_STATE_DIR")
    if override:
        return Path(override)
    import typer  # the CLI has it loaded already; get_app_dir knows each platform's place

    return Path(typer.get_app_dir("vjp"))


def load(path: Path) -> tuple[Remembered | None, str | None]:
    """(remembered, warning): a broken file gives (None, why it was ignored)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, f"ignoring {path}: larger than {MAX_BYTES:,} bytes"
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as e:
        return None, f"ignoring the remembered function in {path}: {e.__class__.__name__}: {e}"
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a vjp state file")
        expression = data["expression"]
        at = data.get("at") or []
        if not isinstance(expression, str) or not isinstance(at, list) or not all(isinstance(a, str) for a in at):
            raise ValueError("unexpected contents")
        vars_, v = data.get("vars"), data.get("v")
        if (vars_ is not None and not isinstance(vars_, str)) or (v is not None and not isinstance(v, str)):
            raise ValueError("unexpected contents")
        return Remembered(expression, vars_, tuple(at), v), None
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        what = "it is empty" if not raw.strip() else str(e) or e.__class__.__name__
        return None, f"ignoring the remembered function in {path}: {what}"


def save(path: Path, remembered: Remembered) -> str | None:
    """Write atomically; returns a warning instead of raising when the disk says no."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".last-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(remembered.to_dict(), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        return None
    except OSError as e:
        return f"could not remember this function in {path}: {e.strerror or e}"
    finally:
        if tmp is not None:  # interrupted or failed before the rename: leave no temporary file
            try:
                os.unlink(tmp)
            except OSError:
                pass
