"""The remembered function and point of the last successful command (one small JSON file).

Written atomically (a temporary file in the same directory, then ``os.replace``), so two
``vjp`` processes at once leave one whole file or the other, never a mix. A missing file
is normal; a corrupt, empty or unreadable one is ignored with a one-line warning, and so
is one that is not a regular file: it is opened without following a symbolic link and
without blocking (a FIFO), and never read past its size limit.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .points import shorten

FILENAME = "last.json"
VERSION = 1
MAX_BYTES = 4 * 1024 * 1024  # a million-character expression and a command line's --at fit
MAX_AT = 4096  # --at options remembered (a command line holds far fewer)


@dataclass(frozen=True)
class Remembered:
    expression: str
    vars: str | None = None
    at: tuple[str, ...] = ()
    v: str | None = None
    wrt: str | None = None  # --wrt, remembered with the function

    def to_dict(self) -> dict[str, Any]:
        out = {"version": VERSION, "expression": self.expression, "vars": self.vars, "at": list(self.at), "v": self.v}
        if self.wrt is not None:
            out["wrt"] = self.wrt
        return out


def state_dir() -> Path:
    """``$VJP_STATE_DIR``, else the user's app directory (``~/.config/vjp`` on Linux, as Typer's get_app_dir)."""
    override = os.environ.get("VJP_STATE_DIR")
    if override:
        return Path(override)
    import typer  # the CLI has it loaded already; get_app_dir knows each platform's place

    return Path(typer.get_app_dir("vjp"))


def _read(path: Path) -> bytes:
    """The file's bytes, at most MAX_BYTES + 1: a link is not followed, a FIFO never blocks.

    Raises OSError (FileNotFoundError when there is no file) or ValueError saying why the
    file is not one to read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP or (e.errno == errno.EMLINK and path.is_symlink()):
            raise ValueError("it is a symbolic link, and vjp does not follow links for its state") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode) else None
            raise ValueError(f"it is not a regular file{f' ({kind})' if kind else ''}")
        if info.st_size > MAX_BYTES:
            raise ValueError(f"it is larger than {MAX_BYTES:,} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES and (data := os.read(fd, MAX_BYTES + 1 - size)):
            chunks.append(data)
            size += len(data)
        if size > MAX_BYTES:  # it grew while being read
            raise ValueError(f"it is larger than {MAX_BYTES:,} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def load(path: Path) -> tuple[Remembered | None, str | None]:
    """(remembered, warning): a broken file gives (None, why it was ignored)."""
    try:
        raw = _read(path).decode("utf-8")
    except FileNotFoundError:
        return None, None
    except ValueError as e:  # not a regular file, too large, not UTF-8
        why = "it is not UTF-8 text" if isinstance(e, UnicodeDecodeError) else str(e)
        return None, f"ignoring the remembered function in {path}: {why}"
    except OSError as e:
        return None, f"ignoring the remembered function in {path}: {e.strerror or e.__class__.__name__}"
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a vjp state file")
        expression = data["expression"]
        at = data.get("at") or []
        if not isinstance(expression, str) or not isinstance(at, list) or not all(isinstance(a, str) for a in at):
            raise ValueError("unexpected contents")
        if len(at) > MAX_AT:
            raise ValueError(f"it remembers {len(at):,} --at values (at most {MAX_AT:,} are kept)")
        vars_, v = data.get("vars"), data.get("v")
        if (vars_ is not None and not isinstance(vars_, str)) or (v is not None and not isinstance(v, str)):
            raise ValueError("unexpected contents")
        wrt = data.get("wrt")
        if wrt is not None and not isinstance(wrt, str):
            raise ValueError("unexpected contents")
        return Remembered(expression, vars_, tuple(at), v, wrt), None
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        what = "it is empty" if not raw.strip() else str(e) or e.__class__.__name__
        if isinstance(e, RecursionError):
            what = "it is nested too deeply"
        elif isinstance(e, json.JSONDecodeError):
            what = f"not valid JSON ({e.msg})"
        return None, f"ignoring the remembered function in {path}: {shorten(what, 100)}"


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
