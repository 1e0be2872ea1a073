"""State machines as data: each domain lists its moves (name, allowed sources, target) in
one table, and every move is applied here, as one conditional UPDATE on the states it may
start from, so of two concurrent requests only one changes the row.

A repeat of a move that already happened (the row is at the target) is not an error and
changes nothing; a move from any other state is a 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from tortoise.models import Model

from sheda.common.clock import utcnow
from sheda.errors import Conflict

State = TypeVar("State", bound=StrEnum)
Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True)
class Move(Generic[State]):
    done: str  # the move in the past tense, for messages: "confirmed", "paid for"
    sources: frozenset[State]
    target: State


@dataclass(frozen=True)
class Outcome(Generic[Row]):
    row: Row  # as it is now
    changed: bool  # False when the row was already at the target (a repeat)


async def apply(
    model: type[Row],
    row_id: int,
    move: Move[Any],
    *,
    noun: str,
    guard: dict[str, Any] | None = None,
    refused: str | None = None,
    values: dict[str, Any] | None = None,
) -> Outcome[Row]:
    """Move row ``row_id`` of ``model`` (whose state column is ``status``).

    ``guard`` adds conditions to the UPDATE (e.g. "its time has come"); when the row is in
    a source state but the guard fails, the move is refused with 409 and the ``refused``
    message. ``values`` are set
    with the new state. Inside ``in_transaction()`` both queries join the transaction."""
    changed = await model.filter(
        id=row_id, status__in=list(move.sources), **(guard or {})
    ).update(status=move.target, updated_at=utcnow(), **(values or {}))
    current = await model.get(id=row_id)
    # Every state machine's model has a status column; Model itself does not say so.
    status = current.status  # type: ignore[attr-defined]
    if not changed and status != move.target:
        if status in move.sources:  # the guard said no
            raise Conflict(refused or f"The {noun} cannot be {move.done} now")
        state = status.value.replace("_", " ")
        raise Conflict(f"The {noun} is {state}; it cannot be {move.done}")
    return Outcome(row=current, changed=bool(changed))
