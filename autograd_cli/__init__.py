"""vjp: Jacobians and vector-Jacobian products of a typed vector function, by PyTorch autograd.

The commands are functions here too (see ``autograd_cli.api``)::

    import autograd_cli as ag
    ag.jacobian("x0**2+3*x1; x1**2+2*x0", at=(2, 3)).jacobian   # tensor([[4., 3.], [2., 6.]])

Importing the package is light: the API is loaded on first use, and torch only when a
computation runs.
"""

from __future__ import annotations

import sys


def _started_as_vjp() -> bool:
    """True when this process is the ``vjp`` command (the console script or ``python -m
    autograd_cli``), not a program that imports the package."""
    main = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    if main.replace("\\", "/").rsplit("/", 1)[-1].lower() in ("vjp", "vjp.exe", "vjp-script.py", "vjp-script.pyw"):
        return True
    argv = getattr(sys, "orig_argv", [])
    if sys.argv[:1] == ["-m"] and "-m" in argv[1:]:  # python -m NAME: argv[0] is "-m" while NAME is found
        k = argv.index("-m", 1)
        return argv[k + 1 : k + 2] in (["autograd_cli"], ["autograd_cli.__main__"])
    return False


def _interrupted_at_start(signum: int, frame: object) -> None:
    """Ctrl-C before channels.install() has put the command's own handler in place (while the
    imports run): the same line and exit status, and no traceback."""
    import os

    try:
        os.write(2, b"vjp: interrupted\n")
    except OSError:
        pass
    os._exit(130)  # nothing is written to stdout yet, so nothing is lost


# Ctrl-C at any moment of the command, start-up included: before anything else is imported
# (Python's own start-up, before this line, is the only part left to the interpreter)
if _started_as_vjp():
    import _signal

    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:  # (not when the shell ignores it)
        _signal.signal(_signal.SIGINT, _interrupted_at_start)

import types  # noqa: E402
from typing import Any  # noqa: E402

__version__ = "0.1.0"

_API = (
    "jacobian",
    "product",
    "vjp",
    "grad",
    "check",
    "jvp",
    "hessian",
    "graph",
    "explain",
    "jacobian_batch",
    "Result",
    "Jacobian",
    "SymbolicJacobian",
    "Product",
    "Check",
    "Jvp",
    "Hessian",
    "Graph",
    "Explanation",
)
_ERRORS = ("VjpError", "ParseError", "InputError", "ShapeError")

__all__ = [*_API, *_ERRORS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        value = getattr(api, name)
    elif name in _ERRORS:
        from . import errors

        value = getattr(errors, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package module: importing the submodule ``autograd_cli.explain`` (the engine behind
    ``explain()``) would otherwise replace the API function ``autograd_cli.explain`` with it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # pickled by name, as any module is (a function sent to Dask workers may refer to it)
        import importlib

        return importlib.import_module, (self.__name__,)


sys.modules[__name__].__class__ = _Package
