"""Background jobs work row by row; one row that fails (bad data, a bug) must not stop the
rows after it, tick after tick. ``sweep`` runs a handler per row, logs and skips failures,
and reports them at the end so the run is still recorded as failed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

logger = logging.getLogger("sheda.jobs")


class SweepFailed(Exception):
    """Some rows failed; ``done`` rows were changed all the same."""

    def __init__(self, what: str, done: int, failed: list[int]) -> None:
        shown = ", ".join(str(i) for i in failed[:20]) + (" …" if len(failed) > 20 else "")
        super().__init__(f"{len(failed)} {what} failed (ids {shown}); {done} done")
        self.done = done
        self.failed = failed


async def sweep(ids: Iterable[Any], handle: Callable[[int], Awaitable[bool]], *, what: str) -> int:
    """``handle(id)`` returns whether it changed the row. Returns how many did. (``ids`` as
    Tortoise's flat values_list gives them, which its stubs type as tuples.)"""
    done, failed = 0, []
    for row_id in ids:
        try:
            done += bool(await handle(row_id))
        except Exception:
            logger.exception("%s %s failed; skipped until the next tick", what, row_id)
            failed.append(row_id)
    if failed:
        raise SweepFailed(what, done, failed)
    return done
