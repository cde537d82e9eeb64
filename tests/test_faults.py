"""Fault injection: ingestion killed with SIGKILL, two ingestions at once, a stale lock,
a read-only index, a corrupted Chroma file, and a folder of bad documents.

Ingestion runs as the user runs it (``rag ingest`` in a fresh process) wherever a
crash or a second process is part of the fault.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.answer import Pipeline
from rag.config import Settings
from rag.errors import IndexProblem, RagError
from rag.ingest import ingest, ingest_lock
from rag.store import Store

from conftest import SEEDS, make_settings

N_FILES = 200
LONG_EVERY = 10  # every 10th file spans several chunks, so chunk 0 (the commit record) is not its only chunk
KILL_AT_ROWS = 60  # chunks Chroma must hold before the first ingestion is killed
PEAK_RSS_LIMIT_MB = 600

_SYLLABLES = "bra vik tol mer zan qui dor pel sav ron lum kes fa gri hol nev ost par tem ul".split()
_TOPICS = "harbour bridge market library orchard railway museum festival council school".split()


def _name(i: int, salt: int) -> str:
    """A made-up word unique to ``i`` (for i < 400): no other file shares it."""
    a, b = _SYLLABLES[(i + salt) % 20], _SYLLABLES[(i // 20 + 3 * salt) % 20]
    return f"{a}{b}{'ton' if salt == 0 else 'ic'}".capitalize()


@dataclass(frozen=True)
class Fact:
    doc_id: str
    question: str
    answer: str


def write_corpus(docs: Path, n: int = N_FILES) -> list[Fact]:
    """``n`` small articles, each stating one fact no other file states."""
    docs.mkdir(parents=True, exist_ok=True)
    facts = []
    for i in range(n):
        town, person = _name(i, 0), f"{_name(i, 1)} {_name(i + 7, 1)}"
        topic = _TOPICS[i % len(_TOPICS)]
        lines = [
            f"News from {town}",
            "",
            f"The {topic} master of {town} is {person}.",
            f"{person} was appointed in {1900 + i} after a vote of the {town} assembly.",
        ]
        if i % LONG_EVERY == 0:
            for p in range(6):
                lines += [
                    "",
                    f"In season {p} the {topic} of {town} welcomed {100 + 7 * i + p} visitors from nearby valleys. "
                    f"Traders from the coast brought salt, timber and wool to the {topic} in season {p}. "
                    f"The assembly of {town} discussed the accounts of season {p} at length and approved them.",
                ]
        doc_id = f"article_{i:03d}.txt"
        (docs / doc_id).write_text("\n".join(lines) + "\n", encoding="utf-8")
        facts.append(Fact(doc_id, f"Who is the {topic} master of {town}?", person))
    return facts


def cli_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DOCS_DIR=str(settings.docs_dir), RAG_INDEX_DIR=str(settings.index_dir), RAG_LLM="none")
    return env


def rag(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True, text=True, timeout=300, **kwargs
    )


def chroma_rows(index_dir: Path) -> int:
    """Chunks Chroma has stored so far, read from its SQLite file without disturbing the writer."""
    path = index_dir / "chroma" / "chroma.sqlite3"
    if not path.is_file():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)) as db:
            return int(db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    except sqlite3.Error:  # not created yet, or locked by the writer this instant
        return 0


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], seconds: float = 180) -> bool:
    """Poll ``condition`` while ``process`` runs; False when it ended first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            return True
        time.sleep(0.1)
    return False


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- SIGKILL during ingestion, a second ingestion meanwhile, then a rerun ---------------------


@dataclass
class Crash:
    settings: Settings
    facts: list[Fact]
    killed_after_rows: int
    killed_with: int | None
    concurrent: subprocess.CompletedProcess[str]
    ask_after_kill: subprocess.CompletedProcess[str]
    rerun: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> Crash:
    """One scenario, several specifications: start ``rag ingest`` on 200 files, try a second
    one while it holds the lock, SIGKILL the first mid-write, ask, then run ``rag ingest`` again."""
    tmp = tmp_path_factory.mktemp("crash")
    facts = write_corpus(tmp / "docs")
    settings = make_settings(tmp)
    env = cli_env(settings)
    lock = settings.index_dir / ".ingest.lock"
    first = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        holds_lock = wait_for(lambda: lock.is_file() and lock.read_text().strip() == str(first.pid), first)
        assert holds_lock, "the first ingestion never took the lock"
        concurrent = rag(["ingest", "--quiet"], env)
        wait_for(lambda: chroma_rows(settings.index_dir) >= KILL_AT_ROWS, first)
        first.send_signal(signal.SIGKILL)
        killed_with = first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    rows = chroma_rows(settings.index_dir)
    ask = rag(["ask", facts[0].question, "--json"], env)
    rerun = rag(["ingest", "--quiet"], env)
    return Crash(settings, facts, rows, killed_with, concurrent, ask, rerun)


