"""The counting underneath /metrics with real processes sharing one directory, as a
server's workers do: a process that ended keeps its counts in the totals, a process that
replaced it adds its own (nothing lost, nothing counted twice), and the open-socket gauge
of a process killed with SIGKILL is dropped at the next scrape."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sheda import metrics
from tests.operations.metrics_text import label_sets, value

# One "worker": counts requests and opens sockets, then exits cleanly or stays up.
WORKER = """
import os, sys, time
os.environ["PROMETHEUS_MULTIPROC_DIR"] = sys.argv[1]
from sheda import metrics
metrics.ensure_dir()
metrics.process_started("worker")
for _ in range(int(sys.argv[2])):
    metrics.request_done("GET", "/health", 200, 0.001)
for _ in range(int(sys.argv[3])):
    metrics.socket_opened()
if sys.argv[4] == "exit":
    metrics.process_ended()
else:
    print("ready", flush=True)
    time.sleep(120)
"""


def worker(directory: Path, requests: int, sockets: int, *, stay: bool) -> subprocess.Popen[str]:
    ending = "stay" if stay else "exit"
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(directory), str(requests), str(sockets), ending],
        stdout=subprocess.PIPE,
        text=True,
    )
    if stay:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    else:
        assert proc.wait(timeout=30) == 0
    return proc


def scrape(directory: Path) -> str:
    return metrics.render(directory).decode()


def test_counts_survive_their_process_and_are_never_doubled(tmp_path):
    health = {"method": "GET", "route": "/health", "status": "200"}
    worker(tmp_path, 5, 1, stay=False)  # ended cleanly
    killed = worker(tmp_path, 3, 2, stay=True)
    text = scrape(tmp_path)
    assert value(text, "sheda_http_requests_total", **health) == 8
    assert value(text, "sheda_websockets_open") == 2  # the ended one's socket is gone

    killed.send_signal(signal.SIGKILL)  # the OOM killer, kill -9
    killed.wait(timeout=10)
    replacement = worker(tmp_path, 2, 1, stay=True)  # what a supervisor starts instead
    try:
        for _ in range(2):  # scraping again changes nothing
            text = scrape(tmp_path)
            assert value(text, "sheda_http_requests_total", **health) == 10
            assert value(text, "sheda_websockets_open") == 1
            pids = {labels["pid"] for labels in label_sets(text, "sheda_process_up")}
            assert pids == {str(replacement.pid)}
            assert {labels["pid"] for labels in label_sets(text, "process_open_fds")} == pids
            time.sleep(0.05)
    finally:
        replacement.kill()
        replacement.wait(timeout=10)
    assert not any(str(killed.pid) in name for name in os.listdir(tmp_path) if "live" in name)
