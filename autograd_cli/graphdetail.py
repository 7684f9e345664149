"""What each node of an autograd graph holds: its forward output and its saved tensors.

``vjp graph`` draws what torch recorded. A ``grad_fn`` keeps no reference to the tensor it
made, so the forward pass runs under :class:`Outputs`, a ``TorchFunctionMode`` that notes
the shape and value of every tensor an op returns, keyed by the op's ``grad_fn``. Saved
tensors are read the way torchviz's ``make_dot`` reads them: the ``_saved_*`` attributes.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

MAX_VALUES = 100  # values shown per tensor; larger tensors give their shape only


def values(t: torch.Tensor) -> list[float] | None:
    """A tensor's values, flattened, or None when it has more than MAX_VALUES entries."""
    if t.numel() > MAX_VALUES or not (t.is_floating_point() or t.dtype in (torch.int64, torch.int32, torch.bool)):
        return None
    return [float(v) for v in t.detach().reshape(-1).tolist()]


class Outputs(TorchFunctionMode):
    """Records, per grad_fn, the tensors the forward pass made with it."""

    def __init__(self) -> None:
        super().__init__()
        self.by_fn: dict[int, list[torch.Tensor]] = {}
        self._keep: list[Any] = []  # the grad_fn objects stay alive, so their ids stay theirs

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor) and t.grad_fn is not None:
                fn = t.grad_fn
                seen = self.by_fn.setdefault(id(fn), [])
                if not seen:
                    self._keep.append(fn)
                if not any(s is t for s in seen):
                    seen.append(t)
        return out

    def of(self, fn: object) -> list[dict[str, Any]]:
        """The outputs of ``fn`` as ``{"shape": [...], "value": [...]}`` (value omitted when large)."""
        out = []
        for t in self.by_fn.get(id(fn), []):
            entry: dict[str, Any] = {"shape": list(t.shape)}
            vals = values(t)
            if vals is not None:
                entry["value"] = vals
            out.append(entry)
        return out


def saved(fn: object, names: dict[tuple[int, tuple[int, ...]], str]) -> list[dict[str, Any]]:
    """``fn``'s saved tensors and saved scalars, as torchviz shows them (``_saved_self`` -> ``self``).

    ``names`` maps (storage address, shape) to an input's name (see :func:`leaf_addresses`),
    so a saved input says which it is.
    """
    out: list[dict[str, Any]] = []
    for attr in sorted(a for a in dir(fn) if a.startswith("_saved_")):
        try:
            val = getattr(fn, attr)
        except RuntimeError:  # freed by an earlier backward
            continue
        entry: dict[str, Any] = {"name": attr[len("_saved_") :]}
        if isinstance(val, torch.Tensor):
            entry["shape"] = list(val.shape)
            vals = values(val)
            if vals is not None:
                entry["value"] = vals
            leaf = names.get((val.data_ptr(), tuple(val.shape))) if val.numel() else None
            if leaf is not None:
                entry["of"] = leaf
        elif isinstance(val, (bool, int, float)):
            entry["value"] = val if not isinstance(val, float) or math.isfinite(val) else str(val)
        elif isinstance(val, (tuple, list)) and all(isinstance(v, (bool, int, float)) for v in val):
            entry["value"] = list(val)
        elif val is None:
            continue
        else:
            entry["value"] = str(val)
        out.append(entry)
    return out


def leaf_addresses(
    leaves: list[torch.Tensor], names: list[str], elements: list[str] | None = None
) -> dict[tuple[int, tuple[int, ...]], str]:
    """(storage address, shape) -> name, for each leaf and, given ``elements``, each scalar element
    of a single leaf ``x`` (``x.unbind(0)`` gives views: x0 lives where x does, x1 one item further)."""
    out: dict[tuple[int, tuple[int, ...]], str] = {}
    for t, name in zip(leaves, names):
        out[(t.data_ptr(), tuple(t.shape))] = name
    if elements is not None and len(leaves) == 1:
        x = leaves[0]
        for i, name in enumerate(elements):
            out[(x.data_ptr() + i * x.element_size(), ())] = name
    return out
