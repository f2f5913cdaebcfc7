"""Jinja2's sandbox, bounded: a user template can neither escape nor run away.

SandboxedEnvironment refuses unsafe attributes but lets a template loop for
hours (``range`` nested in ``range``, or loops over a list nested ten deep) or build
a gigabyte (``"x" * 10**9``). Here every ``range`` of one render draws on one
budget, every ``{% for %}`` is compiled to step through a counter that stops the
render past a number of steps or its deadline (so a loop that writes nothing still
ends), repetition and powers are capped, and the output is streamed and cut off at
a size and a time limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

#: Items all the ``range`` calls of one render may produce together.
RANGE_BUDGET = 100_000
#: Longest string or list one ``*`` may build, and the largest exponent of ``**``.
MAX_PRODUCT = 100_000
MAX_EXPONENT = 64
#: Steps all the ``{% for %}`` loops of one render may take together.
LOOP_BUDGET = 1_000_000
#: Characters one render may write, and how long it may take.
MAX_OUTPUT = 1_000_000
MAX_SECONDS = 2.0
#: How long `check_bounded` waits for a render before giving up on it.
CHECK_SECONDS = 5.0
#: The filter every ``{% for %}`` iterable is passed through; a filter, not a global,
#: because a template can rebind a name but never a filter.
_LOOP_FILTER = "_bounded_loop"


@dataclass
class _Budget:
    """What is left to one render: range items, loop steps, and its deadline."""

    range_items: int = RANGE_BUDGET
    loop_steps: int = LOOP_BUDGET
    deadline: float = float("inf")


_budget: ContextVar[_Budget | None] = ContextVar("render_budget", default=None)

T = TypeVar("T")


class RenderLimit(SecurityError):
    """A render went over one of the bounds (a TemplateError, like other sandbox refusals)."""


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    budget = _budget.get()
    left = (budget.range_items if budget is not None else RANGE_BUDGET) - len(numbers)
    if left < 0:
        raise RenderLimit(
            f"the template's loops ask for more than {RANGE_BUDGET:,} items in all (range)"
        )
    if budget is not None:
        budget.range_items = left
    return numbers


def _bounded_loop(items: Iterable[Any]) -> Iterator[Any]:
    """``items``, one by one, charged to the render's loop budget and its deadline."""
    budget = _budget.get()
    if budget is None:  # rendered outside render_bounded: a budget of its own
        budget = _Budget(deadline=time.monotonic() + MAX_SECONDS)
    for item in items:
        budget.loop_steps -= 1
        if budget.loop_steps < 0:
            raise RenderLimit(f"the template's loops take more than {LOOP_BUDGET:,} steps in all")
        if time.monotonic() > budget.deadline:  # a clock read is cheap beside a Jinja step
            raise RenderLimit(f"the template takes more than {MAX_SECONDS:g} s to render")
        yield item


class BoundedEnvironment(SandboxedEnvironment):
    """A SandboxedEnvironment whose ranges share one budget per render and whose
    ``*`` and ``**`` cannot build huge values."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _bounded_range
        self.filters[_LOOP_FILTER] = _bounded_loop

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """The template's tree, with every ``{% for %}`` stepping through `_bounded_loop`."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(
                loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.lineno
            )
        return tree

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """``left operator right``, refused when the result would be too large."""
        if operator == "**":
            if isinstance(right, int) and abs(right) > MAX_EXPONENT:
                raise RenderLimit(f"exponent {right} is over {MAX_EXPONENT}")
            return left**right
        for sequence, count in ((left, right), (right, left)):
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(count, int)
                and len(sequence) * count > MAX_PRODUCT
            ):
                raise RenderLimit(f"'*' would build more than {MAX_PRODUCT:,} items")
        return left * right


def render_bounded(template: Any, context: Mapping[str, Any]) -> str:
    """Render ``template`` (of a BoundedEnvironment) with ``context``, streaming its
    output; RenderLimit past MAX_OUTPUT characters or MAX_SECONDS."""
    deadline = time.monotonic() + MAX_SECONDS
    token = _budget.set(_Budget(deadline=deadline))
    try:
        parts: list[str] = []
        size = 0
        for part in template.generate(**context):
            size += len(part)
            if size > MAX_OUTPUT:
                raise RenderLimit(f"the template writes more than {MAX_OUTPUT:,} characters")
            if time.monotonic() > deadline:
                raise RenderLimit(f"the template takes more than {MAX_SECONDS:g} s to render")
            parts.append(part)
        return "".join(parts)
    finally:
        _budget.reset(token)


def check_bounded(work: Callable[[], T], timeout: float = CHECK_SECONDS) -> T:
    """Run ``work`` (a trial render) in a daemon thread; its result, its exception,
    or RenderLimit when it is still running after ``timeout`` seconds."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as err:  # handed to the caller below
            outcome["error"] = err

    worker = threading.Thread(target=run, name="template check", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise RenderLimit(f"the template takes more than {timeout:g} s to render")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
