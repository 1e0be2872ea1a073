"""Image checks by content, off the event loop.

The uploader's file name and content type are ignored: Pillow identifies the bytes. The
pixel count is checked from the header before any decoding, so a decompression bomb is
refused without allocating its pixels. Re-encoding drops EXIF (GPS), XMP and text chunks.

Decoding is the costly part (a 40 MP PNG is 160 MB of pixels and seconds of CPU), so it is
bounded three ways: a JPEG is decoded at the smallest scale that still covers the stored
size (``draft``), what would decode to more than ``MAX_DECODED_BYTES`` is refused from its
header, and at most ``IMAGE_WORKERS`` images are decoded at once per worker (the others
wait their turn), so a few concurrent uploads cannot take the machine's memory. Stored
images are at most ``MAX_SIDE`` pixels on their long side (a JPEG decoded at a smaller
scale keeps at least half that).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import io
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from sheda.errors import FieldError, PayloadTooLarge, UnsupportedMediaType

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 MP: more than any phone camera, far below a bomb
MAX_SIDE = 4096  # stored images: plenty for a listing photo on a 4K screen
# Pillow keeps 4 bytes a pixel for RGB and RGBA. A PNG or WebP cannot be decoded at a
# smaller scale, so one is decoded only if it has no more pixels than the largest image we
# store (4096 x 4096, 64 MiB decoded; about 1.2 s of CPU): a bigger one would be decoded
# only to be shrunk. A JPEG of up to MAX_PIXELS is drafted below that.
MAX_DECODED_BYTES = MAX_SIDE * MAX_SIDE * 4
_TOO_LARGE_TO_DECODE = (
    f"The image is too large to decode: at most {MAX_SIDE * MAX_SIDE / 1e6:.1f} MP "
    "as PNG or WebP (JPEG up to the pixel limit)"
)
IMAGE_WORKERS = 2
# Its own threads: the concurrency limit, and bcrypt's threads never wait behind images.
_POOL = ThreadPoolExecutor(max_workers=IMAGE_WORKERS, thread_name_prefix="sheda-image")

_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


def _clean(data: bytes, field: str) -> CleanImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            if fmt not in _FORMATS:
                raise UnsupportedMediaType("Only JPEG, PNG and WebP images are accepted")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise FieldError.one(field, f"The image has more than {MAX_PIXELS} pixels")
            if fmt == "JPEG":
                # Decoded at 1/2, 1/4 or 1/8 scale when the long side stays at least half
                # the stored maximum: a 35 MP photo is decoded as 9 MP.
                scale = (MAX_SIDE // 2) / max(width, height)
                if scale < 1:
                    image.draft(image.mode, (int(width * scale) + 1, int(height * scale) + 1))
            if image.size[0] * image.size[1] * 4 > MAX_DECODED_BYTES:
                raise FieldError.one(field, _TOO_LARGE_TO_DECODE)
            image.load()
    except UnidentifiedImageError:
        raise UnsupportedMediaType("Only JPEG, PNG and WebP images are accepted") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses very large images while reading the header, before our own check.
        raise FieldError.one(field, f"The image has more than {MAX_PIXELS} pixels") from None
    except (OSError, SyntaxError, ValueError):
        raise FieldError.one(field, "The image is damaged or truncated") from None
    # Keep the picture upright once EXIF is gone; in place, as a copy would double the memory.
    ImageOps.exif_transpose(image, in_place=True)
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    extension, content_type = _FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, format="PNG")  # optimize=True doubles the time for a few %
    else:
        image.save(out, format="WEBP", quality=88)
    return CleanImage(out.getvalue(), extension, content_type, image.width, image.height)


def _libc_malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim  # glibc only; absent on musl
    except (OSError, AttributeError):
        return None
    return trim


_MALLOC_TRIM = _libc_malloc_trim()


def _clean_and_release(data: bytes, field: str) -> CleanImage:
    """``_clean``, then the decoded pixels handed back to the system. glibc keeps large
    freed buffers in the thread's malloc arena for reuse, so a worker that had decoded a few
    big images held hundreds of MiB it no longer used (measured: 455 MiB after one upload of
    ten 25 MP PNGs); ``malloc_trim`` returns the free pages of every arena, in milliseconds."""
    try:
        return _clean(data, field)
    finally:
        if _MALLOC_TRIM is not None:
            _MALLOC_TRIM(0)


async def clean_image(
    data: bytes, *, field: str, max_bytes: int = MAX_IMAGE_BYTES
) -> CleanImage:
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Images may be at most {max_bytes // (1024 * 1024)} MB")
    if not data:
        raise FieldError.one(field, "The file is empty")
    return await asyncio.get_running_loop().run_in_executor(_POOL, _clean_and_release, data, field)
