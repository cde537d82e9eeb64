"""The offline answerer: picks the sentences that answer, cites each, or abstains.

Each sentence of the retrieved chunks is scored by its embedding similarity to
the question (vectors stored at ingestion, so nothing is embedded here), by the
idf-weighted share of the question's terms it contains, and by whether it holds
the kind of answer asked for (a number, a date, a name, a statement, a quotation,
a definition, an address). It abstains when the documents never mention what the
question is about, when no passage holds the kind of answer asked for in the right
context, or when the sentence that matches the question best holds none and the
only ones that do are about something else ("a senior official announced ..." names
nobody; a name two paragraphs away is not that official's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .neighbourhood import contextual, first_rows, window_lengths
from .question import (
    TIME_UNITS,
    QuestionInfo,
    analyse,
    has_type,
    literal,
    names_another,
    numbered_things,
    possessives,
    proper_nouns,
    role_of_another,
    split_question,
    without_context,
)
from .retrieve import Retrieval, Retrieved
from .store import Bm25Index, StoredChunk
from .text import STOPWORDS, context_acronyms, readable, stem, terms, words
from .types import Answer, Citation

# Weights of the sentence score; see docs in the module string.
W_DENSE, W_LEXICAL, W_CONTEXT, W_ENTITY, W_RANK = 0.50, 0.35, 0.15, 0.10, 0.04
TYPE_PENALTY = 0.25
# Below these, the best sentence is not about the question.
MIN_SCORE = 0.36
SHORT_SENTENCE_WORDS, SHORT_PENALTY = 5, 0.1
PICK_MARGIN = 0.15
W_NOVELTY, NOVELTY_NORM = 0.05, 30.0
COMPANION_MARGIN = 0.05
REFERS_BACK_SHARE = 0.6
# The sentence after a question the document asks itself (a FAQ entry, "How do you
# pronounce Valgrind?") or after a numbered entry's title ("3.1. Programs run OK on
# Valgrind, but at exit ... die") answers it: it shares that much of the title's match.
ANSWERS_QUESTION_SHARE = 0.8
MAX_ANSWER_WORDS = 60
MIN_TOPIC_COVERAGE = 0.35
TYPED_KINDS = frozenset(
    {
        "number",
        "date",
        "who",
        "person",
        "place",
        "name",
        "speech",
        "opinion",
        "wording",
        "email",
        "phone",
        "url",
        "address",
        "definition",
    }
)
COMMON_SHARE = 0.5
YES_NO_UNKNOWN_WORDS = 3
TOPIC_DENSE = 0.55
MAX_SENTENCES = 3
NEXT_SENTENCE_SHARE = 0.75
# "Instead, ..." or "However, ..." finishes the sentence before it, so it may share
# fewer of the question's words and still belong to the answer.
CONTINUATION_SHARE = 0.5
_QUOTE_MARKS = '"“«'
ANCHOR_GAP = 0.4
_CONTINUATION = re.compile(
    r"^[\"“]?(?:but|however|and|yet|still|instead|rather|otherwise|thus|therefore|hence|"
    r"he|she|they|it|this|that|these|those|the two)\b",
    re.I,
)
_CAUSE_WORDS = r"because|since|due to|owing to|so that|in order to"
# What gives a cause or a purpose, which answers a why-question.
_REASON = re.compile(
    rf"\b(?:{_CAUSE_WORDS}|as a result|thanks to|trying to|aims? to|aimed at|"
    r"seeks? to|seeking to|given that|the reason|means that|which is why|that is why)\b",
    re.I,
)
# What states a cause outright, which a why-question wants: "... since file locking may be
# unavailable", "As file locking is employed ..., it is recommended ...".
_CAUSE = re.compile(rf"\b(?:{_CAUSE_WORDS}|as a result of|believing|fearing|convinced that)\b|^As\b", re.I)
W_CAUSE = 0.05
W_LABEL = 0.1
# A sentence that names the very "X's Y" the question names is about that thing ("Moscow’s
# influence is liquefying" for "what is happening to Moscow's influence"), not about X and Y apart.
W_POSSESSIVE = 0.05
# "... without naming a version" is answered by "If the Program does not specify a version".
W_NEGATED = 0.05
_NEGATION = re.compile(r"\b(?:not|never|no|without|neither|nor|fails? to|failed to)\b|n['’]t\b", re.I)
# A definition list's item for the very code asked about says what it means.
W_DEFINES = 0.3
# "that" and "there" only when they open the sentence: mid-sentence they are mostly
# conjunctions and place adverbs ("signaled that", "there are limits").
_REFERS_BACK = re.compile(r"\b(?:it|its|this|these|those|they|them)\b|^[\"“]?(?:that|there)\b", re.I)
_PRONOUN = re.compile(r"\b(?:he|she|him|his|her|they|them|their)\b", re.I)
_NEGATIVE_REPLY = "The documents do not say."


# Candidate and Scored are immutable tuples rather than frozen dataclasses: an answer
# makes one of each per sentence of its passages, and a tuple is built 3x faster.
class Candidate(NamedTuple):
    chunk: StoredChunk
    position: int  # sentence number inside the chunk
    rank: int  # passage rank
    text: str
    terms: frozenset[str]
    dense: float
    previous: str = ""  # the sentence before, also across the chunk boundary when known
    previous_terms: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple[str, int]:
        """Which sentence this is: its chunk and its place there."""
        return self.chunk.id, self.position

    @property
    def start(self) -> int:
        return self.chunk.start + self.chunk.sentences[self.position][0]

    @property
    def end(self) -> int:
        return self.chunk.start + self.chunk.sentences[self.position][1]


class Scored(NamedTuple):
    candidate: Candidate
    score: float
    typed: bool
    entities_ok: bool
    topic: float = 0.0  # share of the question's topic (idf-weighted) the sentence covers


def _covered(weights: tuple[tuple[tuple[frozenset[str], float], ...], float], found: frozenset[str]) -> float:
    """Idf-weighted share of the question's terms (as ``_term_weights`` gives them) found in ``found``."""
    weighted, total = weights
    if not total:
        return 0.0
    hit = 0.0
    for variants, weight in weighted:
        if not variants.isdisjoint(found):
            hit += weight
    return hit / total


