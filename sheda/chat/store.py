"""Storing a message on PostgreSQL in one statement, one round trip, no BEGIN/COMMIT.

One statement checks the retry (same sender and ``client_id``), the receiver, a block and
the listing, then creates the conversation or bumps its ``last_seq`` (``INSERT ... ON
CONFLICT DO UPDATE`` takes the row lock, so concurrent sends in one conversation get
consecutive seqs) and inserts the message with that seq. Being one statement, it is one
transaction: a unique violation (the same ``client_id`` sent twice at once) undoes the seq
bump with it, so seqs never have a gap and nothing is half-stored.

SQLite keeps the ORM path in service.py (one writer at a time there anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections

from sheda.chat.schemas import MessageOut

SEND_SQL = """
WITH retry AS (
    SELECT id, conversation_id, seq, sender_id, receiver_id, body, property_id, client_id,
           created_at, read_at
    FROM messages WHERE sender_id = $1::int AND client_id = $2::varchar
),
checks AS (
    SELECT
        EXISTS (SELECT 1 FROM users
                WHERE id = $3::int AND deleted_at IS NULL AND is_active) AS receiver_ok,
        EXISTS (SELECT 1 FROM blocks
                WHERE blocker_id = $3::int AND blocked_id = $1::int) AS blocked,
        ($4::int IS NULL OR EXISTS (SELECT 1 FROM properties
                                    WHERE id = $4::int AND is_active)) AS listing_ok,
        EXISTS (SELECT 1 FROM retry) AS is_retry
),
conversation AS (
    INSERT INTO conversations AS c (user_low_id, user_high_id, last_seq, low_read_seq,
                                    high_read_seq, property_id, last_message_at, created_at)
    SELECT $7::int, $8::int, 1,
           CASE WHEN $1::int = $7::int THEN 1 ELSE 0 END,
           CASE WHEN $1::int = $8::int THEN 1 ELSE 0 END,
           $4::int, $6::timestamptz, $6::timestamptz
    FROM checks WHERE receiver_ok AND NOT blocked AND listing_ok AND NOT is_retry
    ON CONFLICT (user_low_id, user_high_id) DO UPDATE SET
        last_seq = c.last_seq + 1,
        last_message_at = EXCLUDED.last_message_at,
        -- a sender has read up to its own message
        low_read_seq = CASE WHEN $1::int = $7::int THEN c.last_seq + 1 ELSE c.low_read_seq END,
        high_read_seq = CASE WHEN $1::int = $8::int THEN c.last_seq + 1 ELSE c.high_read_seq END,
        property_id = COALESCE(EXCLUDED.property_id, c.property_id)
    RETURNING c.id, c.last_seq
),
stored AS (
    INSERT INTO messages (conversation_id, seq, sender_id, receiver_id, body, property_id,
                          client_id, created_at)
    SELECT id, last_seq, $1::int, $3::int, $5::text, $4::int, $2::varchar, $6::timestamptz
    FROM conversation
    RETURNING id, conversation_id, seq, sender_id, receiver_id, body, property_id, client_id,
              created_at, read_at
)
SELECT checks.receiver_ok, checks.blocked, checks.listing_ok, checks.is_retry, m.*
FROM checks LEFT JOIN (SELECT * FROM stored UNION ALL SELECT * FROM retry) AS m ON true
"""


@dataclass(frozen=True)
class Outcome:
    receiver_ok: bool
    blocked: bool
    listing_ok: bool
    message: MessageOut | None
    stored_now: bool


async def store_message(
    *,
    sender_id: int,
    receiver_id: int,
    body: str,
    property_id: int | None,
    client_id: str | None,
    low: int,
    high: int,
    now: datetime,
) -> Outcome:
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        SEND_SQL, [sender_id, client_id, receiver_id, property_id, body, now, low, high]
    )
    row: dict[str, Any] = rows[0]
    message = None
    if row["id"] is not None:
        # The row names the message's columns as the table does (`body`, `created_at`).
        message = MessageOut.model_validate(row)
    return Outcome(
        receiver_ok=row["receiver_ok"],
        blocked=row["blocked"],
        listing_ok=row["listing_ok"],
        message=message,
        stored_now=message is not None and not row["is_retry"],
    )