@pytest.fixture(scope="module")
def healed(crash: Crash) -> Pipeline:
    assert crash.rerun.returncode == 0, crash.rerun.stderr
    return Pipeline(crash.settings, build_if_missing=False)


def test_the_ingestion_is_killed_while_it_writes(crash: Crash) -> None:
    assert crash.killed_with == -signal.SIGKILL
    assert 0 < crash.killed_after_rows, "the kill came before any chunk was written"


def test_a_second_ingestion_is_refused_while_the_first_holds_the_lock(crash: Crash) -> None:
    assert crash.concurrent.returncode == 2
    assert "another ingestion is running" in one_line_error(crash.concurrent)


def test_the_index_still_answers_after_the_kill(crash: Crash) -> None:
    assert crash.ask_after_kill.returncode == 0, crash.ask_after_kill.stderr
    answer = json.loads(crash.ask_after_kill.stdout)
    assert crash.facts[0].answer in answer["answer"]
    assert crash.facts[0].doc_id in {c["source"] for c in answer["citations"]}


def test_the_next_ingestion_completes_the_index_despite_the_stale_lock_file(crash: Crash) -> None:
    summary = crash.rerun.stdout.splitlines()[0]
    added, unchanged = int(summary.split(" added")[0]), int(summary.split(" unchanged")[0].rsplit(" ", 1)[-1])
    assert added > 0 and unchanged > 0, summary  # it resumed: what was committed is kept
    assert added + unchanged == N_FILES, summary
    assert "0 skipped" in summary


def test_after_the_rerun_chroma_and_bm25_hold_exactly_the_committed_chunks(healed: Pipeline, crash: Crash) -> None:
    docs = healed.store.documents()
    assert [d.id for d in docs] == [f.doc_id for f in crash.facts]
    assert healed.store.count() == sum(d.chunks for d in docs) == len(healed.store.bm25().ids)
    assert sorted(healed.store.bm25().ids) == sorted(f"{d.id}::{i}" for d in docs for i in range(d.chunks))


def test_every_document_is_answerable_and_cited_exactly_after_the_rerun(healed: Pipeline, crash: Crash) -> None:
    # Those committed before the kill, those redone after it, and the multi-chunk ones alike.
    for fact in crash.facts:
        answer = healed.answer(fact.question)
        assert fact.answer in answer.text, (fact, answer.text)
        cited = [c for c in answer.citations if c.source == fact.doc_id]
        assert cited, (fact, answer.citations)
        text = (crash.settings.docs_dir / fact.doc_id).read_text(encoding="utf-8")
        assert all(text[c.start : c.end] == c.quote for c in answer.citations)
        assert any(fact.answer in c.quote for c in cited)


# -- the lock ----------------------------------------------------------------------------------


