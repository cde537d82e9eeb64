"""Verified citations: what the model's [n] markers become before the user sees them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from rag.answer import Pipeline
from rag.store import StoredChunk
from rag.verify import Verified, Verifier, split_sentences, verify_answer

from conftest import DATA

HUG = "with a hug"
TRADE = "4 billion"


@pytest.fixture(scope="module")
def chunks(seed_pipeline: Pipeline) -> list[StoredChunk]:
    store = seed_pipeline.store
    return list(store.get_chunks(store.bm25().ids).values())


@pytest.fixture(scope="module")
def chunk_with(chunks: list[StoredChunk]) -> Callable[[str], StoredChunk]:
    return lambda text: next(c for c in chunks if text in c.text)


@pytest.fixture(scope="module")
def verify(seed_pipeline: Pipeline) -> Callable[..., Verified]:
    bm25 = seed_pipeline.store.bm25()

    def run(text: str, sources: list[StoredChunk], question: str = "") -> Verified:
        idf = lambda t: bm25.idf(t) if bm25.knows(t) else 0.0  # noqa: E731
        return verify_answer(text, sources, seed_pipeline.model.embed, idf, question)

    return run


def test_citation_is_narrowed_to_the_supporting_sentence_of_the_chunk(verify, chunk_with, seed_settings) -> None:
    hug = chunk_with(HUG)
    result = verify("Aliyev welcomed Putin into his residence with a hug [1].", [hug])
    (citation,) = result.citations
    text = (seed_settings.docs_dir / citation.source).read_text(encoding="utf-8")
    assert HUG in citation.quote
    assert text[citation.start : citation.end] == citation.quote
    assert len(citation.quote) < len(hug.text)
    assert citation.supported and result.unsupported == 0


def test_marker_to_a_source_that_was_not_retrieved_is_removed_and_reported(verify, chunk_with) -> None:
    result = verify("Aliyev welcomed Putin with a hug [1]. He then flew to Mars [9].", [chunk_with(HUG)])
    assert "[9]" not in result.text
    assert result.text.endswith("He then flew to Mars.")
    assert result.removed == ("[9]",)
    assert [c.n for c in result.citations] == [1]


def test_claim_its_cited_span_does_not_support_is_flagged(verify, chunk_with) -> None:
    result = verify("Aliyev refused to meet Putin and cancelled the dinner [1].", [chunk_with(HUG)])
    assert result.unsupported == 1
    assert [c.supported for c in result.citations] == [False]


def test_claim_whose_number_is_not_in_the_span_is_flagged(verify, chunk_with) -> None:
    wrong = verify("Trade between Russia and Azerbaijan is a little more than $9 billion [1].", [chunk_with(TRADE)])
    right = verify("Trade between Russia and Azerbaijan is a little more than $4 billion [1].", [chunk_with(TRADE)])
    assert (wrong.unsupported, right.unsupported) == (1, 0)


def test_citations_are_renumbered_in_order_of_appearance(verify, chunk_with) -> None:
    result = verify(
        "Trade is worth $4 billion [2]. Putin was welcomed with a hug [1].", [chunk_with(HUG), chunk_with(TRADE)]
    )
    assert result.text == "Trade is worth $4 billion [1]. Putin was welcomed with a hug [2]."
    assert TRADE in result.citations[0].quote and HUG in result.citations[1].quote


def test_the_same_span_cited_twice_keeps_one_number(verify, chunk_with) -> None:
    result = verify("Aliyev hugged Putin at his residence [1]. The hug welcomed Putin [1].", [chunk_with(HUG)])
    assert result.text.count("[1]") == 2
    assert len(result.citations) == 1


def test_grouped_markers_are_split_and_each_checked(verify, chunk_with) -> None:
    result = verify("Aliyev welcomed Putin with a hug [1, 2].", [chunk_with(HUG), chunk_with(TRADE)])
    assert result.text == "Aliyev welcomed Putin with a hug [1][2]."
    assert [c.supported for c in result.citations] == [True, False]
    assert result.unsupported == 0  # one citation supports the sentence


def test_uncited_claim_that_a_passage_supports_gets_its_citation(verify, chunk_with) -> None:
    result = verify("Aliyev welcomed Putin into his residence with a hug.", [chunk_with(TRADE), chunk_with(HUG)])
    assert result.text == "Aliyev welcomed Putin into his residence with a hug [1]."
    assert result.recovered == 1 and HUG in result.citations[0].quote


def test_uncited_claim_that_no_passage_supports_is_counted(verify, chunk_with) -> None:
    result = verify("Putin flew to the Moon in a rocket.", [chunk_with(TRADE), chunk_with(HUG)])
    assert (result.unsupported, result.citations) == (1, ())


def test_a_claim_restating_the_question_is_judged_on_what_it_adds(verify, chunk_with) -> None:
    question = "What gesture did the Azerbaijani leader use to greet his Russian guest at his residence?"
    claim = "The Azerbaijani leader used a {} to greet his Russian guest at his residence [1]."
    hug = verify(claim.format("hug"), [chunk_with(HUG)], question)
    handshake = verify(claim.format("handshake"), [chunk_with(HUG)], question)
    assert (hug.unsupported, handshake.unsupported) == (0, 1)


def test_no_answer_reply_is_an_abstention(verify, chunk_with) -> None:
    result = verify("The documents do not say.", [chunk_with(TRADE)])
    assert result.abstained and result.unsupported == 0 and not result.citations


def test_streamed_verification_matches_verifying_the_whole_answer(seed_pipeline, chunk_with) -> None:
    text = "Trade is worth $4 billion [2]. Putin was welcomed with a hug. [1] He flew to Mars [7]."
    sources = [chunk_with(HUG), chunk_with(TRADE)]
    streamed = Verifier(sources, seed_pipeline.model.embed)
    shown = "".join(streamed.feed(ch) for ch in text) + streamed.finish()
    whole = verify_answer(text, sources, seed_pipeline.model.embed)
    assert shown == whole.text == streamed.result().text
    assert streamed.result().citations == whole.citations


def test_sentence_split_is_lossless_and_keeps_trailing_markers() -> None:
    text = "Mr. Smith met the U.S. envoy. [1] It rained [2].\nA list item"
    assert split_sentences(text) == ["Mr. Smith met the U.S. envoy. [1]", " It rained [2].", "\nA list item"]


def test_reference_answers_are_supported_by_their_evidence_and_not_by_other_passages(verify, chunks) -> None:
    """Calibration of the support thresholds on the seed Q&A set."""
    cases = [json.loads(line) for line in (DATA / "seeds_qa.jsonl").read_text().splitlines() if line.strip()]
    cases = [c for c in cases if c.get("evidence") and c.get("reference_answer")]
    home = {c["id"]: k for c in cases for k in chunks if c["evidence"] in k.text}
    cases = [c for c in cases if c["id"] in home]
    supported = [verify(c["reference_answer"] + " [1]", [home[c["id"]]], c["question"]).unsupported == 0 for c in cases]
    wrong = [
        verify(other["reference_answer"] + " [1]", [home[c["id"]]], other["question"]).unsupported == 0
        for c in cases[::3]
        for other in cases[1::4]
        if home[other["id"]].id != home[c["id"]].id and len(other["reference_answer"].split()) >= 6
    ]
    assert sum(supported) / len(supported) >= 0.85
    assert sum(wrong) / len(wrong) <= 0.05
