"""Admin uploads: every file is identified by its content and checked before any is stored,
so one bad file in a batch leaves nothing behind."""

from __future__ import annotations

from dataclasses import dataclass

from sheda.common.images import MAX_IMAGE_BYTES, clean_image
from sheda.common.storage import MediaStore
from sheda.errors import PayloadTooLarge, UnsupportedMediaType
from sheda.media.schemas import UploadedFile, UploadKind

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

_FOLDERS = {
    UploadKind.PROFILE: "profile",
    UploadKind.PROPERTY: "property",
    UploadKind.DOCUMENT: "documents",
}
_LIMITS = {
    UploadKind.PROFILE: MAX_IMAGE_BYTES,
    UploadKind.PROPERTY: MAX_IMAGE_BYTES,
    UploadKind.DOCUMENT: MAX_DOCUMENT_BYTES,
}


@dataclass(frozen=True)
class _Checked:
    data: bytes
    extension: str
    content_type: str


def is_pdf(data: bytes) -> bool:
    # The header must open the file; the trailer marker sits within the last 1024 bytes
    # (trailing whitespace or a final newline after it is common).
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


async def _check(kind: UploadKind, data: bytes, index: int) -> _Checked:
    number = index + 1
    limit = _LIMITS[kind]
    if len(data) > limit:
        raise PayloadTooLarge(f"File {number}: at most {limit // (1024 * 1024)} MB per file")
    if is_pdf(data):
        if kind is not UploadKind.DOCUMENT:
            raise UnsupportedMediaType(
                f"File {number}: PDF is accepted only for documents; "
                "send a JPEG, PNG or WebP image"
            )
        return _Checked(data, "pdf", "application/pdf")  # stored byte for byte
    try:
        image = await clean_image(data, field=f"body.files.{index}", max_bytes=limit)
    except UnsupportedMediaType:
        accepted = "PDF, JPEG, PNG or WebP" if kind is UploadKind.DOCUMENT else "JPEG, PNG or WebP"
        raise UnsupportedMediaType(f"File {number}: only {accepted} files are accepted") from None
    return _Checked(image.data, image.extension, image.content_type)


async def upload(*, kind: UploadKind, files: list[bytes], media: MediaStore) -> list[UploadedFile]:
    # One at a time: image decoding is memory-heavy, and the batch is at most 10 files.
    checked = [await _check(kind, data, index) for index, data in enumerate(files)]
    folder = _FOLDERS[kind]
    stored: list[UploadedFile] = []
    try:
        for item in checked:
            url = await media.save(folder, item.extension, item.data)
            stored.append(
                UploadedFile(file_url=url, content_type=item.content_type, size=len(item.data))
            )
    except BaseException:
        # A failing write (disk full) must not leave half a batch.
        for done in stored:
            await media.delete_url(done.file_url)
        raise
    return stored