@lru_cache(maxsize=1024)
def _term_weights(
    bm25: Bm25Index, question_terms: tuple[str, ...], unknown_weight: float
) -> tuple[tuple[tuple[frozenset[str], float], ...], float]:
    """(variants, idf) of the question's known terms and the total weight: computed once
    per question, not once per sentence.

    Terms the corpus never uses (paraphrases such as "call" for "marvel") cannot be
    found; they still count in the total at ``unknown_weight``, because when most of a
    question is paraphrase, matching its few common words proves little.
    """
    known = [t for t in question_terms if bm25.knows(t)]
    unknown = len(question_terms) - len(known)
    total = sum(bm25.idf(t) for t in known) + unknown_weight * unknown * bm25.idf("")
    return tuple((bm25.variants(t), bm25.idf(t)) for t in known), total


def candidates(retrieval: Retrieval) -> list[Candidate]:
    retrieved = {p.chunk.id: p.chunk for p in retrieval.passages}
    similarities = _contextual_similarities(retrieval.passages, retrieval.query_vector)
    out = []
    for rank, passage in enumerate(retrieval.passages):
        chunk = passage.chunk
        dense = similarities[rank]
        previous, previous_terms = _sentence_before(chunk, retrieved)
        for i, ((s, e), own_terms) in enumerate(zip(chunk.sentences, _sentence_terms(chunk), strict=True)):
            text = chunk.text[s:e]
            found = own_terms
            similarity = dense[i]
            if previous and _has_pronoun(text):
                # "..., he said": the sentence is about whoever the previous one named.
                found = found | _names_of(previous)
                if text[:1] in _QUOTE_MARKS and i > 0:
                    # A quotation after its lead-in ("Putin marveled at how Baku had
                    # developed. "It's an oasis," he said."): the lead-in says what it is about.
                    similarity = max(similarity, dense[i - 1])
            out.append(Candidate(chunk, i, rank, text, found, similarity, previous, previous_terms))
            previous, previous_terms = text, own_terms
    return out


def _sentence_terms(chunk: StoredChunk) -> tuple[frozenset[str], ...]:
    """Each sentence's terms: from the keyword index when it holds them (worked out once,
    at indexing), else from the text."""
    known = chunk.sentence_terms
    if known is not None and len(known) == len(chunk.sentences):
        return known
    return tuple(_terms_of(chunk.text[s:e]) for s, e in chunk.sentences)


def _sentence_before(chunk: StoredChunk, retrieved: dict[str, StoredChunk]) -> tuple[str, frozenset[str]]:
    """The last sentence (and its terms) of the chunk before ``chunk`` in its section, when
    that chunk was retrieved too: "Tass interviewed the ambassador ... ." ends one chunk,
    "Bulbuloglu noted that ..." starts the next, and only together do they say who spoke."""
    before = retrieved.get(_id_before(chunk))
    if before is None or before.heading != chunk.heading or not before.sentences:
        return "", frozenset()
    start, end = before.sentences[-1]
    return before.text[start:end], _sentence_terms(before)[-1]


def _id_before(chunk: StoredChunk) -> str:
    """The id of the chunk before ``chunk`` in its document ("" for its first)."""
    doc, _, number = chunk.id.rpartition("::")
    return f"{doc}::{int(number) - 1}" if number.isdigit() and int(number) > 0 else ""


