"""Media files on disk under one root, named by the server (never by the uploader)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path


class MediaStore:
    URL_PREFIX = "/api/v1/media/"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _write(self, relative: str, data: bytes) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)  # readers never see half a file

    async def save(self, folder: str, extension: str, data: bytes) -> str:
        """Store bytes under ``folder/<random>.<extension>``; returns the public URL."""
        relative = f"{folder}/{uuid.uuid4().hex}.{extension}"
        await asyncio.to_thread(self._write, relative, data)
        return self.URL_PREFIX + relative

    def resolve(self, relative: str) -> Path | None:
        """The file for a URL path, or None when it is missing or outside the root."""
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or candidate.suffix == ".part":
            return None
        return candidate if candidate.is_file() else None

    async def delete_url(self, url: str | None) -> None:
        if not url or not url.startswith(self.URL_PREFIX):
            return
        path = self.resolve(url.removeprefix(self.URL_PREFIX))
        if path is not None:
            await asyncio.to_thread(path.unlink, True)
