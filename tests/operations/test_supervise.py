"""sheda/supervise.py's rules, on a stand-in for Sanic's worker manager (the real thing, a
worker killed with -9 under chat load, is tests/chat_cluster/test_worker_killed.py): a dead
process with a failure status is started again, a clean exit or a live one is left alone,
and one that keeps dying is left down after MAX_RESTARTS in WINDOW seconds."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from sanic.worker.constants import ProcessState

from sheda import supervise


@dataclass
class FakeProcess:
    name: str
    state: ProcessState
    alive: bool = False
    pid: int = 4242
    restarts: int = 0

    def is_alive(self) -> bool:
        return self.alive

    def restart(self) -> None:
        self.restarts += 1
        self.state, self.alive = ProcessState.ACKED, True


class FakeManager:
    def __init__(self, *processes: FakeProcess) -> None:
        self.processes = list(processes)
        self.synced = 0

    def _sync_states(self) -> None:
        self.synced += 1


def test_a_dead_worker_is_started_again_and_the_others_are_left_alone(caplog):
    dead = FakeProcess("Sanic-Server-1-0", ProcessState.FAILED)
    done = FakeProcess("Sanic-Server-2-0", ProcessState.COMPLETED)
    running = FakeProcess("Sanic-Server-0-0", ProcessState.ACKED, alive=True)
    jobs = FakeProcess("Sanic-ShedaJobs-0", ProcessState.FAILED)  # its own watchdog's
    manager = FakeManager(dead, done, running, jobs)
    supervise.supervise(manager)
    with caplog.at_level(logging.WARNING, "sheda.supervise"):
        manager._sync_states()
    assert manager.synced == 1  # Sanic's own sync still runs, first
    assert (dead.restarts, done.restarts, running.restarts, jobs.restarts) == (1, 0, 0, 0)
    assert "Sanic-Server-1-0 (pid 4242) died" in caplog.text


def test_a_worker_that_keeps_dying_is_left_down(caplog, monkeypatch: pytest.MonkeyPatch):
    now = [1000.0]
    monkeypatch.setattr(supervise.time, "monotonic", lambda: now[0])
    crashing = FakeProcess("Sanic-Server-1-0", ProcessState.FAILED)
    manager = FakeManager(crashing)
    supervise.supervise(manager)
    for _ in range(supervise.MAX_RESTARTS + 3):
        crashing.state, crashing.alive = ProcessState.FAILED, False  # it died again
        now[0] += 1
        manager._sync_states()
    assert crashing.restarts == supervise.MAX_RESTARTS
    assert "leaving it down" in caplog.text
    # once the window has passed, a new crash would be... still left down: an operator
    # looks at it (the log said why)
    now[0] += supervise.WINDOW * 2
    manager._sync_states()
    assert crashing.restarts == supervise.MAX_RESTARTS


def test_restarts_spread_out_in_time_go_on(monkeypatch: pytest.MonkeyPatch):
    now = [0.0]
    monkeypatch.setattr(supervise.time, "monotonic", lambda: now[0])
    flaky = FakeProcess("Sanic-Server-0-0", ProcessState.FAILED)
    manager = FakeManager(flaky)
    supervise.supervise(manager)
    for _ in range(supervise.MAX_RESTARTS * 3):
        flaky.state, flaky.alive = ProcessState.FAILED, False
        now[0] += supervise.WINDOW  # one crash a minute: each is restarted
        manager._sync_states()
    assert flaky.restarts == supervise.MAX_RESTARTS * 3
