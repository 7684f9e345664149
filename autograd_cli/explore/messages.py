"""The explorer's own messages: widgets say what the user changed; the worker says what it found."""

from __future__ import annotations

from textual.message import Message

from ..points import Value
from .worker import Outcome


class ExpressionEdited(Message):
    """The expression field's text changed."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ValueEdited(Message):
    """An input got a new value (one element nudged or typed, or a whole tensor typed)."""

    def __init__(self, name: str, value: Value) -> None:
        super().__init__()
        self.name = name
        self.value = value


class CotangentEdited(Message):
    """v's text changed (typed, or a Jacobian row picked)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Computed(Message):
    """One stage of a computation is ready (posted from the worker thread)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome
