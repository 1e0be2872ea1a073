"""Image checks by content, off the event loop.

The uploader's file name and content type are ignored: Pillow identifies the bytes. The
pixel count is checked from the header before any decoding, so a decompression bomb is
refused without allocating its pixels. Re-encoding drops EXIF (GPS), XMP and text chunks.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from sheda.errors import FieldError, PayloadTooLarge, UnsupportedMediaType

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 MP: more than any phone camera, far below a bomb

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
            image.load()
    except UnidentifiedImageError:
        raise UnsupportedMediaType("Only JPEG, PNG and WebP images are accepted") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses very large images while reading the header, before our own check.
        raise FieldError.one(field, f"The image has more than {MAX_PIXELS} pixels") from None
    except (OSError, SyntaxError, ValueError):
        raise FieldError.one(field, "The image is damaged or truncated") from None
    image = ImageOps.exif_transpose(image)  # keep the picture upright once EXIF is gone
    extension, content_type = _FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="WEBP", quality=88)
    return CleanImage(out.getvalue(), extension, content_type, image.width, image.height)


async def clean_image(
    data: bytes, *, field: str, max_bytes: int = MAX_IMAGE_BYTES
) -> CleanImage:
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Images may be at most {max_bytes // (1024 * 1024)} MB")
    if not data:
        raise FieldError.one(field, "The file is empty")
    return await asyncio.to_thread(_clean, data, field)