def _contextual_similarities(passages: tuple[Retrieved, ...], query: np.ndarray) -> list[Sequence[float]]:
    """Each passage's sentences' similarities to the query, blended with their
    neighbourhood's: as retrieval worked them out, else (a chunk the keyword index does
    not hold yet) from the chunk's sentence vectors."""
    out: list[Sequence[float]] = []
    for passage in passages:
        chunk = passage.chunk
        if passage.sentence_similarities is not None:
            out.append(passage.sentence_similarities)
        elif chunk.sentence_vectors is not None:
            first = first_rows([len(chunk.sentence_vectors)])
            lengths = window_lengths(chunk.sentence_vectors, first)
            out.append(contextual(chunk.sentence_vectors @ query, lengths, first).tolist())
        else:
            out.append([0.0] * len(chunk.sentences))
    return out


@lru_cache(maxsize=16384)
def _names_of(text: str) -> frozenset[str]:
    return frozenset(t for name in proper_nouns(text) for t in terms(name))


@lru_cache(maxsize=16384)
def _terms_of(text: str) -> frozenset[str]:
    return frozenset(terms(text))


def _context_terms(chunk: StoredChunk) -> frozenset[str]:
    """Terms of a sentence's surroundings: its chunk, heading and document title, plus the
    acronyms of the names there ("gpl" for "GNU General Public License"). Built from the
    sentences' own term sets (which cover the chunk's text) instead of reading it again."""
    found = set(_terms_of(chunk.title)) | _terms_of(chunk.heading)
    found.update(*_sentence_terms(chunk))
    names = chunk.acronyms if chunk.acronyms is not None else _acronyms_of(chunk.title, chunk.heading, chunk.text)
    return frozenset(found) | names


@lru_cache(maxsize=4096)
def _acronyms_of(title: str, heading: str, text: str) -> frozenset[str]:
    """A chunk's acronyms when the keyword index does not hold them (written since it was built)."""
    return context_acronyms(title, heading, text)


