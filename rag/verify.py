"""Verified citations for generated answers.

The model's ``[n]`` markers point at the numbered passages it was shown. Each
sentence of the answer is checked on its own, as soon as it is complete (so
verification runs while the answer streams):

* a marker that points to no retrieved passage is removed (and counted, so the
  user is told — unlike paper-qa, which strips silently);
* a valid marker is narrowed to the sentence (or two adjacent sentences) of the
  cited chunk that best supports the claim, by the chunk's stored sentence
  vectors and idf-weighted term overlap; the citation is that exact file span;
* a claim is supported when its span covers most of its terms (or is very close
  in meaning and covers a fair share) and contains every number it states;
  terms that merely restate the question count less than what the claim adds;
  otherwise its citation is flagged ``supported=False`` and the claim counted;
* a sentence without a marker gets the best supporting span of any passage when
  one clearly supports it, and is counted as unsupported when none does;
* citations are renumbered in order of first appearance, one number per span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .store import StoredChunk
from .text import terms
from .types import Citation

Embed = Callable[[list[str]], np.ndarray]
Idf = Callable[[str], float]

# Support thresholds, calibrated on the seed Q&A set (reference answers against
# their evidence chunk versus against other questions' chunks).
SUPPORT_LEXICAL = 0.6  # share of the claim's (idf-weighted) terms found in the span
SUPPORT_DENSE = 0.6  # cosine similarity that, with SUPPORT_LEXICAL_WITH_DENSE, also counts
SUPPORT_LEXICAL_WITH_DENSE = 0.3
CONTEXT_CREDIT = 0.5  # a term found only around the span (title, previous sentence): "he said"
EXTEND_GAIN = 0.2  # coverage an adjacent sentence must add to join the span
UNKNOWN_IDF = 8.0  # weight of a term the corpus never uses (an invented name weighs a lot)
# A claim's terms that restate the question ("the Azerbaijani leader greeted his
# guest with a hug") weigh less: the new information is what the span must hold.
QUESTION_TERM_WEIGHT = 0.3

MARKER = re.compile(
    r"\[\s*(?:(?:sources?|docs?|documents?|passages?)\s*)?(-?\d+(?:\s*(?:,|;|-|–|and)\s*-?\d+)*)\s*\]", re.I
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ABBREVIATION = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|prof|st|vs|etc|gen|gov|sen|jr|sr)|\b[a-z]|\b(?:[a-z]\.)+[a-z])$", re.I
)
# A sentence ends at terminal punctuation (plus closing quotes and any markers
# that follow it) before whitespace, or at a line break.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)]*(?:[ \t]*\[[^\[\]\n]{1,30}\])*(?=\s)|\n")
_NO_ANSWER = re.compile(
    r"\b(?:documents?|sources?|passages?|context)\s+(?:do|does)\s+not\s+(?:say|mention|contain)", re.I
)


@dataclass(frozen=True)
class Span:
    """A candidate citation: sentences ``first..last`` of a chunk and how well they support a claim."""

    chunk: StoredChunk
    first: int
    last: int
    lexical: float
    dense: float
    numbers_ok: bool

    @property
    def supported(self) -> bool:
        if not self.numbers_ok:
            return False
        return self.lexical >= SUPPORT_LEXICAL or (
            self.dense >= SUPPORT_DENSE and self.lexical >= SUPPORT_LEXICAL_WITH_DENSE
        )

    @property
    def score(self) -> float:
        return 0.5 * self.lexical + 0.5 * self.dense

    @property
    def offsets(self) -> tuple[int, int]:
        """(start, end) inside the chunk text."""
        sentences = _sentences(self.chunk)
        return sentences[self.first][0], sentences[self.last][1]


@dataclass(frozen=True)
class Verified:
    """The verified answer: text with renumbered markers and its citations."""

    text: str
    citations: tuple[Citation, ...]
    unsupported: int
    removed: tuple[str, ...]
    recovered: int
    abstained: bool


def markers_in(text: str) -> list[int]:
    """The source numbers of every ``[n]`` marker, in order (``[1, 2]`` and ``[1-3]`` expanded)."""
    out: list[int] = []
    for match in MARKER.finditer(text):
        out.extend(_numbers_of(match.group(1)))
    return out


def _numbers_of(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group):
        bounds = re.split(r"\s*[-–]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            out.extend(range(low, min(high, low + 20) + 1) if high >= low else [low, high])
        elif part.strip().isdigit():
            out.append(int(part))
    return out


def _sentences(chunk: StoredChunk) -> tuple[tuple[int, int], ...]:
    return chunk.sentences or ((0, len(chunk.text)),)


def split_sentences(text: str) -> list[str]:
    """``text`` cut into sentences, losslessly (``"".join`` gives ``text`` back)."""
    pieces, start = [], 0
    for cut in _cuts(text):
        pieces.append(text[start:cut])
        start = cut
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _cuts(text: str) -> list[int]:
    cuts: list[int] = []
    for match in _BOUNDARY.finditer(text):
        if match.group() == "\n":
            if cuts and cuts[-1] == match.start():
                continue  # the line break after a sentence end starts the next sentence
        else:
            word = text[: match.start()].rsplit(None, 1)[-1] if text[: match.start()].strip() else ""
            if match.group()[0] == "." and _ABBREVIATION.search(word):
                continue
        cuts.append(match.end())
    return cuts


class Verifier:
    """Verifies an answer sentence by sentence; ``feed`` it text as it streams.

    ``chunks[i]`` is the passage shown to the model as source ``i + 1``.
    ``feed`` and ``finish`` return the verified text that is ready to show;
    their concatenation is ``result().text``.
    """

    def __init__(
        self,
        chunks: Sequence[StoredChunk],
        embed: Embed | None = None,
        idf: Idf | None = None,
        question: str = "",
    ) -> None:
        self.chunks = list(chunks)
        self.embed = embed
        self.idf = idf or (lambda term: 1.0)
        self.asked = frozenset(terms(question))
        self._buffer = ""
        self._shown: list[str] = []
        self._citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int, bool], int] = {}
        self._unsupported = 0
        self._removed: list[str] = []
        self._recovered = 0
        self._terms: dict[tuple[str, int], frozenset[str]] = {}

    # -- streaming ---------------------------------------------------------------
    def feed(self, delta: str) -> str:
        self._buffer += delta
        cut = 0
        for c in _cuts(self._buffer):
            rest = self._buffer[c:].lstrip()
            # Hold a sentence back while a marker may still follow it ("... end. [").
            if rest and not rest.startswith("["):
                cut = c
        if not cut:
            return ""
        ready, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return self._emit(ready)

    def finish(self) -> str:
        ready, self._buffer = self._buffer.rstrip(), ""
        return self._emit(ready) if ready else ""

    def result(self) -> Verified:
        text = "".join(self._shown).strip()
        abstained = not self._citations and bool(_NO_ANSWER.search(text))
        return Verified(
            text=text,
            citations=tuple(self._citations),
            unsupported=0 if abstained else self._unsupported,
            removed=tuple(self._removed),
            recovered=self._recovered,
            abstained=abstained,
        )

    def _emit(self, text: str) -> str:
        out = "".join(self._verify_sentence(s) for s in split_sentences(text))
        if not any(self._shown):
            out = out.lstrip()
        self._shown.append(out)
        return out

    # -- one sentence ------------------------------------------------------------
    def _verify_sentence(self, sentence: str) -> str:
        claim = MARKER.sub(" ", sentence)
        claim_terms = terms(claim)
        cited = [n for n in dict.fromkeys(markers_in(sentence))]
        valid = [n for n in cited if 1 <= n <= len(self.chunks)]
        self._removed.extend(f"[{n}]" for n in cited if n not in valid)
        if not claim_terms or _NO_ANSWER.search(claim):
            return _replace_markers(sentence, {})
        vector = self._vector(claim)
        numbers = _numbers(claim)
        if not valid:
            return self._recover(sentence, claim_terms, vector, numbers)
        renumbered: dict[int, int] = {}
        supported = False
        for n in valid:
            span = self._best_span(self.chunks[n - 1], claim_terms, vector, numbers)
            renumbered[n] = self._cite(span)
            supported = supported or span.supported
        if not supported:
            self._unsupported += 1
        return _replace_markers(sentence, renumbered)

    def _recover(self, sentence: str, claim_terms: list[str], vector: np.ndarray | None, numbers: set[str]) -> str:
        """An uncited claim: cite the passage that clearly supports it, else count it as unsupported."""
        spans = [self._best_span(chunk, claim_terms, vector, numbers) for chunk in self.chunks]
        best = max((s for s in spans if s.supported), key=lambda s: s.score, default=None)
        clean = _replace_markers(sentence, {})
        if best is None:
            self._unsupported += 1
            return clean
        self._recovered += 1
        marker = f" [{self._cite(best)}]"
        match = re.search(r"[.!?…]*[\"'”’)]*\s*$", clean)
        at = match.start() if match else len(clean)
        return clean[:at].rstrip() + marker + clean[at:]

    def _cite(self, span: Span) -> int:
        start, end = span.offsets
        chunk = span.chunk
        key = (chunk.doc_id, chunk.start + start, chunk.start + end, span.supported)
        if key not in self._numbers:
            n = self._numbers[key] = len(self._citations) + 1
            self._citations.append(
                Citation(
                    n=n,
                    source=chunk.doc_id,
                    title=chunk.title,
                    start=chunk.start + start,
                    end=chunk.start + end,
                    quote=chunk.text[start:end],
                    score=round(span.score, 4),
                    supported=span.supported,
                    context=chunk.text,
                    context_start=chunk.start,
                )
            )
        return self._numbers[key]

    # -- scoring -------------------------------------------------------------------
    def _vector(self, claim: str) -> np.ndarray | None:
        if self.embed is None:
            return None
        return np.asarray(self.embed([" ".join(claim.split())])[0], dtype=np.float32)

    def _sentence_terms(self, chunk: StoredChunk, i: int) -> frozenset[str]:
        key = (chunk.id, i)
        found = self._terms.get(key)
        if found is None:
            s, e = _sentences(chunk)[i]
            found = self._terms[key] = frozenset(terms(chunk.text[s:e]))
        return found

    def _coverage(self, claim_terms: list[str], found: frozenset[str], context: frozenset[str]) -> float:
        weights = {t: self._weight(t) for t in claim_terms}
        total = sum(weights.values())
        if not total:
            return 0.0
        hit = 0.0
        for t, w in weights.items():
            if _matches(t, found):
                hit += w
            elif _matches(t, context):
                hit += CONTEXT_CREDIT * w
        return hit / total

    def _weight(self, term: str) -> float:
        value = self.idf(term)
        weight = UNKNOWN_IDF if value <= 0 else value
        return weight * QUESTION_TERM_WEIGHT if term in self.asked else weight

    def _best_span(
        self, chunk: StoredChunk, claim_terms: list[str], vector: np.ndarray | None, numbers: set[str]
    ) -> Span:
        sentences = _sentences(chunk)
        title = frozenset(terms(f"{chunk.title} {chunk.heading}"))
        dense = (
            chunk.sentence_vectors @ vector
            if vector is not None
            and chunk.sentence_vectors is not None
            and len(chunk.sentence_vectors) == len(sentences)
            else np.zeros(len(sentences), dtype=np.float32)
        )

        def span(first: int, last: int) -> Span:
            found = frozenset().union(*(self._sentence_terms(chunk, i) for i in range(first, last + 1)))
            around = title | (self._sentence_terms(chunk, first - 1) if first else frozenset())
            s, e = sentences[first][0], sentences[last][1]
            return Span(
                chunk,
                first,
                last,
                lexical=self._coverage(claim_terms, found, around),
                dense=float(max(dense[first : last + 1])),
                numbers_ok=numbers <= _numbers(chunk.text[s:e]),
            )

        best = max((span(i, i) for i in range(len(sentences))), key=lambda s: (s.numbers_ok, s.score))
        # A claim may join two adjacent sentences ("X met Y. They agreed on Z.").
        for first, last in ((best.first - 1, best.last), (best.first, best.last + 1)):
            if 0 <= first and last < len(sentences):
                wider = span(first, last)
                if wider.numbers_ok >= best.numbers_ok and wider.lexical >= best.lexical + EXTEND_GAIN:
                    best = wider
        return best


def _matches(term: str, vocabulary: frozenset[str]) -> bool:
    if term in vocabulary:
        return True
    # "azerbaijan" ~ "azerbaijani": one a prefix of the other.
    return len(term) >= 5 and any(
        len(v) >= 5 and abs(len(v) - len(term)) <= 3 and (v.startswith(term) or term.startswith(v)) for v in vocabulary
    )


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}


def _replace_markers(sentence: str, renumbered: dict[int, int]) -> str:
    """Markers rewritten to their new numbers; markers with no valid number removed with their space."""

    def replace(match: re.Match[str]) -> str:
        numbers = [renumbered[n] for n in _numbers_of(match.group(1)) if n in renumbered]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

    out = []
    pos = 0
    for match in MARKER.finditer(sentence):
        new = replace(match)
        before = sentence[pos : match.start()]
        out.append(before if new else before.rstrip(" \t"))
        out.append(new)
        pos = match.end()
    out.append(sentence[pos:])
    return "".join(out)


def verify_answer(
    text: str,
    chunks: Sequence[StoredChunk],
    embed: Embed | None = None,
    idf: Idf | None = None,
    question: str = "",
) -> Verified:
    """Verify a complete answer to ``question`` (see ``Verifier``)."""
    verifier = Verifier(chunks, embed, idf, question)
    verifier.feed(text)
    verifier.finish()
    return verifier.result()
