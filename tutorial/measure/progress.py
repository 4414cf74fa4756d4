"""Where a long run is: tqdm's bar on a terminal, else a line a task (CI logs, tee)."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm


class Progress:
    """``next(task)`` as each task starts; ``done()`` at the end."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        self.done_count = 0
        self.bar = tqdm(total=total, file=sys.stderr) if sys.stderr.isatty() else None

    def next(self, task: str) -> None:
        if self.bar is not None:
            if self.done_count:
                self.bar.update()
            self.bar.set_description_str(task)
        else:
            elapsed = int(time.monotonic() - self.started)
            clock = f"{elapsed // 60}:{elapsed % 60:02d}"
            print(f"[{self.done_count}/{self.total} {clock}] {task}", file=sys.stderr)
        self.done_count += 1

    def done(self) -> None:
        if self.bar is not None:
            self.bar.update(self.total - self.bar.n)
            self.bar.close()
        else:
            self.next("done")