def score(info: QuestionInfo, pool: list[Candidate], bm25: Bm25Index) -> list[Scored]:
    question_words = {w.lower() for w in words(info.text)}
    strict_focus = (
        info.focus.startswith("@") or info.focus in TIME_UNITS or (bool(info.focus) and bm25.knows(info.focus))
    )
    topic = info.topic
    entity_keys = [_entity_key_words(entity, bm25) for entity in info.entities]
    # A passage about the thing asked must name it: of "version 3 of the GNU Affero
    # GPL", "3" alone (numbers are everywhere) does not make it about the Affero GPL.
    is_name = [not any(ch.isdigit() for word in entity for ch in word) for entity in info.entities]
    # Term weights once per question, not once per sentence.
    question_weights = _term_weights(bm25, info.terms, 0.5)
    topic_weights = _term_weights(bm25, topic, 0.0)
    asked_idf = {t: bm25.idf(t) for t in set(info.terms)}
    # What depends on the passage only (its context, which entities it names) is
    # worked out once per passage, not once per sentence.
    per_chunk: dict[str, tuple[float, float, bool, frozenset[str]]] = {}
    speaker_names = _names_for_role(info.speaker, pool, bm25)
    # "... under the Artistic License?": a question naming a document is answered from it.
    named_documents = bm25.documents_named(info.entities)
    why = info.answer_type == "reason"
    negated = _NEGATION.search(info.text) is not None
    label = _label_pattern(info.label) if info.label else None
    codes = _definition_items(info.codes) if info.codes else None
    out = []
    for c in pool:
        chunk_scores = per_chunk.get(c.chunk.id)
        if chunk_scores is None:
            context = _context_terms(c.chunk)
            present = [any(not v.isdisjoint(context) for v in keys) for keys in entity_keys]
            names_present = [p for p, name in zip(present, is_name, strict=True) if name]
            chunk_scores = per_chunk[c.chunk.id] = (
                _covered(question_weights, context),
                sum(present) / len(present) if present else 1.0,
                any(names_present) if names_present else not present or any(present),
                _terms_of(c.chunk.heading),
            )
        context_coverage, entity_coverage, names_asked, heading_terms = chunk_scores
        if not names_asked and c.previous_terms and c.position == 0:
            # "... known as the Zangezur Corridor." ends one chunk, "... the route would be
            # guarded by Russia's security service" starts the next: the name is just before.
            names_asked = any(
                any(not v.isdisjoint(c.previous_terms) for v in keys)
                for keys, name in zip(entity_keys, is_name, strict=True)
                if name
            )
        if named_documents and c.chunk.doc_id not in named_documents:
            names_asked = False
        coverage = _covered(question_weights, c.terms)
        # A sentence is about what it names, what its heading names, and what the
        # sentence before names when it refers back to it.
        about = c.terms | heading_terms
        share = (
            ANSWERS_QUESTION_SHARE if _sets_up_answer(c.previous) else REFERS_BACK_SHARE if _refers_back(c.text) else 0
        )
        if share:
            about |= c.previous_terms
            coverage = max(coverage, share * _covered(question_weights, c.terms | c.previous_terms))
        topic_coverage = _covered(topic_weights, about)
        # A question the document asks (and answers next) is no answer itself.
        typed = (
            not _is_contents(c.text)
            and not _is_question(c.text)
            and not _is_entry_title(c)
            and has_type(c.text, info.answer_type, question_words, info.focus, strict_focus, bm25.people)
        )
        if typed and info.asks_default and "default" not in about and "default" not in c.previous_terms:
            typed = False  # "the low-quality modes may not meet ..." says nothing of cjpeg's default
        if typed and info.numbered and names_another(info.numbered, c.text):
            typed = False  # about "Version 3" when "version 2" was asked about
        if typed and info.owner and info.named_thing and role_of_another(info.owner, info.named_thing[-1], c.text):
            typed = False  # "the Azerbaijani ambassador" when Russia's was asked about
        if typed and info.speaker:
            # The speaker must be in the sentence or just before it ("..., he said"); one
            # asked about by role may be named there instead ("the ambassador" is
            # "Bulbuloglu", as another passage says).
            near = c.terms | c.previous_terms
            typed = not near.isdisjoint(speaker_names) or any(
                not bm25.variants(t).isdisjoint(near) for t in info.speaker
            )
        if typed and info.answer_type in TYPED_KINDS:
            # The number, date, name or statement must be about what was asked: the
            # sentence itself names the question's topic, or refers back to the sentence
            # before that does ("But it doesn't correspond to ...").
            # A topic the documents have no word for cannot be checked this way.
            typed = (
                not topic_weights[1]
                or c.dense >= TOPIC_DENSE
                or topic_coverage >= MIN_TOPIC_COVERAGE
                # "the default of 10 concurrent requests" answers "how many requests by default":
                # the figure stands by the counted thing, and the default is what was asked.
                or (info.asks_default and bool(strict_focus) and "default" in c.terms)
            )
        labelled = label is not None and label.search(c.text) is not None  # "Filter ID: 0x03"
        defines = codes is not None and codes.match(c.text) is not None  # "- w :: The key has a well known ..."
        fragment = _is_fragment(c, typed and (labelled or defines or info.answer_type in ("number", "date")))
        value = (
            W_DENSE * c.dense
            + W_LEXICAL * coverage
            + W_CONTEXT * context_coverage
            + W_ENTITY * entity_coverage
            + W_RANK / (1 + c.rank)
            - (0 if typed else TYPE_PENALTY)
            - (SHORT_PENALTY if fragment else 0)
            + W_NOVELTY * _novelty(c.terms, asked_idf, bm25)
            + (W_CAUSE if why and _CAUSE.search(c.text) else 0)
            + (W_POSSESSIVE if info.possessives and not possessives(c.text).isdisjoint(info.possessives) else 0)
            + (W_NEGATED if negated and _NEGATION.search(c.text) else 0)
            + (W_LABEL if labelled else 0)
            + (W_DEFINES if defines else 0)
        )
        out.append(Scored(c, value, typed and not fragment, names_asked, topic_coverage))
    out.sort(key=lambda s: -s.score)
    return out


def _names_for_role(speaker: tuple[str, ...], pool: list[Candidate], bm25: Bm25Index) -> frozenset[str]:
    """The names of whoever the passages say holds the role the question's speaker is
    asked by ("the ambassador" -> "Polad Bulbuloglu", from "Tass interviewed the
    Azerbaijani ambassador to Moscow, Polad Bulbuloglu"); none for a speaker named."""
    people = _people_terms(bm25)
    if not speaker or not people.isdisjoint(speaker):
        return frozenset()
    role = [bm25.variants(t) for t in speaker]
    found: set[str] = set()
    for c in pool:
        if all(not v.isdisjoint(c.terms) for v in role):
            found |= c.terms & people
    return frozenset(found)


@lru_cache(maxsize=8)
def _people_terms(bm25: Bm25Index) -> frozenset[str]:
    """The terms of the people the documents name, as sentences' terms spell them ("kovac")."""
    return frozenset(t for name in bm25.people for t in terms(name))


@lru_cache(maxsize=256)
def _definition_items(codes: tuple[str, ...]) -> re.Pattern[str]:
    """A definition list's item or a table's row for one of ``codes``: "- w :: The key ...",
    "0 = classic", "|D  | STRAY_CAT | cat page with no source manual page |", and a row of
    columns set apart by spaces ("bold            weight          200")."""
    alternatives = "|".join(re.escape(c) for c in codes)
    return re.compile(rf"^\s*(?:[-*•]\s*|\|\s*)?(?:{alternatives})(?:\s*(?:::|:|=|—|–|\|)|[ \t]{{2,}})\s*\S")


