"""The command palette (ctrl+p): the explorer's actions by name, beside Textual's own."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .panes import TITLES
from .worker import PANES

if TYPE_CHECKING:
    from .app import ExploreApp


class ExplorerCommands(Provider):
    """Show a pane, change the Jacobian's view, load an example, reset the point, change the step."""

    def commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: ExploreApp = self.app  # type: ignore[assignment]
        out: list[tuple[str, str, Callable[[], object]]] = []
        for name in PANES:
            title = TITLES[name]
            out.append((f"Show: {title}", f"the {title.lower()} pane", partial(app.action_pane, name)))
        for view in ("numbers", "heat", "auto"):
            out.append((f"Jacobian view: {view}", "how the Jacobian is drawn", partial(app.set_view, view)))
        out += [
            ("Reset the point", "back to the point the explorer started with", app.action_reset),
            ("Step ×10", "nudge by a larger step", partial(app.action_step, 1)),
            ("Step ÷10", "nudge by a smaller step", partial(app.action_step, -1)),
            ("Hessian: next output", "the Hessian of the next output", partial(app.action_output, 1)),
            ("Hessian: previous output", "the Hessian of the previous output", partial(app.action_output, -1)),
            ("Keys and help", "what each key does", app.action_help),
        ]
        for example in app.example_list():
            out.append(
                (
                    f"Example: {example.name}",
                    example.description or example.expression,
                    partial(app.load_example, example.name),
                )
            )
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