def test_a_lock_held_elsewhere_refuses_with_the_holder(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with (
        ingest_lock(settings.index_dir),
        pytest.raises(RagError, match=rf"another ingestion is running \(pid {os.getpid()}\)"),
    ):
        ingest(settings)


def test_a_stale_lock_file_of_a_dead_process_does_not_block(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / ".ingest.lock").write_text(dead.stdout.strip())
    report = ingest(settings)
    assert len(report.added) == 2


# -- a read-only index (the stand-in for a full disk) -------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _without_root_override() -> None:
    """In the child: root loses the right to ignore file permissions, so chmod counts."""
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = make_settings(tmp_path_factory.mktemp("readonly"))
    ingest(settings)
    (settings.docs_dir / "new.md").write_text("# New\n\nThe ferry to Alat now leaves at dawn.\n")
    paths = [settings.index_dir, *settings.index_dir.rglob("*")]
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        p.chmod(modes[p] & ~0o222)
    yield settings
    for p in paths:
        p.chmod(modes[p])


def _run_read_only(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    return rag(args, cli_env(settings), preexec_fn=_without_root_override)


def test_ingesting_into_a_read_only_index_is_one_clear_error(read_only: Settings) -> None:
    result = _run_read_only(["ingest", "--quiet"], read_only)
    line = one_line_error(result)
    assert result.returncode == 2 and "unexpected" not in line
    assert str(read_only.index_dir) in line and ("writ" in line or "permission" in line.lower())


def test_asking_with_a_read_only_index_never_advises_a_rebuild(read_only: Settings) -> None:
    result = _run_read_only(["ask", "Who hosted the dinner?"], read_only)
    if result.returncode != 0:
        line = one_line_error(result)
        assert "--rebuild" not in line and ("writ" in line or "permission" in line.lower() or "read-only" in line)


def test_a_read_only_index_fails_without_a_traceback(read_only: Settings) -> None:
    for args in (["ingest", "--quiet"], ["ask", "Who hosted the dinner?"]):
        result = _run_read_only(args, read_only)
        assert result.returncode != 0 and result.stdout == ""
        one_line_error(result)


def test_the_doctor_says_the_index_is_read_only(read_only: Settings) -> None:
    result = _run_read_only(["doctor"], read_only)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "read-only" in result.stdout and "chmod" in result.stdout


# -- a corrupted index -----------------------------------------------------------------------------


@pytest.fixture()
def built(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path)
    ingest(settings)
    return settings


def test_a_truncated_chroma_file_is_an_index_problem_naming_the_rebuild(built: Settings) -> None:
    sqlite_file = built.index_dir / "chroma" / "chroma.sqlite3"
    with sqlite_file.open("r+b") as handle:
        handle.truncate(sqlite_file.stat().st_size // 3)
    with pytest.raises(IndexProblem, match="rag ingest --rebuild"):
        Store(built, create=False).documents()


def test_a_chroma_file_overwritten_with_garbage_is_an_index_problem_naming_the_rebuild(built: Settings) -> None:
    sqlite_file = built.index_dir / "chroma" / "chroma.sqlite3"
    sqlite_file.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(IndexProblem, match="rag ingest --rebuild"):
        Store(built, create=False)


def test_a_corrupted_index_is_rebuilt_by_the_command_the_error_names(built: Settings) -> None:
    (built.index_dir / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 1000)
    result = rag(["ingest", "--rebuild", "--quiet"], cli_env(built))
    assert result.returncode == 0, result.stderr
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # this test process still holds the replaced database open
    assert Store(built, create=False).count() > 0


def test_an_index_of_an_older_format_is_refused_with_the_fix(built: Settings) -> None:
    store = Store(built)
    store.collection.modify(metadata={**store.collection.metadata, "format": 0})
    with pytest.raises(IndexProblem, match=r"format 0.*rag ingest --rebuild"):
        Store(built, create=False)


# -- a folder of bad documents -------------------------------------------------------------------

HUGE_MB = 100


def _blank_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as handle:
        writer.write(handle)


def _huge_text(path: Path, megabytes: int) -> None:
    line = b"The archive holds one more line of an enormous ledger that nobody reads.\n"
    block = line * (1024 * 1024 // len(line) + 1)
    with path.open("wb") as handle:
        for _ in range(megabytes):
            handle.write(block[: 1024 * 1024])


@dataclass
class BadFolder:
    settings: Settings
    result: subprocess.CompletedProcess[str]
    peak_rss_mb: float


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BadFolder]:
    tmp = tmp_path_factory.mktemp("bad")
    docs = tmp / "docs"
    docs.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (docs / seed.name).write_bytes(seed.read_bytes())
    (docs / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096))
    (docs / "latin1.txt").write_bytes("Le café de la gare a rouvert à Noël, dit le maire.\n".encode("latin-1"))
    (docs / "utf16.txt").write_bytes("The UTF-16 memo says the vault opens at nine.\n".encode("utf-16"))
    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.md").write_text("   \n\n\t\n")
    _blank_pdf(docs / "scan.pdf")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(2048))
    (docs / "page.html").write_text(
        "<html><head><title>Harbour page</title><script>document.write('INJECTED')</script>"
        "<style>p { color: red }</style></head><body><h1>Harbour</h1>"
        "<p>The harbour opens at six.<script>alert('PWNED')</script></p></body></html>"
    )
    _huge_text(docs / "huge.txt", HUGE_MB)
    settings = make_settings(tmp)
    # A wrapper process, so RUSAGE_CHILDREN sees only this ingestion and not other tests' children.
    measure = (
        "import resource, subprocess, sys, json;"
        "r = subprocess.run([sys.executable, '-m', 'rag.cli', 'ingest', '--quiet'], capture_output=True, text=True);"
        "print(json.dumps([r.returncode, r.stdout, r.stderr,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", measure], env=cli_env(settings), capture_output=True, text=True, timeout=600
    )
    code, stdout, stderr, rss_kb = json.loads(out.stdout)
    yield BadFolder(settings, subprocess.CompletedProcess([], code, stdout, stderr), rss_kb / 1024)
    (docs / "huge.txt").unlink()  # 100 MB: do not keep it around in the pytest temp folder


def _skipped(folder: BadFolder) -> dict[str, str]:
    lines = folder.result.stdout.splitlines()
    return dict(line.strip().removeprefix("skipped ").split(": ", 1) for line in lines if "skipped " in line)