@lru_cache(maxsize=256)
def _label_pattern(label: str) -> re.Pattern[str]:
    """ "Filter ID:  0x03", "magic bytes = YZ": the label, then its value."""
    words = r"[\s-]+".join(re.escape(w) for w in label.split())
    return re.compile(rf"\b{words}s?\s*[:=]\s*\S", re.I)


def _is_fragment(c: Candidate, holds_figure: bool) -> bool:
    """A heading, a title or a few words ("2. Grant of Copyright License.") rarely answers,
    unless it holds the figure, date or labelled value asked for ("Version 3, 29 June 2007"),
    or leads in to a list ("Two pools/lifetimes are defined:"), which the answer then holds."""
    return (
        not holds_figure
        and not c.text.rstrip().endswith(":")
        and (_word_count(c.text) < SHORT_SENTENCE_WORDS or c.text in (c.chunk.heading, c.chunk.title))
    )


_SECTION_TITLE = re.compile(r"(?:^|\s)\d+(?:\.\d+)*\.?\s+[A-Z]")


@lru_cache(maxsize=16384)
def _is_contents(text: str) -> bool:
    """Whether the text is a run of numbered section titles (a table of contents: "5.3.3.
    Delta 5.4. Custom Filter IDs 6. Cyclic ..."), which names topics but answers nothing."""
    return len(_SECTION_TITLE.findall(text)) >= 3


_NUMBERED_TITLE = re.compile(r"\d+(?:\.\d+)+\.?\s")  # "3.1. ", "2.1.1.1 "; a list's "1. " is not one


def _is_entry_title(c: Candidate) -> bool:
    """Whether the sentence is a numbered entry's title, the answer being below it: the
    title that heads its chunk, or one quoting what went wrong ("2.2. When building
    Valgrind, 'make' fails with this:" and the error's lines)."""
    if _NUMBERED_TITLE.match(c.text) is None:
        return False
    first_line, _, rest = c.text.partition("\n")
    heading = c.chunk.heading
    return (bool(heading) and " ".join(c.text.split()).startswith(heading)) or (
        bool(rest.strip()) and first_line.rstrip().endswith(":")
    )


def _is_question(text: str) -> bool:
    return text.rstrip().endswith("?")


@lru_cache(maxsize=16384)
def _sets_up_answer(text: str) -> bool:
    """Whether the sentence after ``text`` answers it: a question or a numbered entry's title."""
    return _is_question(text) or _NUMBERED_TITLE.match(text) is not None


@lru_cache(maxsize=16384)
def _has_pronoun(text: str) -> bool:
    return _PRONOUN.search(text) is not None


@lru_cache(maxsize=16384)
def _refers_back(text: str) -> bool:
    return _REFERS_BACK.search(text) is not None


@lru_cache(maxsize=16384)
def _word_count(text: str) -> int:
    return len(text.split())


def _entity_key_words(entity: tuple[str, ...], bm25: Bm25Index) -> list[frozenset[str]]:
    """The word variants that show a passage names the entity: "Apache" for "Apache
    License" in a corpus of licences, "Bulbuloglu" for "Polad Bulbuloglu", "University"
    for "Russian-Azerbaijani University"."""
    # Its rarest word or its last word (a surname, the head noun of "... University"),
    # unless that word is common in the corpus ("License" among licences).
    rarest = max(entity, key=bm25.idf)
    key_words = {rarest} | ({entity[-1]} if bm25.df.get(entity[-1], 0) <= COMMON_SHARE * bm25.n_docs else set())
    return [bm25.variants(t) for t in key_words]


def _novelty(found: frozenset[str], asked_idf: dict[str, float], bm25: Bm25Index) -> float:
    """How much the sentence says beyond the question's own words: an answer adds
    something; a general sentence that merely echoes the question ("Azerbaijan
    matters to Russia for a number of reasons") adds little."""
    extra = _idf_total(bm25, found) - sum(idf for t, idf in asked_idf.items() if t in found)
    return min(1.0, extra / NOVELTY_NORM)


@lru_cache(maxsize=16384)
def _idf_total(bm25: Bm25Index, found: frozenset[str]) -> float:
    """The summed idf of a sentence's terms; sentences recur across questions."""
    return sum(bm25.idf(t) for t in found)


def unknown_terms(info: QuestionInfo, bm25: Bm25Index) -> list[str]:
    """Names and numbers of the question that no indexed chunk contains, and the words of
    the thing whose name is asked for, or of the speaker asked about, that none does."""
    # "Is the MPL compatible with the GPL?": the documents name the GNU General Public License.
    missing = [
        t for entity in info.entities if not any(bm25.knows(t) or t in bm25.acronyms for t in entity) for t in entity
    ]
    # "How did Armenia's prime minister react?": documents that never speak of a prime
    # minister cannot say what one said, whatever they say of Armenia.
    speaker = info.speaker if info.speaker and not bm25.knows(info.speaker[-1]) else ()
    # "Does the .xz format support password-protected encryption?": a yes or no about
    # several things the documents never mention is no yes or no they give. (One or two
    # such words are often a paraphrase: "in parallel" for "simultaneously".)
    own = set(terms(without_context(info.text))) if info.answer_type == "yesno" else set()
    novel = [t for t in info.topic if t in own and len(t) >= 4 and not bm25.knows(t)]
    unsaid = novel if len(novel) >= YES_NO_UNKNOWN_WORDS else []
    return missing + [t for t in (*info.named_thing, *speaker, *unsaid) if not bm25.knows(t) and t not in missing]


