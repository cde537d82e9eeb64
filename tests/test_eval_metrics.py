"""Each metric on small hand-made values where the right result is known."""

from __future__ import annotations

import pytest

from rag.metrics import (
    fact_found,
    fact_recall,
    find_spans,
    first_citation_hit,
    first_hit_rank,
    hit_at,
    normalize_answer,
    overlaps,
    passage_is_hit,
    percentile,
    reciprocal_rank,
    strip_markers,
    token_f1,
    word_count,
)


def test_a_fact_is_found_when_any_wording_occurs_ignoring_case() -> None:
    assert fact_found(("$4 billion", "4 billion"), "Trade stands at 4 Billion dollars.")
    assert not fact_found(("$4 billion",), "Trade stands at 4 billion dollars.")


def test_fact_matching_normalises_whitespace_and_ignores_citation_markers() -> None:
    assert fact_found(("six years",), "his first visit in six\n   years.")
    assert fact_found(("six years",), "in six [1] years")
    assert fact_found(("family  atmosphere",), "the family atmosphere [2]")


def test_fact_recall_is_the_share_of_facts_found() -> None:
    assert fact_recall([("Kursk",), ("Ukraine", "Ukrainian"), ("Moscow",)], "A Ukrainian push into Kursk.") == 2 / 3


def test_first_citation_hit_needs_a_fact_in_the_first_cited_sentence() -> None:
    facts = [("oasis",), ("Baku",)]
    assert first_citation_hit(facts, ["Baku is an oasis.", "Other."])
    assert not first_citation_hit(facts, ["Other.", "Baku is an oasis."])
    assert not first_citation_hit(facts, [])


def test_squad_normalisation_drops_case_punctuation_articles_and_markers() -> None:
    assert normalize_answer("The Cat, sat on a mat! [1]") == "cat sat on mat"
    assert strip_markers("one [1] two [2, 3]") == "one two"


def test_token_f1_against_a_reference_answer() -> None:
    # tokens: [cat, sat] vs [cat, sat, down] -> precision 1, recall 2/3
    assert token_f1("the cat sat [1]", "a cat sat down") == pytest.approx(0.8)
    assert token_f1("dog", "cat") == 0.0
    assert token_f1("The cat.", "cat") == 1.0


def test_evidence_spans_are_found_across_quote_styles_and_line_breaks() -> None:
    text = "He said: “It’s an oasis,\nI would say.” Then left."
    spans = find_spans(text, '"It\'s an oasis, I would say."')
    assert spans == [(9, 38)]
    assert text[9:38] == "“It’s an oasis,\nI would say.”"


def test_spans_overlap_only_when_they_share_a_character() -> None:
    assert overlaps((0, 5), (4, 9))
    assert not overlaps((0, 5), (5, 9))


def test_a_passage_is_a_hit_when_it_holds_the_evidence_or_else_comes_from_a_listed_source() -> None:
    passage = "In Baku, a beaming Aliyev\nwelcomed Putin."
    assert passage_is_hit("a.txt", passage, ["a beaming Aliyev welcomed Putin"], [])
    assert not passage_is_hit("a.txt", passage, ["Putin marveled"], ["a.txt"])  # evidence decides when given
    assert passage_is_hit("news/a.txt", passage, [], ["a.txt"])
    assert not passage_is_hit("b.txt", passage, [], ["a.txt"])


def test_a_passage_inside_a_long_reference_context_is_a_hit() -> None:
    assert passage_is_hit("a.txt", "Putin marveled.", ["Intro. Putin marveled. More text."], [])


def test_hit_at_k_and_reciprocal_rank_of_the_first_hit() -> None:
    rank = first_hit_rank([False, False, True, True])
    assert rank == 3
    assert (hit_at(rank, 1), hit_at(rank, 5), reciprocal_rank(rank)) == (0.0, 1.0, pytest.approx(1 / 3))
    assert reciprocal_rank(first_hit_rank([False] * 5)) == 0.0


def test_latency_percentiles_interpolate_linearly() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == 5.5
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile([], 50) is None


def test_answer_length_counts_words_without_markers() -> None:
    assert word_count("It has 300 bridges. [1] The river is Blue. [2]") == 8
