"""Image uploads at the limits: what a few large images cost the server in CPU and memory.

Issue 12 measured, before the image bounds: ten 6000x6600 PNGs in one listing upload took
11.4 s of CPU; three concurrent avatar uploads took a worker's RSS to about 1 GB and left
394 MiB held after one. This runner repeats those requests on the embedded server (one
worker, SQLite) and adds the largest images that are accepted:

- ten 6000x6600 PNGs (39.6 MP: under the pixel limit, over the decode bound) in one upload;
- ten 4096x4096 PNGs (16.8 MP, the largest PNG that is decoded);
- ten 6000x6600 JPEGs (decoded at half scale);
- three concurrent avatar uploads of a 4096x4096 PNG, from three users.

Per case: status, wall time, the worker's CPU seconds, its RSS before, at the peak (sampled
every 10 ms) and 5 s after. The files are small (flat colour with a few shapes: under the
5 MB limit) because the cost is in decoding pixels, not bytes. Writes its section of
docs/benchmarks.md.

    python -m bench.run_images [--no-doc]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw

from bench.harness import (
    ROOT,
    Server,
    cpu_seconds,
    free_port,
    log,
    machine,
    replace_section,
    rss_kib,
)

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- images:start -->", "<!-- images:end -->"
PASSWORD = "bench-images-2026"  # noqa: S105 - the bench accounts' password


def picture(width: int, height: int, fmt: str) -> bytes:
    image = Image.new("RGB", (width, height), (200, 180, 150))
    draw = ImageDraw.Draw(image)
    for step in range(0, min(width, height) // 2, 250):
        draw.rectangle((step, step, width - step, height - step), outline=(20, step % 255, 90),
                       width=9)
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


class Sampler:
    """The peak RSS of one process, read from /proc every 10 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def sign_up(http: httpx.AsyncClient, email: str, user_type: str) -> dict[str, str]:
    response = await http.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "user_type": user_type})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def measure(server: Server) -> list[dict[str, Any]]:
    (worker,) = server.worker_pids()
    async with httpx.AsyncClient(base_url=server.url, timeout=300) as http:
        agent = await sign_up(http, "agent@bench.example.com", "agent")
        clients = [await sign_up(http, f"c{n}@bench.example.com", "client") for n in range(3)]
        listing = await http.post("/api/v1/properties", headers=agent, json={
            "title": "Bench flat", "description": "Images at the limits", "price": 1000,
            "property_type": "apartment", "listing_type": "rent", "address": "1 Bench Road",
            "city": "Lekki", "state": "Lagos", "bedrooms": 2, "bathrooms": 1})
        listing.raise_for_status()
        images_url = f"/api/v1/properties/{listing.json()['id']}/images"

        async def listing_upload(body: bytes, kind: str) -> list[int]:
            files = [("files", (f"p{n}.{kind}", body, f"image/{kind}")) for n in range(10)]
            response = await http.post(images_url, headers=agent, files=files)
            return [response.status_code]

        async def avatars(body: bytes) -> list[int]:
            async def one(headers: dict[str, str]) -> int:
                files = {"file": ("me.png", body, "image/png")}
                return (await http.put("/api/v1/users/me/avatar", headers=headers,
                                       files=files)).status_code
            return list(await asyncio.gather(*(one(headers) for headers in clients)))

        png_largest = picture(4096, 4096, "PNG")
        # The avatars first, on a fresh worker, so that the peak is theirs alone.
        cases = [
            ("3 concurrent avatars, 4096x4096 PNG", lambda: avatars(png_largest), png_largest),
            ("10 x 6000x6600 PNG in one upload", None, picture(6000, 6600, "PNG")),
            ("10 x 4096x4096 PNG in one upload", None, png_largest),
            ("10 x 6000x6600 JPEG in one upload", None, picture(6000, 6600, "JPEG")),
        ]
        results = []
        for name, run, body in cases:
            if run is None:
                kind = "jpeg" if body[:2] == b"\xff\xd8" else "png"
                run = (lambda body=body, kind=kind: listing_upload(body, kind))  # noqa: E731
            await asyncio.sleep(2)
            rss_before, cpu_before = rss_kib(worker), cpu_seconds(worker)
            started = time.perf_counter()
            with Sampler(worker) as sampler:
                statuses = await run()
            wall = time.perf_counter() - started
            cpu = cpu_seconds(worker) - cpu_before
            await asyncio.sleep(5)
            results.append({
                "case": name, "file_kib": len(body) // 1024, "statuses": statuses,
                "wall_s": wall, "cpu_s": cpu, "rss_before_mib": rss_before / 1024,
                "rss_peak_mib": max(sampler.peak, rss_before) / 1024,
                "rss_after_mib": rss_kib(worker) / 1024})
            log(f"{name}: {results[-1]}")
        return results


def section(results: list[dict[str, Any]]) -> str:
    box = machine()
    lines = [
        START,
        "## Image uploads at the limits (`bench/run_images.py`)",
        "",
        f"{time.strftime('%Y-%m-%d')}, {box['cpu']} ({box['cpus']} CPUs, {box['memory']}); "
        "embedded server (one worker, SQLite). Images are decoded in the worker's own pool "
        "of 2 threads; a PNG or WebP with more pixels than 4096 x 4096 is refused from its "
        "header; a JPEG is decoded at the smallest scale that keeps 2048 px on its long "
        "side; stored images are at most 4096 px; freed pixel buffers are returned to the "
        "system after each image (`malloc_trim`).",
        "",
        "| case | file | answer | wall | worker CPU | RSS before | RSS peak | RSS 5 s after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results:
        lines.append(
            f"| {row['case']} | {row['file_kib']} KiB | {', '.join(map(str, row['statuses']))} "
            f"| {row['wall_s']:.2f} s | {row['cpu_s']:.2f} s | {row['rss_before_mib']:.0f} MiB "
            f"| {row['rss_peak_mib']:.0f} MiB | {row['rss_after_mib']:.0f} MiB |")
    lines += [
        "",
        "Before the bounds (issue 12): ten 6000x6600 PNGs cost 11.4 s of CPU; three "
        "concurrent avatars took RSS to about 1 GB, with 394 MiB held after one.",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sheda-images-bench-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHEDA_")}
    env.update(SHEDA_DATA_DIR=str(work / "data"), SHEDA_BCRYPT_ROUNDS="4",
               SHEDA_RATE_REGISTER_IP="1000/3600")
    port = free_port()
    server = Server("sheda", [sys.executable, "-m", "sheda.cli", "serve", "--host", "127.0.0.1",
                              "--port", str(port)], env, port, work, 1)
    server.start()
    try:
        server.wait_ready(worker_lines=True)
        results = asyncio.run(measure(server))
    finally:
        server.stop()
    text = section(results)
    print(text)
    if not args.no_doc:
        replace_section(text, START, END, DOC)
        log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