def _numbered_elsewhere(info: QuestionInfo, retrieval: Retrieval) -> list[str]:
    """The numbered things asked about ("version 2") that the passages number only
    otherwise ("Version 3" throughout): the documents are about another one."""
    if not info.numbered:
        return []
    found = frozenset().union(*(numbered_things(p.chunk.text) for p in retrieval.passages))
    return [
        f"{noun} {number}"
        for noun, number in info.numbered
        if (noun, number) not in found and any(n == noun for n, _ in found)
    ]


def _pick(info: QuestionInfo, ranked: list[Scored]) -> Scored | None:
    """The best sentence that holds the kind of answer asked for, unless it ranks far
    below the best sentence overall (then the passages are about something else)."""
    if not ranked:
        return None
    floor = max(MIN_SCORE, ranked[0].score - PICK_MARGIN)
    anchor = max(ranked, key=lambda s: s.topic)
    for s in ranked:
        if s.score < floor:
            return None
        if s.typed and s.entities_ok and not _off_anchor(info, s, anchor):
            return s
    return None


def _off_anchor(info: QuestionInfo, s: Scored, anchor: Scored) -> bool:
    """Whether a sentence holding a figure, date or name is about something else than the
    sentence that matches the question best: "a senior Russian official announced ..."
    names nobody, and a name two paragraphs away does not answer "which official"."""
    if info.answer_type not in TYPED_KINDS or anchor.typed:
        return False
    a, c = anchor.candidate, s.candidate
    near = a.chunk.id == c.chunk.id and abs(a.position - c.position) <= 1
    return not near and s.topic < anchor.topic - ANCHOR_GAP and a.dense >= c.dense


def _describe(kind: str) -> str:
    return {
        "number": "figure",
        "date": "date",
        "person": "name",
        "who": "name",
        "place": "place",
        "name": "name",
        "speech": "statement by that person",
        "opinion": "view held by them",
        "wording": "quotation",
        "email": "e-mail address",
        "phone": "phone number",
        "url": "web address",
        "address": "postal address",
        "definition": "definition",
        "item": "named thing",
    }.get(kind, "answer")


def answer_extractive(question: str, retrieval: Retrieval, bm25: Bm25Index) -> Answer:
    """Answer ``question`` (already standalone) from the retrieved passages."""
    question = _truecased(question, retrieval)
    pool = candidates(retrieval)
    chosen: list[Scored] = []
    reasons: list[str] = []
    first: QuestionInfo | None = None
    for part in split_question(question):
        part = _spelled_version(part, bm25)
        info = analyse(part)
        if first is None:
            first = info
        elif _refers_back(part) and not _names_a_thing(info, bm25):
            # "What is the default order ..., and where is it defined?": "it" is what
            # the first part asked about, so its words count here too. (A part naming
            # a thing of its own may refer to that: "... and when did Azerbaijan's
            # offensive give it full control?"; a person it names is no "it".)
            info = replace(
                info,
                terms=info.terms + tuple(t for t in first.terms if t not in info.terms),
                topic=info.topic + tuple(t for t in first.topic if t not in info.topic),
            )
        unknown = unknown_terms(info, bm25)
        spelled = {t for t in unknown if _spelled_out(t, part, retrieval)}
        if spelled:  # the passage says "user interface": it names the "UI" asked about
            unknown = [t for t in unknown if t not in spelled]
            info = replace(info, entities=tuple(e for e in info.entities if not set(e) <= spelled))
        elsewhere = _numbered_elsewhere(info, retrieval)
        said = {word for phrase in elsewhere for word in phrase.split()}
        missing = [w for w in (_original_words(part, unknown) if unknown else []) if w not in said] + elsewhere
        if missing:
            reasons.append(f"They never mention {', '.join(missing)}.")
            continue
        ranked = score(info, pool, bm25)
        best = _pick(info, ranked)
        taken = {s.candidate.key for s in chosen}
        if best is not None and best.candidate.key in taken and info.answer_type not in TYPED_KINDS:
            # "..., and can I change it back later?": the sentence that answered the first
            # part is no answer to this one; a figure or a name it holds may be.
            best = _pick(info, [s for s in ranked if s.candidate.key not in taken])
        if best is None:
            if ranked and ranked[0].score >= MIN_SCORE:
                reasons.append(f"The closest passages hold no {_describe(info.answer_type)} for this.")
            continue
        companions = _companions(best, ranked, [*chosen, best], info.answer_type == "reason")
        if companions and _answers_what_leads_in(info, best.candidate, companions[0].candidate):
            # 'Putin marveled at how Baku had developed.' leads in; '"It's an oasis," he said'
            # is the answer: the answer comes first, its lead-in after it.
            chosen.extend([companions[0], best, *companions[1:]])
        else:
            chosen.extend([best, *companions])
        if _CAUSE_BY_REFERENCE.search(best.candidate.text):
            # "We currently do not support DNL because of these problems.": the problems are
            # in the sentence before, which the answer needs first.
            before = next((s for s in ranked if _is_next(best.candidate, s.candidate)), None)
            if before is not None:
                chosen.insert(chosen.index(best), before)
    if not chosen:
        text = " ".join([_NEGATIVE_REPLY, *reasons])
        return Answer(text=text, abstained=True, mode="extractive", query=question)
    return _compose(question, _dedupe(chosen)[:MAX_SENTENCES])


