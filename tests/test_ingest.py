"""Incremental ingestion into a real Chroma index, and refusal of a foreign index."""

from __future__ import annotations

import shutil
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from rag.config import Settings
from rag.errors import IndexProblem, RagError
from rag.ingest import ingest
from rag.store import Store

from conftest import make_settings


def test_first_ingestion_adds_every_document(fresh_settings: Settings) -> None:
    report = ingest(fresh_settings)
    assert len(report.added) == 2 and report.chunks > 10
    store = Store(fresh_settings)
    assert [d.id for d in store.documents()] == sorted(p.name for p in fresh_settings.docs_dir.glob("*.txt"))
    assert store.count() == report.chunks == sum(d.chunks for d in store.documents())


def test_unchanged_files_are_skipped_changed_replaced_deleted_removed(fresh_settings: Settings) -> None:
    ingest(fresh_settings)
    again = ingest(fresh_settings)
    assert len(again.unchanged) == 2 and again.chunks == 0

    first, second = sorted(fresh_settings.docs_dir.glob("*.txt"))
    first.write_text(first.read_text() + "\nThe delegation also visited the Caspian port of Alat.\n")
    second.unlink()
    report = ingest(fresh_settings)
    assert report.updated == (first.name,)
    assert report.removed == (second.name,)
    store = Store(fresh_settings)
    assert [d.id for d in store.documents()] == [first.name]
    assert store.count() == store.documents()[0].chunks
    texts = store.collection.get(include=["documents"])["documents"]
    assert any("port of Alat" in t for t in texts)


def test_unreadable_files_are_skipped_with_a_reason_and_the_rest_ingested(fresh_settings: Settings) -> None:
    docs = fresh_settings.docs_dir
    (docs / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (docs / "empty.md").write_text("")
    (docs / "table.xlsx").write_bytes(b"PK\x03\x04")
    report = ingest(fresh_settings)
    reasons = dict(report.skipped)
    assert "binary" in reasons["photo.txt"]
    assert "empty" in reasons["empty.md"]
    assert "unsupported" in reasons["table.xlsx"]
    assert len(report.added) == 2
    assert "skipped photo.txt" in str(report)


def test_missing_or_empty_documents_folder_is_one_clear_error_and_keeps_the_index(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    ingest(settings)
    before = Store(settings).count()
    shutil.rmtree(settings.docs_dir)
    with pytest.raises(RagError, match="does not exist"):
        ingest(settings)
    settings.docs_dir.mkdir()
    with pytest.raises(RagError, match="no documents"):
        ingest(settings)
    assert Store(settings).count() == before


def test_rebuild_starts_from_scratch(fresh_settings: Settings) -> None:
    ingest(fresh_settings)
    report = ingest(fresh_settings, rebuild=True)
    assert len(report.added) == 2 and not report.unchanged


def test_an_index_built_with_another_embedder_is_refused_with_the_fix(fresh_settings: Settings) -> None:
    path = fresh_settings.index_dir / "chroma"
    path.mkdir(parents=True)
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection(fresh_settings.collection, metadata={"embedder": "text-embedding-3-small", "dim": 1536})
    del client
    with pytest.raises(IndexProblem, match=r"text-embedding-3-small.*rag ingest --rebuild"):
        Store(fresh_settings)


def test_ingesting_single_files_leaves_the_others(fresh_settings: Settings) -> None:
    ingest(fresh_settings)
    extra = fresh_settings.docs_dir / "note.md"
    extra.write_text("# Note\n\nThe summit ended with a joint press conference.\n")
    report = ingest(fresh_settings, [extra])
    assert report.added == ("note.md",) and not report.removed
    assert len(Store(fresh_settings).documents()) == 3


def test_a_document_cut_short_by_a_crash_is_hidden_then_redone(fresh_settings: Settings) -> None:
    ingest(fresh_settings)
    store = Store(fresh_settings)
    victim = store.documents()[0]
    # A crash between a document's chunks and its commit record (chunk 0) leaves this state.
    store.collection.delete(ids=[f"{victim.id}::0"])
    store.invalidate()
    assert victim.id not in {d.id for d in store.documents()}
    assert not any(cid.startswith(victim.id) for cid in store.bm25().ids)
    report = ingest(fresh_settings)
    assert report.added == (victim.id,)
    store.invalidate()
    assert store.count() == sum(d.chunks for d in store.documents()) == len(store.bm25().ids)


def test_llama_index_reads_the_chunks_as_nodes_with_their_offsets(fresh_settings: Settings) -> None:
    from llama_index.core import VectorStoreIndex

    from rag.embeddings import MiniLMEmbedding

    ingest(fresh_settings)
    store = Store(fresh_settings)
    index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=MiniLMEmbedding())
    nodes = index.as_retriever(similarity_top_k=3).retrieve("Who is Azerbaijan's ambassador to Moscow?")
    assert nodes and all(n.node.ref_doc_id == n.node.metadata["source"] for n in nodes)
    for n in nodes:
        text = (fresh_settings.docs_dir / n.node.metadata["source"]).read_text(encoding="utf-8")
        assert text[n.node.metadata["start"] : n.node.metadata["end"]] == n.node.get_content()
        assert "svec" not in n.node.metadata  # sentence vectors stay out of llama-index's node copy


def test_a_text_repeated_across_files_is_embedded_once(fresh_settings: Settings, monkeypatch) -> None:
    from rag import embeddings

    docs = fresh_settings.docs_dir
    for p in docs.iterdir():
        p.unlink()
    notice = "This article may be reproduced only with the written permission of the publisher."
    for i in range(3):
        (docs / f"n{i}.txt").write_text(f"Report number {i} covers the harbour works.\n\n{notice}\n")
    embedded: list[str] = []
    model = embeddings.shared_model()
    original = model.embed
    monkeypatch.setattr(model, "embed", lambda texts: embedded.extend(texts) or original(texts))
    ingest(fresh_settings)
    assert embedded.count(notice) == 1
    store = Store(fresh_settings)
    assert store.count() == sum(d.chunks for d in store.documents()) and len(store.documents()) == 3


def test_a_failed_write_stops_ingestion_and_the_next_run_completes_it(fresh_settings: Settings, monkeypatch) -> None:
    calls = {"n": 0}
    original = Store.add_chunks

    def failing(self: Store, records, embeddings) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        original(self, records, embeddings)

    monkeypatch.setattr(Store, "add_chunks", failing)
    with pytest.raises(OSError, match="disk full"):
        ingest(fresh_settings)
    monkeypatch.setattr(Store, "add_chunks", original)
    report = ingest(fresh_settings)
    store = Store(fresh_settings)
    assert len(store.documents()) == 2 and len(report.added) + len(report.updated) >= 1
    assert store.count() == sum(d.chunks for d in store.documents()) == len(store.bm25().ids)
