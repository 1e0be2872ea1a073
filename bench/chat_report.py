"""The chat benchmark's figures as a terminal summary and as the chat section of
docs/benchmarks.md (rewritten between its markers; the rest of the file is kept)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import replace_section

START = "<!-- chat:start -->"
END = "<!-- chat:end -->"


@dataclass
class Report:
    date: str
    command: str
    machine: dict[str, str]
    versions: dict[str, str]
    results: dict[str, Any]
    server_log: list[tuple[int, str]] = field(default_factory=list)  # (count, message)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _split(values: list[Any]) -> str:
    return " + ".join(_n(v) for v in values)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _faults(run: dict[str, Any]) -> str:
    found = [f"{run['lost']} lost", f"{run['duplicates']} duplicated"]
    if run["errors"]:
        found.append("error frames " + ", ".join(f"{k} x {v}" for k, v in run["errors"].items()))
    if run["closed"]:
        found.append("closed " + ", ".join(f"{k} x {v}" for k, v in run["closed"].items()))
    return ", ".join(found)


def _median_round(fan: dict[str, Any]) -> dict[str, Any]:
    rounds = sorted(fan["rounds"], key=lambda r: r["deliveries_per_s"])
    return rounds[len(rounds) // 2]


def table(report: Report) -> str:
    r = report.results
    memory, fan = r["memory"], r["fanout"]
    lines = [
        "| measure | result | conditions |",
        "|---|---:|---|",
    ]
    for run in r["latency"]:
        cond = (f"{run['rate']} msg/s for {run['duration']} s ({_n(run['sent'])} messages, "
                f"achieved {run['achieved_rate']}/s) over {_n(run['pairs'])} pairs whose two "
                f"sockets sit on different workers; {_n(run['sockets'])} sockets open; "
                f"{_faults(run)}")
        lines.append(
            f"| send → receive, cross-worker: p50 / p90 / p99 (max) | "
            f"{run['receive_p50']} / {run['receive_p90']} / **{run['receive_p99']} ms** "
            f"({run['receive_max']} ms) | {cond} |"
        )
        lines.append(
            f"| send → ack, same run: p50 / p90 / p99 (max) | {run['ack_p50']} / "
            f"{run['ack_p90']} / {run['ack_p99']} ms ({run['ack_max']} ms) | the ack follows "
            "the commit (one statement, so one transaction, per message) |"
        )
        idle = memory["idle_cpu"]
        busy = run["cpu"]["worker_cpu_seconds"]
        upkeep = idle["worker_cpu_seconds"] / idle["seconds"] * run["cpu"]["seconds"]
        lines.append(
            f"| worker CPU per message, same run | {(busy - upkeep) / run['sent'] * 1000:.1f} "
            f"ms | both workers' CPU time during the run ({busy} s) less what the same "
            f"sockets cost idle over as long ({upkeep:.2f} s), per message sent |"
        )
    middle = _median_round(fan)
    rates = ", ".join(_n(x["deliveries_per_s"]) for x in fan["rounds"])
    closed = sum(sum(x["closed"].values()) for x in fan["rounds"])
    lines.append(
        f"| fan-out: deliveries/s, median of {len(fan['rounds'])} rounds | "
        f"**{_n(middle['deliveries_per_s'])}/s** | one user with {_n(fan['sockets'])} sockets "
        f"({_split(fan['per_worker'])} per worker) receives a burst of {fan['burst']} messages "
        f"from {fan['senders']} senders = {_n(middle['expected'])} frames; "
        f"rounds: {rates}/s; {_n(middle['frames'])} frames in {middle['elapsed']} s, first "
        f"after {_ms(middle['first_ms'])}; {closed} sockets closed |"
    )
    lines.append(
        f"| fan-out: worker CPU per delivery | {middle['worker_us_per_delivery']} µs | both "
        "workers' CPU time during the median round / frames delivered |"
    )
    lines.append(
        f"| memory per idle socket | **{memory['kib_per_socket']} KiB** | VmRSS of both "
        f"workers {_split(memory['rss_before_mib'])} MiB → {_split(memory['rss_after_mib'])} "
        f"MiB (+{memory['grown_mib']} MiB) for {_n(memory['sockets'])} sockets of as many "
        f"users ({_split(memory['per_worker'])} per worker), read {memory['settle']} s "
        "after the last one opened |"
    )
    lines.append(
        f"| presence after the {_n(memory['sockets'])} sockets closed (all within about a "
        f"second) | {_n(r['online_after_close'])} users still online | `sheda:online:*` sets "
        "left in Redis 2 s later"
        + ("; should be 0: see the server log below |" if r["online_after_close"] else " |")
    )
    return "\n".join(lines)


def cpu_table(report: Report) -> str:
    r = report.results
    lines = [
        "| phase | wall | worker 1 | worker 2 | PostgreSQL | Redis | load generator | "
        "rest (kernel, other processes) | whole machine |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cpus = int(report.machine["cpus"])

    def row(name: str, cpu: dict[str, Any]) -> str:
        workers = " | ".join(f"{w} %" for w in cpu["workers"])
        named = sum(cpu["workers"]) + cpu["postgres"] + cpu["redis"] + cpu["client"]
        rest = max(0, cpu["machine"] * cpus - named)
        return (f"| {name} | {cpu['seconds']} s | {workers} | {cpu['postgres']} % | "
                f"{cpu['redis']} % | {cpu['client']} % | {rest} % | {cpu['machine']} % |")

    lines.append(row(f"idle, {_n(r['memory']['sockets'])} sockets open",
                     r["memory"]["idle_cpu"]))
    for run in r["latency"]:
        lines.append(row(f"latency, {run['rate']} msg/s", run["cpu"]))
    for number, fan_round in enumerate(r["fanout"]["rounds"], start=1):
        lines.append(row(f"fan-out round {number}", fan_round["cpu"]))
    return "\n".join(lines)


def summary(report: Report) -> str:
    return f"{table(report)}\n\nCPU (100 % = one core):\n\n{cpu_table(report)}"


def section(report: Report) -> str:
    m, v, r = report.machine, report.versions, report.results
    fan = r["fanout"]
    middle = _median_round(fan)
    deliveries = [x["deliveries_per_s"] for x in fan["rounds"]]
    spread = (f"{min(deliveries):,} to {max(deliveries):,}/s, median "
              f"{statistics.median(deliveries):,.0f}/s") if deliveries else "none"
    log_note = (
        "The server logged no warnings or errors."
        if not report.server_log
        else "The server's log (warnings, errors, tracebacks; count x message):\n\n```text\n"
        + "\n".join(f"{count:>5} x {line}" for count, line in report.server_log[:15])
        + "\n```"
    )
    return f"""{START}
