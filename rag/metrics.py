"""The evaluation metrics as pure functions of text and spans (definitions: docs/evaluation.md).

Nothing here runs the pipeline, so every metric can be checked on hand-made values.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

Fact = tuple[str, ...]
Span = tuple[int, int]

MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
# Typographic quotes and no-break spaces are folded so that an evidence quote typed
# with straight quotes still finds a file written with curly ones.
_FOLD = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})


def strip_markers(text: str) -> str:
    """``text`` without its ``[n]`` citation markers."""
    return MARKER.sub("", text)


def squash(text: str) -> str:
    return " ".join(text.split())


# --- facts ------------------------------------------------------------------------------------


def _fact_haystacks(answer: str) -> tuple[str, str]:
    return squash(answer).lower(), squash(strip_markers(answer)).lower()


def fact_found(fact: Fact, answer: str) -> bool:
    """Whether any wording of ``fact`` occurs in ``answer`` (case-insensitive, whitespace
    normalised, with or without the ``[n]`` markers)."""
    raw, bare = _fact_haystacks(answer)
    return any(squash(alt).lower() in raw or squash(alt).lower() in bare for alt in fact)


def fact_recall(facts: Sequence[Fact], answer: str) -> float:
    """Share of ``facts`` found in ``answer``."""
    if not facts:
        raise ValueError("fact recall needs at least one fact")
    return sum(fact_found(f, answer) for f in facts) / len(facts)


def first_citation_hit(facts: Sequence[Fact], quotes: Sequence[str]) -> bool:
    """Whether the first cited sentence holds at least one of ``facts`` (any wording)."""
    return bool(quotes) and any(fact_found(f, quotes[0]) for f in facts)


# --- token F1 ------------------------------------------------------------------------------------


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = strip_markers(text).lower()
    text = "".join(" " if ch in string.punctuation or unicodedata.category(ch).startswith("P") else ch for ch in text)
    return squash(_ARTICLES.sub(" ", text))


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1 between the answer (markers removed) and the reference answer."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


# --- spans and evidence ------------------------------------------------------------------------


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased, quotes straightened, whitespace runs collapsed to one space and
    trimmed; with, for each character of the result, its offset in ``text``."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        for piece in ch.translate(_FOLD).lower():
            out.append(piece)
            where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` after folding both (see ``fold``)."""
    folded = fold(needle)[0]
    return bool(folded) and folded in fold(haystack)[0]


def find_spans(text: str, needle: str) -> list[Span]:
    """Every [start, end) of ``text`` where ``needle`` occurs, matched after folding."""
    folded, where = fold(text)
    target = fold(needle)[0]
    spans: list[Span] = []
    if not target:
        return spans
    pos = folded.find(target)
    while pos >= 0:
        spans.append((where[pos], where[pos + len(target) - 1] + 1))
        pos = folded.find(target, pos + 1)
    return spans


def overlaps(a: Span, b: Span) -> bool:
    """Whether two [start, end) ranges share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


def same_source(doc_id: str, source: str) -> bool:
    """Whether a document id names the listed source (equal, or one a path suffix of the other)."""
    a, b = doc_id.replace("\\", "/").strip("/"), source.replace("\\", "/").strip("/")
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


# --- retrieval ------------------------------------------------------------------------------------


def passage_is_hit(doc_id: str, text: str, evidence: Sequence[str], sources: Sequence[str]) -> bool:
    """A retrieved passage is a hit when it contains the evidence (or lies inside it, for long
    reference contexts); when no evidence is given, when it comes from a listed source."""
    if evidence:
        return any(contains(text, e) or contains(e, text) for e in evidence)
    return any(same_source(doc_id, s) for s in sources)


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first hit, or None."""
    return next((i for i, hit in enumerate(hits, start=1) if hit), None)


def hit_at(rank: int | None, k: int) -> float:
    return float(rank is not None and rank <= k)


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


# --- aggregation ----------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (linear interpolation, as numpy), or None for no values."""
    return float(np.percentile(values, q)) if len(values) else None


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def word_count(answer: str) -> int:
    return len(strip_markers(answer).split())
