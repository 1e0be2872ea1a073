"""Prometheus metrics that add up over every process of one server.

prometheus-client's multiprocess mode: each process (the main one, every worker, the
background loop's) writes its values to memory-mapped files in one directory, and a scrape,
whichever worker answers it, reads them all. The directory is chosen by the main process
before any worker starts (``SHEDA_METRICS_DIR``, or a fresh temporary one) and emptied at
start, so a new server never counts an old one's requests. Counters of a process that died
stay (a restarted worker neither loses nor doubles the others' counts); its live gauges
(open websockets) are dropped at the next scrape. Process metrics (CPU, memory, open files)
are read from /proc at scrape time, for every live process of the server, labelled with its
pid and role.

Metric objects are made on first use, in the process that uses them, after the directory is
known: prometheus-client picks its value store when a metric is made.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from sheda.config import get_prometheus_dir, set_prometheus_dir

logger = logging.getLogger("sheda.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"  # the route label of a request no route matched (never the raw path)
_LIVE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


# --- the directory ---------------------------------------------------------------------------

_owned_dir: Path | None = None  # a temporary directory this process made (and removes)


def prepare_server_dir(configured: Path | None) -> Path:
    """Main process, before workers start: the directory for this server run, emptied."""
    global _owned_dir
    if configured is None:
        path = _owned_dir = Path(tempfile.mkdtemp(prefix="sheda-metrics-"))
    else:
        path = configured
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # a previous run's counts
            stale.unlink()
    _use(path)
    return path


def ensure_dir() -> Path:
    """Any process: the directory inherited from the main process, or (a test's server,
    ``--single-process``, a command) a temporary one of this process's own."""
    global _owned_dir
    inherited = get_prometheus_dir()
    if inherited and Path(inherited).is_dir():
        path = Path(inherited)
    else:
        path = _owned_dir = Path(tempfile.mkdtemp(prefix="sheda-metrics-"))
    _use(path)
    return path


def _use(path: Path) -> None:
    set_prometheus_dir(str(path))  # read by prometheus-client, and inherited by workers
    if not getattr(values.ValueClass, "_multiprocess", False) and not _made():
        # prometheus-client chose its value store at import, possibly before the variable
        # was set (the main process imports us first); no metric exists yet to be stranded.
        values.ValueClass = values.MultiProcessValue()


def remove_owned_dir() -> None:
    """Main process at stop (or a process that made its own directory)."""
    global _owned_dir
    if _owned_dir is not None:
        shutil.rmtree(_owned_dir, ignore_errors=True)
        _owned_dir = None


def process_ended(pid: int | None = None) -> None:
    """A clean stop of a process that is about to exit: its live gauges no longer count.
    (Not for a test's in-process server: the process goes on, and its open value files
    would be left pointing at deleted files.)"""
    path = get_prometheus_dir()
    if path and Path(path).is_dir():
        multiprocess.mark_process_dead(pid or os.getpid(), path)


# --- the metrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Metrics:
    http_requests: Counter
    http_duration: Histogram
    websockets_open: Gauge
    messages_sent: Counter
    frames_delivered: Counter
    slow_consumer_closes: Counter
    job_runs: Counter
    process_up: Gauge
    mail_backlog: Gauge


@cache
def _metrics() -> _Metrics:
    # registry=None: in multiprocess mode a scrape reads the files, not a registry.
    return _Metrics(
        http_requests=Counter(
            "sheda_http_requests_total",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=None,
        ),
        http_duration=Histogram(
            "sheda_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=None,
        ),
        websockets_open=Gauge(
            "sheda_websockets_open",
            "Chat websockets open now, over every worker.",
            registry=None,
            multiprocess_mode="livesum",
        ),
        messages_sent=Counter(
            "sheda_chat_messages_sent_total",
            "Chat messages stored (retries of a stored message not counted), by transport.",
            ["transport"],
            registry=None,
        ),
        frames_delivered=Counter(
            "sheda_chat_frames_delivered_total",
            "Frames written to chat sockets (messages, acks, receipts, notifications...).",
            registry=None,
        ),
        slow_consumer_closes=Counter(
            "sheda_chat_slow_consumer_closes_total",
            "Sockets closed with 4008 because their send queue was full.",
            registry=None,
        ),
        job_runs=Counter(
            "sheda_job_runs_total",
            "Runs of the background loop's jobs, by job and outcome (ok or failed).",
            ["job", "outcome"],
            registry=None,
        ),
        process_up=Gauge(
            "sheda_process_up",
            "1 for every live process of the server, by role (main, worker, jobs).",
            ["role"],
            registry=None,
            multiprocess_mode="liveall",
        ),
        mail_backlog=Gauge(
            "sheda_mail_backlog",
            "Mails stored but not sent yet (the mail server down or refusing), as last "
            "counted by the background loop.",
            registry=None,
            multiprocess_mode="mostrecent",
        ),
    )


def _made() -> bool:
    return _metrics.cache_info().currsize > 0


def process_started(role: str) -> None:
    _metrics().process_up.labels(role=role).set(1)


def request_done(method: str, route: str, status: int, seconds: float) -> None:
    m = _metrics()
    m.http_requests.labels(method=method, route=route, status=str(status)).inc()
    m.http_duration.labels(method=method, route=route).observe(seconds)


def socket_opened() -> None:
    _metrics().websockets_open.inc()


def socket_closed() -> None:
    _metrics().websockets_open.dec()


def message_sent(transport: str) -> None:
    _metrics().messages_sent.labels(transport=transport).inc()


def frame_delivered() -> None:
    _metrics().frames_delivered.inc()


def slow_consumer_closed() -> None:
    _metrics().slow_consumer_closes.inc()


def mail_waiting(count: int) -> None:
    _metrics().mail_backlog.set(count)


def job_ran(job: str, ok: bool) -> None:
    _metrics().job_runs.labels(job=job, outcome="ok" if ok else "failed").inc()


# --- a scrape ----------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_dead_processes(path: Path) -> None:
    """A worker killed without a clean stop (kill -9, the OOM killer) still has live-gauge
    files; its open sockets are gone with it."""
    for entry in path.iterdir():
        found = _LIVE_FILE.match(entry.name)
        if found and not _alive(int(found.group(1))):
            with contextlib.suppress(FileNotFoundError):
                multiprocess.mark_process_dead(int(found.group(1)), str(path))


class _ServerProcesses(Collector):
    """process_* metrics of every live process of the server (from its sheda_process_up
    samples), labelled with pid and role; multiprocess mode has no process collector."""

    def __init__(self, members: Iterable[tuple[str, str]]) -> None:
        self._members = list(members)

    def collect(self) -> Iterable[Metric]:
        merged: dict[str, Metric] = {}
        for pid, role in self._members:
            for family in ProcessCollector(pid=partial(str, pid), registry=None).collect():
                out = merged.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    out.add_sample(
                        sample.name, {**sample.labels, "pid": pid, "role": role}, sample.value
                    )
        return list(merged.values())


class _Collected(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def render(directory: Path | None = None) -> bytes:
    """The Prometheus text of the whole server (of ``directory``, default this process's).
    Reads files: call it in a thread."""
    path = directory or Path(get_prometheus_dir() or ensure_dir())
    _drop_dead_processes(path)
    families = list(multiprocess.MultiProcessCollector(None, path=str(path)).collect())
    members = [
        (sample.labels["pid"], sample.labels["role"])
        for family in families
        if family.name == "sheda_process_up"
        for sample in family.samples
    ]
    registry = CollectorRegistry()
    registry.register(_Collected(families))
    registry.register(_ServerProcesses(members))
    return generate_latest(registry)
