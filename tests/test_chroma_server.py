"""Server mode: ``RAG_CHROMA_URL`` against a real ``chroma run``, shared by several app instances."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answer import Pipeline
from rag.config import Settings
from rag.ingest import ingest
from rag.loaders import load_text
from rag.store import STAMP_CHECK_SECONDS
from rag.text import terms

from conftest import make_settings

NEW_ARTICLE = (
    "Caspian ferry schedule\n"
    "The overnight ferry from Baku to Turkmenbashi leaves every Thursday at nine in the evening. "
    "Tickets for the Caspian crossing cost eighty manats and are sold only at the Alat port office.\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (``chroma run``) on a free loopback port, stopped afterwards."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.is_file():
        pytest.skip(f"{chroma} is missing (chromadb >= 1.5 ships it)")
    data = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (data / "server.log").read_text(errors="replace")[-2000:]
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "chroma run did not answer its heartbeat within 60 s"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _instance(tmp: Path, url: str) -> Settings:
    """One app instance: its own documents folder and local files, the shared server."""
    tmp.mkdir(parents=True, exist_ok=True)
    return make_settings(tmp, chroma_url=url)


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return bool(condition())  # type: ignore[operator]


def test_the_pipeline_ingests_into_and_answers_from_a_chroma_server(chroma_url: str, tmp_path: Path) -> None:
    settings = _instance(tmp_path / "app", chroma_url)
    pipeline = Pipeline(settings)  # the server is empty: the seeds are ingested into it

    assert type(pipeline.store.client).__name__ == "Client" and pipeline.store.client.heartbeat() > 0
    assert not (settings.index_dir / "chroma").exists()  # nothing embedded on local disk
    assert pipeline.store.count() > 10
    answer = pipeline.answer("Who is Azerbaijan's ambassador to Moscow?")
    assert not answer.abstained and "Polad Bulbuloglu" in answer.citations[0].quote
    for c in answer.citations:
        assert load_text(settings.docs_dir / c.source)[0][c.start : c.end] == c.quote


def test_keyword_search_follows_what_another_instance_wrote_to_the_server(chroma_url: str, tmp_path: Path) -> None:
    writer = Pipeline(_instance(tmp_path / "writer", chroma_url))
    reader = Pipeline(_instance(tmp_path / "reader", chroma_url))
    ferry, saturday, thursday = terms("ferry Saturday Thursday")  # as the keyword index spells them
    assert ferry not in reader.store.bm25().df

    (writer.settings.docs_dir / "ferry.txt").write_text(NEW_ARTICLE)
    ingest(writer.settings, store=writer.store)

    # The reader never ingested anything: it notices the server's new generation on its next check.
    assert _wait_for(lambda: "ferry.txt" in reader.store.bm25().documents, 3 * STAMP_CHECK_SECONDS)
    passages = reader.retriever.retrieve("When does the ferry to Turkmenbashi leave?", 3).passages
    assert passages[0].chunk.doc_id == "ferry.txt" and passages[0].bm25_rank == 0

    # A replacement with as many chunks as before leaves the count alone: the generation tells.
    count = reader.store.collection.count()
    (writer.settings.docs_dir / "ferry.txt").write_text(NEW_ARTICLE.replace("Thursday", "Saturday"))
    ingest(writer.settings, store=writer.store)
    assert reader.store.collection.count() == count
    assert _wait_for(lambda: saturday in reader.store.bm25().df, 3 * STAMP_CHECK_SECONDS)
    assert thursday not in reader.store.bm25().df

    (writer.settings.docs_dir / "ferry.txt").unlink()
    ingest(writer.settings, store=writer.store)
    assert _wait_for(lambda: "ferry.txt" not in reader.store.bm25().documents, 3 * STAMP_CHECK_SECONDS)
    assert ferry not in reader.store.bm25().df
