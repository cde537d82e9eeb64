"""Uploads land in the documents folder under a safe name, or are refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import uploads
from rag.uploads import UploadError, safe_upload_name, save_upload


@pytest.mark.parametrize("name", ["notes.md", "Report 2024.PDF", "page.html", "a.txt", "résumé.markdown"])
def test_plain_names_of_supported_types_are_accepted(name: str) -> None:
    assert safe_upload_name(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "is a path"),
        ("..\\evil.txt", "is a path"),
        ("/etc/passwd.txt", "is a path"),
        ("sub/dir.txt", "is a path"),
        ("evil..txt", "contains '..'"),
        ("nul\x00.txt", "control characters"),
        ("line\nbreak.txt", "control characters"),
        (".hidden.txt", "starts with a dot"),
        (" spaced.txt", "starts with a dot or a space"),
        ("program.exe", "not a supported type"),
        ("noext", "not a supported type"),
        ("", "has no name"),
        ("x" * 300 + ".txt", "longer than"),
    ],
)
def test_unsafe_or_unsupported_names_are_refused(name: str, reason: str) -> None:
    with pytest.raises(UploadError, match=reason):
        safe_upload_name(name)


def test_a_saved_upload_lands_in_the_documents_folder(tmp_path: Path) -> None:
    source = tmp_path / "upload.tmp"
    source.write_text("hello")
    docs = tmp_path / "docs"
    saved = save_upload(source, "notes.md", docs)
    assert saved == (docs / "notes.md").resolve()
    assert saved.read_text() == "hello"
    assert [p.name for p in docs.iterdir()] == ["notes.md"]  # no temporary file left behind


def test_an_upload_replaces_a_file_of_the_same_name(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("old")
    source = tmp_path / "new"
    source.write_text("new")
    save_upload(source, "notes.md", docs)
    assert (docs / "notes.md").read_text() == "new"


def test_a_file_over_the_size_limit_is_refused_with_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    source = tmp_path / "big"
    source.write_text("x" * 11)
    with pytest.raises(UploadError, match="the limit is"):
        save_upload(source, "big.txt", tmp_path / "docs")
    assert not (tmp_path / "docs" / "big.txt").exists()


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "empty"
    source.write_text("")
    with pytest.raises(UploadError, match="empty"):
        save_upload(source, "empty.txt", tmp_path / "docs")


def test_a_symlink_in_the_documents_folder_is_never_written_through(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (docs / "link.txt").symlink_to(outside)
    source = tmp_path / "src"
    source.write_text("overwrite")
    with pytest.raises(UploadError, match=r"outside the documents folder|not a regular file"):
        save_upload(source, "link.txt", docs)
    assert outside.read_text() == "keep"