def test_a_folder_of_bad_documents_is_ingested_without_failing(bad_folder: BadFolder) -> None:
    assert bad_folder.result.returncode == 0, bad_folder.result.stderr
    assert bad_folder.result.stdout.startswith("5 added, 0 updated, 0 removed, 0 unchanged, 6 skipped")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("photo.txt", "binary"),
        ("empty.txt", "empty"),
        ("blank.md", "empty"),
        ("scan.pdf", "no extractable text"),
        ("broken.pdf", "unreadable PDF"),
        ("huge.txt", f"larger than {50} MB"),
    ],
)
def test_each_unusable_file_is_skipped_with_its_reason(bad_folder: BadFolder, name: str, reason: str) -> None:
    assert reason in _skipped(bad_folder)[name]


def test_other_encodings_are_decoded_and_html_loses_its_scripts(bad_folder: BadFolder) -> None:
    store = Store(bad_folder.settings, create=False)
    texts = {c.doc_id: c.text for c in store.get_chunks(store.bm25().ids).values()}
    assert "Le café de la gare a rouvert à Noël" in texts["latin1.txt"]
    assert texts["utf16.txt"].startswith("The UTF-16 memo says the vault opens at nine.")
    assert "The harbour opens at six." in texts["page.html"]
    assert not any(word in texts["page.html"] for word in ("INJECTED", "PWNED", "color: red"))


def test_memory_stays_bounded_with_a_100_mb_file(bad_folder: BadFolder) -> None:
    assert bad_folder.peak_rss_mb < PEAK_RSS_LIMIT_MB


# -- a crash before a document's commit record, then the file changes -------------------------------


def _long_article(sentences: int, word: str) -> str:
    lines = ["Ledger of the old mill", ""]
    for p in range(sentences // 3):
        lines += [
            f"Season {p} saw the {word} mill grind {40 + p} sacks of rye for the village bakers. "
            f"The {word} miller repaired the wheel in season {p} with oak from the ridge. "
            f"Carters paid the {word} toll of season {p} in copper coins.",
            "",
        ]
    return "\n".join(lines)


def test_chunks_of_a_half_written_document_are_replaced_when_its_file_changed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    mill = settings.docs_dir / "mill.txt"
    mill.write_text(_long_article(45, "north"))
    ingest(settings)
    store = Store(settings)
    n_chunks = next(d.chunks for d in store.documents() if d.id == "mill.txt")
    assert n_chunks >= 3
    # A crash between writing chunks 1.. and chunk 0 (the commit record) leaves exactly this.
    store.collection.delete(ids=["mill.txt::0"])
    mill.write_text(_long_article(9, "south"))
    ingest(settings)
    store = Store(settings)
    rows = store.collection.get(where={"source": "mill.txt"}, include=["documents"])
    text = mill.read_text()
    assert store.count() == sum(d.chunks for d in store.documents())
    assert all(chunk in text for chunk in rows["documents"] or [])


# -- a missing, damaged or disagreeing BM25 file ------------------------------------------------------


def _bm25_files(settings: Settings) -> list[Path]:
    return sorted((settings.index_dir / "bm25").rglob("index.json"))


def _assert_bm25_matches_chroma(settings: Settings) -> None:
    store = Store(settings, create=False)
    docs = store.documents()
    assert sorted(store.bm25().ids) == sorted(f"{d.id}::{i}" for d in docs for i in range(d.chunks))
    assert store.bm25().search(["hug"], 3), "the rebuilt index searches"


def test_a_missing_bm25_folder_is_rebuilt_from_chroma(built: Settings) -> None:
    Store(built, create=False).bm25()
    shutil.rmtree(built.index_dir / "bm25", ignore_errors=True)
    _assert_bm25_matches_chroma(built)


def test_a_truncated_bm25_file_is_rebuilt_from_chroma(built: Settings) -> None:
    Store(built, create=False).bm25()
    for path in _bm25_files(built):
        path.write_text(path.read_text()[:50])
    _assert_bm25_matches_chroma(built)


def test_a_bm25_file_that_disagrees_with_chroma_is_not_trusted(built: Settings) -> None:
    Store(built, create=False).bm25()
    for path in _bm25_files(built):
        saved = json.loads(path.read_text())
        saved["ids"] = saved["ids"][:-1]  # valid JSON, one chunk short
        path.write_text(json.dumps(saved))
    _assert_bm25_matches_chroma(built)


def test_a_whole_bm25_file_built_from_what_chroma_holds_is_trusted_without_reading_every_document(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sorted(Store(built, create=False).bm25().ids)

    def reads_every_document(self: Store) -> list:
        raise AssertionError("read every document's record to check the saved keyword index")

    def rebuilds(self: Store) -> None:
        raise AssertionError("rebuilt the keyword index")

    monkeypatch.setattr(Store, "documents", reads_every_document)
    monkeypatch.setattr(Store, "_build_bm25", rebuilds)
    assert sorted(Store(built, create=False).bm25().ids) == expected
