"""Request and response bodies for uploads."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, RootModel, Strict

from sheda.common.schemas import Input

MAX_FILES = 10


class UploadKind(StrEnum):
    PROFILE = "profile"
    PROPERTY = "property"
    DOCUMENT = "document"


class UploadPath(Input):
    type: UploadKind


class UploadForm(Input):
    # Strict: a plain text form field named ``files`` must not pass for a file's bytes.
    files: list[Annotated[bytes, Strict()]] = Field(min_length=1, max_length=MAX_FILES)


class UploadedFile(BaseModel):
    file_url: str = Field(description="Public URL under /api/v1/media/")
    content_type: str = Field(description="Identified from the content, not the upload")
    size: int = Field(description="Bytes stored (images are re-encoded)")


class UploadedFiles(RootModel[list[UploadedFile]]):
    """The 201 body: a bare array, one item per file in upload order (documentation only)."""
