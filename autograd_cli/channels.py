"""The process's channels: stdin, stdout, stderr, Ctrl-C and the terminal's environment.

``main`` is the console entry point. Before anything else is imported it makes sure that
whatever state the channels are in, ``vjp`` ends with a result or one documented exit code
and one line on stderr, never a traceback:

- a closed stdin, stdout or stderr (``<&-``, ``>&-``, ``2>&-``) is reopened on /dev/null,
  so no file vjp opens later takes its number; reading points from a closed stdin or
  writing results to a closed stdout is then one clear error (exit 2); a closed stderr
  only loses the notes;
- a write to stdout that fails (``> /dev/full``: exit 2 and the reason) or whose reader
  went away (``| head``: exit 0, quietly, whatever the format, Rich tables included)
  ends the run at once, and nothing is written after it;
- Ctrl-C at any moment, start-up included, prints ``vjp: interrupted`` and exits 130 (until
  ``install`` runs, the handler the package's ``__init__`` put in place first says the same);
- text that the output encoding cannot carry (``PYTHONIOENCODING=ascii``) is written in
  ASCII (``∂`` as ``d``, others as ``\\u2202``) instead of failing;
- ``COLUMNS``/``LINES`` that are not a sensible positive size (``COLUMNS=0``) are ignored.

Only stdlib imports here: this runs before typer, torch or anything else is loaded.
"""

from __future__ import annotations

import codecs
import errno
import gc
import io
import os
import signal
import sys
from typing import Any, NoReturn

from .errors import ExitCode

_closed_streams: set[int] = set()  # ids of the stand-ins for channels that were closed at start
_interrupted = False

# what the output encoding cannot carry, in ASCII (the rest as \uXXXX escapes)
_ASCII = {
    "∂": "d",
    "ᵀ": "^T",
    "Σ": "sum",
    "·": "*",
    "×": "x",
    "—": "-",
    "–": "-",
    "…": "...",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "→": "->",
    "ε": "eps",
    "²": "^2",
    **{chr(0x2080 + d): str(d) for d in range(10)},  # subscript digits: y₀ -> y0
}


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    text = error.object[error.start : error.end]
    return "".join(_ASCII.get(ch) or ch.encode("ascii", "backslashreplace").decode("ascii") for ch in text), error.end


codecs.register_error("vjp-ascii", _ascii_fallback)


def is_closed(stream: Any) -> bool:
    """True for the stand-in of a standard stream that was closed when vjp started."""
    return id(stream) in _closed_streams


# ---- stdout: failures end the run cleanly ------------------------------------------------


class StdoutClosed(SystemExit):
    """stdout cannot take the results (closed, full, gone): the run ends now, with ``code``.

    A SystemExit, so that no layer in between (Rich turns a BrokenPipeError into exit 1,
    Click a KeyboardInterrupt into "Aborted!") changes the outcome.
    """


class _Stdout:
    """sys.stdout, whose failed writes end the run with one line (exit 2), or quietly
    (exit 0) when the reader went away, as ``vjp ... | head`` expects."""

    def __init__(self, raw: Any, closed: bool = False) -> None:
        self._raw = raw
        self._closed = closed
        self._dead = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def write(self, text: str) -> int:
        if self._dead:
            return len(text)
        if self._closed:
            self._fail(OSError(errno.EBADF, "stdout is closed (>&-)"))
        try:
            return self._raw.write(text)
        except OSError as e:
            self._fail(e)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._dead or self._closed:
            return
        try:
            self._raw.flush()
        except OSError as e:
            self._fail(e)

    def _fail(self, error: OSError) -> NoReturn:
        self._dead = True
        _silence(1)  # whatever is still buffered goes nowhere, and the exit-time flush succeeds
        if error.errno == errno.EPIPE:
            raise StdoutClosed(ExitCode.SUCCESS)
        why = error.strerror or str(error)
        _say(f"vjp: error: cannot write the results to stdout: {why}\n")
        raise StdoutClosed(ExitCode.USAGE)


def _silence(fd: int) -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def _say(text: str) -> None:
    """A line on stderr, straight to the file descriptor (also from a signal handler)."""
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass


# ---- start-up ------------------------------------------------------------------------------


def _reopen(fd: int) -> bool:
    """Make sure file descriptor ``fd`` (0, 1 or 2) is open; True if it was closed."""
    try:
        os.fstat(fd)
        return False
    except OSError:
        pass
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return True
    if null != fd:
        os.dup2(null, fd)
        os.close(null)
    return True


def _on_interrupt(signum: int, frame: Any) -> None:
    global _interrupted
    if _interrupted:  # a second Ctrl-C while stopping: stop now
        os._exit(ExitCode.INTERRUPTED)
    _interrupted = True
    _say("vjp: interrupted\n")
    raise SystemExit(ExitCode.INTERRUPTED)


def _sensible_size(name: str, limit: int) -> None:
    value = os.environ.get(name)
    if value is not None and not (value.strip().isdigit() and 1 <= int(value) <= limit):
        del os.environ[name]  # Rich (and Click) would take COLUMNS=0 as a width of 0


def install() -> None:
    """Put the channels in a state where every outcome is a documented exit (see the module doc)."""
    signal.signal(signal.SIGINT, _on_interrupt)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a gone reader is an EPIPE we handle
    closed = {fd: _reopen(fd) for fd in (0, 1, 2)}
    if closed[0] or sys.stdin is None:
        sys.stdin = open(0, encoding="utf-8", errors="replace", closefd=False)
        if closed[0]:
            _closed_streams.add(id(sys.stdin))
    if closed[2] or sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", errors="vjp-ascii", closefd=False)
    elif isinstance(sys.stderr, io.TextIOWrapper):
        sys.stderr.reconfigure(errors="vjp-ascii")
    raw = sys.stdout
    if closed[1] or raw is None:
        raw = open(1, "w", encoding="utf-8", closefd=False)
    if isinstance(raw, io.TextIOWrapper):
        raw.reconfigure(errors="vjp-ascii")
    sys.stdout = _Stdout(raw, closed=closed[1])
    _sensible_size("COLUMNS", 10_000)
    _sensible_size("LINES", 10_000)


def main() -> None:
    """Console entry point: set up the channels, then run the command line."""
    install()
    code: Any = 0
    try:
        gc.disable()  # the command line's modules load with the collector paused (see request.loading)
        try:
            from .cli import main as cli_main
        finally:
            gc.freeze()
            gc.enable()
        cli_main()
    except SystemExit as e:
        code = e.code
    except OSError as e:  # Click writing help or usage to a stdout that fails
        if e.errno != errno.EPIPE:
            _say(f"vjp: error: cannot write to stdout: {e.strerror or e}\n")
            code = ExitCode.USAGE
    except KeyboardInterrupt:
        _say("vjp: interrupted\n")
        code = ExitCode.INTERRUPTED
    try:
        sys.stdout.flush()
    except SystemExit as e:
        code = e.code if not code else code
    sys.exit(code)
