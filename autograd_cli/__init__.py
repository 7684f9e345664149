"""vjp: Jacobians and vector-Jacobian products of a typed vector function, by PyTorch autograd.

The commands are functions here too (see ``autograd_cli.api``)::

    import autograd_cli as ag
    ag.jacobian("x0**2+3*x1; x1**2+2*x0", at=(2, 3)).jacobian   # tensor([[4., 3.], [2., 6.]])

Importing the package is light: the API is loaded on first use, and torch only when a
computation runs.
"""

from __future__ import annotations

import sys
import types
from typing import Any

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
