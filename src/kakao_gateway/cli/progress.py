"""Progress for long CLI runs: a Rich bar with a status line below it on a terminal (the bar keeps its width at 80
columns, since the detail no longer shares its row), and plain progress lines when the output is not a terminal
(logs, pipes, CI), one per change."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from types import TracebackType

from rich.console import Console, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

LABEL_WIDTH = 24
QUIET_S = 10.0  # plain lines: a change of the detail alone (not of the count) is printed at most this often


class _BarWithDetail(Progress):
    """A progress bar, and under it one line of detail that may fold but never squeezes the bar."""

    detail: str = ""

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        if self.detail:
            yield Text(self.detail, overflow="fold")


class ProgressReport:
    """`with ProgressReport(console, label) as report: report.update(done, total, detail)`."""

    def __init__(self, console: Console, label: str, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.label = label
        self._monotonic = monotonic
        self._last: tuple[int, int | None, str] | None = None
        self._last_at = 0.0
        self._bar: _BarWithDetail | None = None
        self._task = None
        if console.is_terminal:
            self._bar = _BarWithDetail(
                TextColumn(
                    "{task.description}",
                    table_column=Column(max_width=LABEL_WIDTH, no_wrap=True, overflow="ellipsis"),
                ),
                BarColumn(bar_width=None),
                TaskProgressColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                expand=True,
            )
            self._task = self._bar.add_task(label, total=None)

    def __enter__(self) -> ProgressReport:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, completed: int, total: int | None, detail: str = "") -> None:
        if self._bar is not None and self._task is not None:
            self._bar.detail = detail
            self._bar.update(self._task, completed=completed, total=total)
            return
        now = self._monotonic()
        if self._last is not None:
            count_changed = self._last[:2] != (completed, total)
            if not count_changed and (self._last[2] == detail or now - self._last_at < QUIET_S):
                return
        self._last, self._last_at = (completed, total, detail), now
        share = f" ({completed * 100 // total}%)" if total else ""
        count = f"{completed}/{total}" if total is not None else str(completed)
        line = f"{self.label}: {count}{share}"
        self.console.print(f"{line} {detail}" if detail else line, markup=False, highlight=False, soft_wrap=True)
