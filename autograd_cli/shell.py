"""`vjp shell`: many vjp command lines in one process, so torch is imported once.

Each line is a vjp command line without the leading ``vjp`` (``jacobian "sin(x)*y" --at
1,2``, ``product --v 1,0``), run by the very command line the ``vjp`` program runs: the
same options, output, errors and remembered function. On a terminal it is a prompt
(prompt_toolkit) with history in the app directory and completion of commands, options,
function names and example names; otherwise every line of stdin is one command line,
answered in order, and the exit status is the worst status of the lines.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

PROMPT = "vjp> "
HISTORY = "shell_history"
BUILTINS = {"help": "this help; `help COMMAND` for one command's options", "exit": "leave (also quit, Ctrl-D)"}
QUIT = ("exit", "quit")

Invoke = Callable[[list[str]], int]


def _default_invoke(args: list[str]) -> int:
    from .cli import invoke

    return invoke(args)


def help_text() -> str:
    lines = [
        "vjp shell: each line is a vjp command line without the leading `vjp`, e.g.",
        '  jacobian "x0**2+3*x1; x1**2+2*x0" --at 2,3',
        "  product --v 0,1          (the function and point of the line before)",
        "Commands: " + ", ".join(command_names()) + ".",
        *(f"  {name:<8} {what}" for name, what in BUILTINS.items()),
        "Tab completes commands, options, function names and example names; Ctrl-C cancels the line.",
        "In the shell, stdin carries the command lines: give many points with --points FILE.",
    ]
    return "\n".join(lines) + "\n"


def execute(line: str, invoke: Invoke = _default_invoke, out: IO[str] | None = None) -> int | None:
    """Run one line; its exit status, or None when the line asks to leave."""
    out = out or sys.stdout
    try:
        args = shlex.split(line, comments=True)
    except ValueError as e:  # an unclosed quote
        sys.stderr.write(f"vjp: error: cannot split this line into words: {str(e).lower()}; close the quote\n")
        return 2
    if args[:1] == ["vjp"]:  # pasted from a shell prompt
        args = args[1:]
    if not args:
        return 0
    word = args[0]
    if word in QUIT:
        return None
    if word == "help":
        if len(args) == 1:
            out.write(help_text())
            out.flush()
            return 0
        return invoke([*args[1:], "--help"])
    if word == "shell":
        sys.stderr.write("vjp: error: this is vjp shell already; type a command such as jacobian, or exit\n")
        return 2
    return invoke(args)


def run_lines(lines: Iterable[str], on_error: str = "skip", invoke: Invoke = _default_invoke) -> int:
    """Command lines from a file or pipe, answered in order; the worst exit status of them."""
    worst = 0
    for line in lines:
        code = execute(line, invoke)
        if code is None:
            break
        worst = max(worst, code)
        if code == 130 or (code and on_error == "stop"):
            break
    return worst


def interactive(on_error: str = "skip", invoke: Invoke = _default_invoke, **terminal: Any) -> int:
    """The prompt: history, completion; Ctrl-C cancels the line, Ctrl-D (or exit) leaves.

    ``terminal``: prompt_toolkit's ``input`` and ``output`` (tests give pipes).
    """
    from prompt_toolkit import PromptSession

    session: PromptSession[str] = PromptSession(
        history=_history(),
        completer=make_completer(),
        complete_while_typing=False,
        enable_history_search=True,
        **terminal,
    )
    sys.stdout.write("vjp shell — type help for help, exit or Ctrl-D to leave\n")
    worst = 0
    while True:
        try:
            line = session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        with imports_finish_first():
            code = execute(line, invoke)
        if code is None:
            break
        worst = max(worst, code)
        if code and on_error == "stop":
            break
    return worst if on_error == "stop" else 0


@contextmanager
def imports_finish_first() -> Iterator[None]:
    """Ctrl-C cancels the running line, but never halfway through importing a module.

    A module left half-imported (torch imports SymPy lazily inside its first backward)
    would break every later line of the shell; an interrupt that arrives during an import
    is held until the import is done (checked every 50 ms), then cancels the line.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def importing(frame: Any) -> bool:
        while frame is not None:
            if frame.f_code.co_filename.startswith("<frozen importlib"):
                return True
            frame = frame.f_back
        return False

    def interrupt(signum: int, frame: Any) -> None:
        if importing(frame):
            signal.setitimer(signal.ITIMER_REAL, 0.05)  # look again soon
            return
        raise KeyboardInterrupt

    old_int = signal.signal(signal.SIGINT, interrupt)
    old_alarm = signal.signal(signal.SIGALRM, interrupt)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_alarm)
        signal.signal(signal.SIGINT, old_int)