_VERSION_SHORT = re.compile(r"\b[vV](\d+(?:\.\d+)*)\b")


def _spelled_version(question: str, bm25: Bm25Index) -> str:
    """ "the GPL v2" as the documents write it, "version 2", unless they write "v2" too."""
    return _VERSION_SHORT.sub(
        lambda m: m.group() if bm25.knows(m.group().lower()) else f"version {m.group(1)}", question
    )


def _companions(best: Scored, ranked: list[Scored], chosen: list[Scored], why: bool) -> list[Scored]:
    """Up to two more sentences: the next one when it continues the best one ("But ...",
    a quotation whose speaker the best one names, a list announced by a colon, or simply
    a good answer too), and another sentence that is nearly as good an answer."""
    taken = {s.candidate.key for s in chosen}
    budget = MAX_ANSWER_WORDS - sum(len(s.candidate.text.split()) for s in chosen)
    out: list[Scored] = []
    following = _sentence_after(best.candidate, ranked[1:])
    if following is not None and _continues(best, following, budget, why):
        out.append(following)
        budget -= len(following.candidate.text.split())
        if following.candidate.text.rstrip().endswith(":"):
            # "... as lifetime identifiers. Two pools are defined:" -- and then the two.
            listed = _sentence_after(following.candidate, ranked)
            if listed is not None and len(listed.candidate.text.split()) <= budget:
                out.append(listed)
                budget -= len(listed.candidate.text.split())
    for s in ranked[1:3]:
        c = s.candidate
        if (
            c.key not in taken
            and s not in out
            and len(c.text.split()) <= budget
            and s.typed
            and s.entities_ok
            and s.score >= best.score - COMPANION_MARGIN
        ):
            out.append(s)
            break
    return out


def _answers_what_leads_in(info: QuestionInfo, best: Candidate, following: Candidate) -> bool:
    """Whether the sentence after the best one is the answer the best one only leads in to:
    the quotation of a statement ("... he said"), the cause of a why-question, the command
    or file a question asks for ("man-db compresses cat files. ... compressed with gzip -7c")."""
    if not _is_next(following, best):
        return False
    kind = info.answer_type
    if _ASKS_FOR_LITERAL.search(info.text):
        return literal(following.text) and not literal(best.text)
    if kind in ("speech", "wording", "opinion"):
        return _has_quotation(following.text) and not _has_quotation(best.text)
    if kind == "reason":
        return _REASON.search(following.text) is not None and _REASON.search(best.text) is None
    return False


_ASKS_FOR_LITERAL = re.compile(
    r"\b(?:what|which)\s+(?:[\w-]+\s+)?(?:command|option|flag|switch|argument|variable|file|directory|folder|"
    r"package|program|library|header|macro|extension|field|setting|directive)s?\b",
    re.I,
)


_CAUSE_BY_REFERENCE = re.compile(
    r"\b(?:because of|due to|owing to|for|given) (?:these|this|those|such|all this)(?: \w+)?[.,;]?\s*$|"
    r"^(?:this|that) is (?:why|the reason)\b",
    re.I,
)


def _has_quotation(text: str) -> bool:
    return any(mark in text for mark in _QUOTE_MARKS)


def _sentence_after(c: Candidate, ranked: list[Scored]) -> Scored | None:
    return next((s for s in ranked if _is_next(s.candidate, c)), None)


def _is_next(c: Candidate, after: Candidate) -> bool:
    """Whether ``c`` is the sentence right after ``after``, also across a chunk boundary."""
    if c.chunk.id == after.chunk.id:
        return c.position == after.position + 1
    return (
        c.position == 0
        and after.position == len(after.chunk.sentences) - 1
        and _id_before(c.chunk) == after.chunk.id
        and c.chunk.heading == after.chunk.heading  # as ``_sentence_before`` requires
    )


