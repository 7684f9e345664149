"""The one error family the core raises, and the exit codes the CLI turns it into."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status, as documented in README.md."""

    SUCCESS = 0
    CHECK_FAILED = 1  # a check ran and the values disagree
    USAGE = 2  # bad input or usage
    SOFTWARE = 70  # an internal error: a bug in vjp (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class VjpError(Exception):
    """A finished sentence for the user: what is wrong, what was received, what to do.

    Only the CLI module prints it and exits, with ``exit_code``.
    """

    exit_code = ExitCode.USAGE


class ParseError(VjpError):
    """The expression text is not in the language.

    ``column`` is 1-based; ``line`` is 1-based when the text has several lines.
    """

    def __init__(self, message: str, text: str = "", pos: int | None = None) -> None:
        self.text = text
        self.pos = pos
        if pos is not None and text:
            line = text.count("\n", 0, pos) + 1
            start = text.rfind("\n", 0, pos) + 1
            column = pos - start + 1
            where = f"column {column}" if "\n" not in text else f"line {line}, column {column}"
            message = f"{message} (at {where})"
            self.line: int | None = line
            self.column: int | None = column
        else:
            self.line = self.column = None
        super().__init__(message)

    def excerpt(self) -> str | None:
        """The offending line with a caret under the error, or None when unknown."""
        if self.pos is None or not self.text:
            return None
        start = self.text.rfind("\n", 0, self.pos) + 1
        end = self.text.find("\n", self.pos)
        if end < 0:
            end = len(self.text)
        # one visible character per character, so the caret stays aligned and no control
        # character (an escape sequence, a bell) reaches the terminal
        line = "".join(" " if ch == "\t" else ("?" if _unprintable(ch) else ch) for ch in self.text[start:end])
        col = self.pos - start
        if len(line) > 80:  # keep a window around the error on long generated lines
            lo = max(0, col - 40)
            line, col = ("…" if lo else "") + line[lo : lo + 80], col - lo + (1 if lo else 0)
        return f"  {line}\n  {' ' * col}^"


def _unprintable(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch)[0] in "CZ" and ch != " "


class InputError(VjpError):
    """A point, cotangent, option value or file that does not fit the function."""


class ShapeError(VjpError):
    """Shapes that do not fit together (broadcasting, matmul, indexing, v's shape)."""


class InternalError(VjpError):
    """A bug in vjp found while the input was fine (e.g. at one point of a stream): exit 70."""

    exit_code = ExitCode.SOFTWARE


def bug_location(error: BaseException) -> str:
    """' at file.py:123', where ``error`` was raised (for one-line bug reports)."""
    import traceback
    from pathlib import Path

    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    return f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
