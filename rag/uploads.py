"""Saving uploaded files into the documents folder, safely.

A name is accepted only as a plain file name of a supported type; the bytes are
written to a hidden temporary file inside the folder and renamed into place, so
a half-written upload is never ingested and never replaces a good file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

from .errors import RagError
from .loaders import SUPPORTED_SUFFIXES

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 200
UPLOAD_SUFFIXES = SUPPORTED_SUFFIXES


class UploadError(RagError):
    """An upload that is refused; the message says why and what is accepted."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def safe_upload_name(name: str) -> str:
    """``name`` if it is a plain, supported file name; raises ``UploadError`` otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise UploadError("the file has no name")
    shown = repr(name[:80])
    if "\x00" in name or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise UploadError(f"the file name {shown} contains control characters; rename the file")
    if "/" in name or "\\" in name or os.path.isabs(name):
        raise UploadError(f"the file name {shown} is a path; upload a file with a plain name such as notes.md")
    if ".." in name:
        raise UploadError(f"the file name {shown} contains '..'; rename the file")
    if name != name.strip() or name.startswith("."):
        raise UploadError(f"the file name {shown} starts with a dot or a space; rename the file")
    if len(name) > MAX_NAME_CHARS:
        raise UploadError(f"the file name is longer than {MAX_NAME_CHARS} characters; rename the file")
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        kinds = ", ".join(UPLOAD_SUFFIXES)
        raise UploadError(f"{shown} is not a supported type; upload {kinds} files")
    return name


def check_size(name: str, size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(f"{name} is {_megabytes(size)}; the limit is {_megabytes(MAX_UPLOAD_BYTES)}")
    if size == 0:
        raise UploadError(f"{name} is empty")


def save_upload(source: Path, name: str, docs_dir: Path) -> Path:
    """Copy the uploaded file ``source`` into ``docs_dir`` as ``name``; returns the saved path."""
    name = safe_upload_name(name)
    check_size(name, source.stat().st_size)
    root = docs_dir.resolve()
    root.mkdir(parents=True, exist_ok=True)
    target = (root / name).resolve()
    if target.parent != root:
        raise UploadError(f"{name!r} would be saved outside the documents folder; rename the file")
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise UploadError(f"{name} exists in the documents folder and is not a regular file")
    # A leading dot keeps a concurrent ingestion from picking up the half-written file.
    handle, temp = tempfile.mkstemp(dir=root, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, length=1 << 20)
            if out.tell() > MAX_UPLOAD_BYTES:  # the file grew while it was copied
                raise UploadError(f"{name} is larger than {_megabytes(MAX_UPLOAD_BYTES)}")
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