## Chat: websockets on 2 workers with Redis fan-out

Measured {report.date} with `{report.command}`.

- **Machine**: {m['cpu']}, {m['cpus']} CPUs, {m['memory']} RAM ({m['system']}). **The load
  generator shares it** with the server's 2 workers, PostgreSQL and Redis (everything talks
  over 127.0.0.1), so every figure below includes the generator's own CPU use (see the CPU
  table): the server alone, on its own cores, would do better.
- **Software**: Python {v['python']}, Sanic {v['sanic']}, websockets {v['websockets']},
  redis-py {v['redis']}, Tortoise ORM {v['tortoise-orm']}, asyncpg {v['asyncpg']},
  PostgreSQL {v['postgresql']}, Redis {v['redis_server']}.
- **Server**: `sheda serve --workers 2` as deployed (`SHEDA_ENV=production`,
  `SHEDA_REDIS_URL`: every event is published once per recipient and each worker delivers
  to its own sockets) on a fresh database migrated by `sheda migrate` (dropped at the end).
  {r['users']:,} users are inserted with COPY and sign in over HTTP (bcrypt cost 4).
- **Load generator** (`bench/chat_load.py`): websockets {v['websockets']} on uvloop, one
  process for the senders and the latency sockets, {fan['receivers']} more for the fan-out
  sockets; `?token=` sockets without compression, as a browser opens them. Latency is
  measured by the receiving socket against the send time written in the message text (one
  clock: `time.time_ns()` on the same machine). Which worker holds a socket is read from
  `/proc` (the workers' socket inodes against `/proc/net/tcp`); the kernel picks the
  worker, so sockets of the fuller one are reopened until both hold as many
  ({r['memory'].get('reopened', 0):,} reopened in this run) and every socket is in a
  cross-worker pair.
- **Garbage collection**: the workers freeze what start-up built and collect the youngest
  generation every 10,000 allocations (`sheda/collector.py`; CPython's default of 700
  promoted every in-flight message to the oldest generation, whose full collections then
  stopped a worker for 100 to 300 ms every few seconds: that was the whole latency tail).
  The load generator does the same, and does not collect at all while it measures
  latency, so its own pauses are not counted as the server's.

{table(report)}

Fan-out rounds: {spread}. In these rounds the machine is saturated: in the median round the
load generator (mostly the {fan['receivers']} receiver processes reading the frames) took
{middle['cpu']['client']} % of a core against {sum(middle['cpu']['workers'])} % for both
workers, so the worker CPU per delivery is the figure that carries over to other hardware.
A burst stays under the server's 256-frame queue per socket: a bigger one against receivers
this slow would close sockets with 4008 (slow consumer), as designed.

CPU during each phase, from `/proc`: 100 % is one core; PostgreSQL counts the backends
serving the benchmark database; the load generator is the sending process, plus the
receiver processes in the fan-out rounds; "rest" is what the machine spent beyond those
(loopback TCP in the kernel, other processes); the machine figure is the share of all
{m['cpus']} CPUs busy (it was {r['busy_before']} % just before the measurements, with the
server idle):

{cpu_table(report)}

{log_note}
{END}"""


def write_doc(path: Path, report: Report) -> None:
    replace_section(section(report), START, END, path)
