"""Stopping the hub ends its Redis subscriber even when a cancellation is lost on the way
(Python 3.11's asyncio.wait_for can swallow one that arrives as its inner call finishes:
a server being stopped then waited for the subscriber forever)."""

from __future__ import annotations

import asyncio

from sheda.chat.hub import _cancel_for_sure


async def test_a_task_that_swallows_cancellations_still_ends() -> None:
    swallowed = 0

    async def subscriber() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                if swallowed == 2:
                    raise
                swallowed += 1  # lost, as inside wait_for; the loop goes on

    task = asyncio.get_running_loop().create_task(subscriber())
    await asyncio.sleep(0)
    await asyncio.wait_for(_cancel_for_sure(task), timeout=10)
    assert task.done() and task.cancelled()
    assert swallowed == 2


async def test_a_task_that_already_ended_is_left_alone() -> None:
    task = asyncio.get_running_loop().create_task(asyncio.sleep(0))
    await task
    await _cancel_for_sure(task)
    assert task.done() and not task.cancelled()