def _continues(best: Scored, following: Scored, budget: int, why: bool) -> bool:
    text, score = following.candidate.text, following.score
    if best.candidate.text.rstrip().endswith(":"):
        return True  # "... with two steps:" is answered by what follows
    if score < MIN_SCORE:
        return False
    return (
        (_CONTINUATION.match(text) is not None and score >= CONTINUATION_SHARE * best.score)
        # "Why was it cut?" -- "The timetable cuts it. The operator dropped it because ...":
        # the cause follows the sentence that restates what was asked.
        or (why and _REASON.search(text) is not None and score >= CONTINUATION_SHARE * best.score)
        or (text[:1] in _QUOTE_MARKS and following.typed and score >= 0.6 * best.score)
        or (following.typed and score >= NEXT_SENTENCE_SHARE * best.score and len(text.split()) <= budget)
    )


def _dedupe(chosen: list[Scored]) -> list[Scored]:
    """Each sentence once, and each wording once: a manual that repeats "-o file
    --output=file Write the statistics to file." in two sections is cited once."""
    seen: set[tuple[str, int] | str] = set()
    out = []
    for s in chosen:
        keys = (s.candidate.key, " ".join(s.candidate.text.split()).lower())
        if not any(key in seen for key in keys):
            seen.update(keys)
            out.append(s)
    return out


def _spelled_out(term: str, question: str, retrieval: Retrieval) -> bool:
    """Whether ``term`` is an acronym of the question ("UI") that a retrieved passage spells
    out in words it does not capitalise ("the text-mode full-screen user interface")."""
    if not re.search(rf"\b{re.escape(term.upper())}s?\b", question) or not 2 <= len(term) <= 6:
        return False
    for passage in retrieval.passages:
        content = [w for w in words(passage.chunk.text) if w not in STOPWORDS]
        initials = "".join(w[0] for w in content)
        if term in {initials[i : i + len(term)] for i in range(len(initials) - len(term) + 1)}:
            return True
    return False


# A capitalised word standing alone inside a sentence (not its first, not one of a longer
# name such as "the North-South Transport Corridor"): a name as the passage writes it.
_NAME_INSIDE = re.compile(r"(?<=[^.!?\s] )[A-Z][\w’'-]*(?: [A-Z][\w’'-]*)*")


def _truecased(question: str, retrieval: Retrieval) -> str:
    """A question typed all in lower case ("what did putin compare baku to") with its
    words capitalised as the passages write them inside sentences ("Putin", "Baku"), so
    that its names are found; other questions as they are."""
    if any(ch.isupper() for ch in question):
        return question
    cased: dict[str, str] = {}
    for passage in retrieval.passages:
        for name in _NAME_INSIDE.findall(passage.chunk.text):
            if " " not in name:
                cased.setdefault(name.lower(), name)
    return re.sub(r"[\w’'-]+", lambda m: cased.get(m.group(), m.group()), question)


def _names_a_thing(info: QuestionInfo, bm25: Bm25Index) -> bool:
    """Whether the question names something other than a person ("Azerbaijan", "-n")."""
    people = _people_terms(bm25)
    return any(people.isdisjoint(entity) for entity in info.entities)


def _original_words(question: str, stems: list[str]) -> list[str]:
    """The question's own words for ``stems``, words next to each other kept together
    ("Prime Minister", not "Prime, Minister")."""
    found: list[str] = []
    run: list[str] = []
    for w in [*re.findall(r"[\w’'$.,-]+", question), ""]:
        clean = w.strip(".,?!'’")
        if clean and stem(words(clean)[0] if words(clean) else clean) in stems:
            run.append(clean)
            continue
        phrase = " ".join(run)
        if phrase and phrase not in found:
            found.append(phrase)
        run = []
    return found or stems


# A document's own footnote marks ("ARM filter [1]") would read as the answer's citation
# markers, and the web chat would link them to the wrong source: shown as "(1)" instead
# (the citation's quote keeps the exact text).
_FOOTNOTE_MARK = re.compile(r"\[(\d{1,3})\]")


def _compose(question: str, chosen: list[Scored]) -> Answer:
    citations = []
    parts = []
    for n, s in enumerate(chosen, start=1):
        c = s.candidate
        citations.append(
            Citation(
                n=n,
                source=c.chunk.doc_id,
                title=c.chunk.title,
                start=c.start,
                end=c.end,
                quote=c.text,
                score=round(s.score, 4),
                supported=True,
                context=c.chunk.text,
                context_start=c.chunk.start,
            )
        )
        shown = _FOOTNOTE_MARK.sub(r"(\1)", readable(c.text))
        parts.append(f"{shown} [{n}]")
    return Answer(text=" ".join(parts), citations=tuple(citations), abstained=False, mode="extractive", query=question)