def run(on_error: str = "skip", stdin: IO[str] | None = None) -> int:
    """A prompt on a terminal, else the command lines of stdin."""
    stdin = stdin or sys.stdin
    if stdin.isatty() and sys.stdout.isatty():
        return interactive(on_error)
    return run_lines(_lines(stdin), on_error)


def _lines(stream: IO[str]) -> Iterator[str]:
    while True:
        line = stream.readline()
        if not line:
            return
        yield line


def _history() -> Any:
    """History in the app directory (next to the remembered function), in memory if that is not writable."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    from .state import state_dir

    try:
        folder = state_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / HISTORY
        path.touch()
        return FileHistory(str(path))
    except OSError as e:
        sys.stderr.write(f"vjp: warning: no history across sessions: {e.strerror or e}\n")
        return InMemoryHistory()


# ---- completion --------------------------------------------------------------------------------


def command_names() -> list[str]:
    from .cli import click_app

    return sorted(name for name in click_app().commands if name != "shell")


def _options(command: str) -> dict[str, Any]:
    """Option spelling -> its click parameter, for one command."""
    from .cli import click_app

    cmd = click_app().commands.get(command)
    out: dict[str, Any] = {}
    for p in getattr(cmd, "params", []):
        for name in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]:
            if name.startswith("-"):
                out[name] = p
    out.setdefault("--help", None)
    return out


def split_words(text: str) -> tuple[list[str], str, bool]:
    """The words before the cursor, the word being typed, and whether it is inside quotes."""
    words: list[str] = []
    current, quote, started = "", "", False
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
            else:
                current += ch
        elif ch in "'\"":
            quote, started = ch, True
        elif ch.isspace():
            if started:
                words.append(current)
            current, started = "", False
        else:
            current += ch
            started = True
    return words, current, bool(quote)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*$")


def suggestions(text: str) -> tuple[list[str], int]:
    """Completions for the text before the cursor, and how many characters they replace."""
    words, current, quoted = split_words(text)
    if words[:1] == ["vjp"]:
        words = words[1:]
    if not words:
        if quoted:
            return [], 0
        return [n for n in [*command_names(), *BUILTINS, "quit"] if n.startswith(current)], len(current)
    command = words[-1] if words[0] == "help" and len(words) == 1 else words[0]
    if words[0] == "help" and len(words) == 1:
        return [n for n in command_names() if n.startswith(current)], len(current)
    options = _options(command)
    previous = words[-1] if len(words) > 1 else ""
    if previous in options and options[previous] is not None and not getattr(options[previous], "is_flag", False):
        return _values_of(options[previous], current), len(current)
    if command == "examples" and not quoted and not current.startswith("-"):
        return [n for n in _example_names() if n.startswith(current)], len(current)
    if current.startswith("-") and not quoted:
        return [o for o in sorted(options) if o.startswith(current)], len(current)
    match = _IDENTIFIER.search(current)
    if match is None:
        return [], 0
    prefix = match.group(0)
    return [n for n in _function_names() if n.startswith(prefix) and n != prefix], len(prefix)


def _values_of(param: Any, current: str) -> list[str]:
    """Values of an option: its choices, or example names for --example."""
    if "--example" in getattr(param, "opts", []):
        return [n for n in _example_names() if n.startswith(current)]
    choices = getattr(getattr(param, "type", None), "choices", None)
    return [str(c) for c in choices if str(c).startswith(current)] if choices else []


def _function_names() -> list[str]:
    from .request import function_names

    return function_names()


def _example_names() -> list[str]:
    from .request import example_names

    return example_names()


def make_completer() -> Any:
    """A prompt_toolkit completer over ``suggestions`` (prompt_toolkit loads only for the prompt)."""
    from prompt_toolkit.completion import Completer, Completion

    class VjpCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
            found, replace = suggestions(document.text_before_cursor)
            for name in found:
                yield Completion(name, start_position=-replace)

    return VjpCompleter()
