"""Answering from Python: retrieval, exact citations, abstention, follow-ups, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.answer import Pipeline, get_pipeline
from rag.config import Settings
from rag.errors import QuestionError
from rag.loaders import load_text
from rag.store import Bm25Index, SentenceMatrix
from rag.text import terms
from rag.types import Answer


def assert_citations_are_exact(pipeline: Pipeline, answer: Answer) -> None:
    for n, citation in enumerate(answer.citations, start=1):
        text = load_text(pipeline.settings.docs_dir / citation.source)[0]
        assert text[citation.start : citation.end] == citation.quote
        assert citation.n == n and f"[{n}]" in answer.text


def test_retrieval_puts_the_passage_with_the_answer_first(seed_pipeline: Pipeline) -> None:
    retrieval = seed_pipeline.retriever.retrieve("Who is Azerbaijan's ambassador to Moscow?", 5)
    assert "Polad Bulbuloglu" in retrieval.passages[0].chunk.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is Azerbaijan's ambassador to Moscow?", "Polad Bulbuloglu"),
        ("What did Aliyev say about trade?", "$4 billion"),
        ("How many ethnic Armenians fled Karabakh?", "100,000"),
        ("What will the two countries start producing jointly?", "oil tankers"),
        # Typed all in lower case: the names are found as the articles write them.
        ("what did putin compare baku to", "oasis"),
    ],
)
def test_answers_quote_the_sentence_that_holds_the_fact(seed_pipeline: Pipeline, question: str, expected: str) -> None:
    answer = seed_pipeline.answer(question)
    assert not answer.abstained
    assert expected in answer.citations[0].quote
    assert_citations_are_exact(seed_pipeline, answer)
    assert len(answer.citations) <= 3


@pytest.mark.parametrize(
    "question",
    [
        "What did Putin say about China?",
        "How many agreements did Russia and Azerbaijan sign?",
        "What did the leaders agree about trade turnover in 2030?",
    ],
)
def test_abstains_when_the_articles_do_not_say(seed_pipeline: Pipeline, question: str) -> None:
    answer = seed_pipeline.answer(question)
    assert answer.abstained
    assert answer.text.startswith("The documents do not say")
    assert not answer.citations


def test_a_follow_up_resolves_he_against_the_previous_answer(seed_pipeline: Pipeline) -> None:
    first = seed_pipeline.answer("Who is Azerbaijan's ambassador to Moscow?")
    follow_up = seed_pipeline.answer("What did he say about the consulate?", history=[(first.query, first.text)])
    assert "Bulbuloglu" in follow_up.query
    assert "consulates is limited" in follow_up.text or "discussion stage" in follow_up.text
    assert_citations_are_exact(seed_pipeline, follow_up)


def test_what_about_x_reuses_the_previous_question(seed_pipeline: Pipeline) -> None:
    first = seed_pipeline.answer("What did Aliyev say about trade?")
    follow_up = seed_pipeline.answer("What about Putin?", history=[("What did Aliyev say about trade?", first.text)])
    assert follow_up.query == "What did Putin say about trade?"
    assert "potential" in follow_up.text


@pytest.mark.parametrize(("question", "message"), [("", "empty"), ("   \n\t", "empty"), ("x" * 20_000, "20,000")])
def test_unusable_questions_get_one_clear_message(seed_pipeline: Pipeline, question: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        seed_pipeline.answer(question)


def test_answer_is_frozen_and_reads_well(seed_pipeline: Pipeline) -> None:
    answer = seed_pipeline.answer("Who hosted the informal dinner for Putin?")
    with pytest.raises(AttributeError):
        answer.text = "changed"  # type: ignore[misc]
    printed = str(answer)
    assert "Sources:" in printed and "[1]" in printed
    assert set(answer.timings_ms) >= {"retrieve", "generate", "total"}
    assert answer.mode == "extractive"


def test_sentence_similarities_of_many_chunks_equal_those_computed_one_by_one(seed_settings: Settings) -> None:
    pipeline = get_pipeline(seed_settings)
    bm25 = pipeline.store.bm25()
    query = pipeline.model.embed(["Who welcomed Putin with a hug?"])[0]
    known, scores = bm25.sentence_scores(list(bm25.ids), query)
    assert known == list(bm25.ids) and scores is not None
    for cid, best, blended in zip(known, scores.best(), scores.contextual(range(len(known))), strict=True):
        vectors = bm25.chunk(cid).sentence_vectors  # type: ignore[union-attr]
        assert vectors is not None
        own = vectors @ query
        assert best == pytest.approx(float(own.max()), abs=1e-5)
        # Each sentence's window: itself plus its neighbours in the chunk at half weight.
        for i in range(len(vectors)):
            window = vectors[i] + 0.5 * sum(vectors[j] for j in (i - 1, i + 1) if 0 <= j < len(vectors))
            expected = own[i] if len(vectors) == 1 else 0.7 * own[i] + 0.3 * (window @ query) / np.linalg.norm(window)
            assert blended[i] == pytest.approx(float(expected), abs=1e-5)


@pytest.mark.parametrize("question", ["Who welcomed Putin with a hug?", "the the Russia Russia Azerbaijan", "Karabakh"])
def test_keyword_search_ranks_exactly_as_bm25s_scores_every_chunk(seed_settings: Settings, question: str) -> None:
    from rag.text import terms

    bm25 = get_pipeline(seed_settings).store.bm25()
    query = [t for t in terms(question) if t in bm25.df]
    everything = bm25._bm25.get_scores(query)  # bm25s's own scoring of every chunk
    expected = sorted((i for i in range(bm25.n_docs) if everything[i] > 0), key=lambda i: (-everything[i], i))
    for k in (1, 3, len(expected) + 5):
        found = bm25.search(query, k)
        assert [cid for cid, _ in found] == [bm25.ids[i] for i in expected[:k]]
        assert [s for _, s in found] == pytest.approx([float(everything[i]) for i in expected[:k]])


def test_the_keyword_index_keeps_each_chunks_sentence_terms_and_acronyms_as_the_text_gives_them(
    seed_settings: Settings,
) -> None:
    from rag.store import Bm25Index
    from rag.text import context_acronyms, terms

    bm25 = get_pipeline(seed_settings).store.bm25()
    saved = Bm25Index.load(next(p for p in (seed_settings.index_dir / "bm25").iterdir() if p.is_dir()))
    for cid in bm25.ids:
        for chunk in (bm25.chunk(cid), saved.chunk(cid)):
            assert chunk is not None
            assert chunk.sentence_terms == tuple(frozenset(terms(chunk.text[s:e])) for s, e in chunk.sentences)
            assert chunk.acronyms == context_acronyms(chunk.title, chunk.heading, chunk.text)
    assert any(saved.chunk(cid).acronyms for cid in bm25.ids)  # type: ignore[union-attr]
    # So are the names each document's title goes by, worked out when it was built.
    for doc_id, title in saved.chunks.docs:  # type: ignore[union-attr]
        words = tuple(terms(title.split(" Version ")[0]))
        assert doc_id in bm25.documents_named([words]) and doc_id in saved.documents_named([words])


def test_keyword_scores_from_the_sentences_terms_equal_those_from_tokenising_whole_chunks(
    seed_settings: Settings,
) -> None:
    from rag.store import Bm25Index

    built = get_pipeline(seed_settings).store.bm25()  # tokens from each chunk's heading and sentences
    chunks = [built.chunk(cid) for cid in built.ids]
    retokenised = Bm25Index(built.ids, [f"{c.heading}\n{c.text}" for c in chunks if c is not None])
    assert retokenised.df == built.df
    for question in ("Who welcomed Putin with a hug?", "trade turnover billion", "Karabakh peacekeepers left"):
        query = [t for t in terms(question) if t in built.df]
        ours, theirs = built.search(query, 10), retokenised.search(query, 10)
        assert [cid for cid, _ in ours] == [cid for cid, _ in theirs]
        assert [score for _, score in ours] == pytest.approx([score for _, score in theirs])


def test_an_index_saved_without_window_lengths_works_them_out_once(seed_settings: Settings, tmp_path: Path) -> None:
    bm25 = get_pipeline(seed_settings).store.bm25()
    assert bm25.vectors is not None
    folder = tmp_path / "keyword-index"
    bm25.save(folder)
    (folder / SentenceMatrix.WINDOWS).unlink()  # as saved by an earlier version
    loaded = Bm25Index.load(folder)
    assert loaded.vectors is not None
    assert np.allclose(loaded.vectors.windows, bm25.vectors.windows)
    assert (folder / SentenceMatrix.WINDOWS).is_file(), "kept for the next process"
