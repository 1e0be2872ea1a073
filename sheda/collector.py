"""Garbage-collector settings for a serving worker: short pauses under load.

CPython's default thresholds (700, 10, 10) collect the youngest generation every 700
allocations. A worker sending 250 chat messages a second allocates that many objects in
well under a millisecond, so everything still in flight (a message waiting for
PostgreSQL or Redis lives a few milliseconds) survives two collections and is promoted to
the oldest generation. That generation then fills quickly and is collected in full every
few seconds; with 1,000 sockets open, a full collection walks every socket's objects and
stopped the worker for 100 to 300 ms, which was the chat's whole latency tail (measured with
``bench/run_chat.sh``: send → receive p99 50 to 85 ms at 500 messages/s; 14 ms with these
settings, docs/benchmarks.md).

So a worker, once started, does two things:

- ``gc.freeze()`` moves what start-up built (modules, routes, models, pools) out of the
  collector's sight: it lives as long as the process and no collection needs to walk it;
- a youngest-generation threshold of ``GEN0_THRESHOLD`` allocations: in-flight objects die
  before their first collection instead of being promoted, so the oldest generation grows
  only by what really lives long (a socket) and full collections become rare. Each young
  collection walks at most that many objects: about a millisecond.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000  # allocations between young collections (CPython's default: 700)


def tune_for_serving() -> None:
    """Call once per serving process, after start-up and before the first request."""
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
