"""Hybrid retrieval: dense (Chroma) and BM25, fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embeddings import OnnxMiniLM
from .question import proper_nouns
from .store import Bm25Index, Store, StoredChunk
from .text import terms

RRF_K = 60
CANDIDATES = 20


@dataclass(frozen=True)
class Retrieved:
    """A chunk with its fused score and its rank in each list (None = absent)."""

    chunk: StoredChunk
    score: float
    dense_rank: int | None
    bm25_rank: int | None
    # The chunk's sentences' similarities to the query, blended with their neighbourhood's
    # (``neighbourhood.contextual``); None when the keyword index does not hold the chunk.
    sentence_similarities: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Retrieval:
    query: str
    query_vector: np.ndarray
    passages: tuple[Retrieved, ...]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank + 1)
    return scores


class HybridRetriever:
    def __init__(self, store: Store, model: OnnxMiniLM, mode: str = "hybrid") -> None:
        self.store = store
        self.model = model
        self.mode = mode

    def retrieve(self, query: str, top_k: int) -> Retrieval:
        bm25 = self.store.bm25()  # also drops cached chunks when the index changed
        vector = self.model.embed([query])[0]
        candidates = max(CANDIDATES, 2 * top_k)
        dense = self.store.dense_search(vector, candidates) if self.mode != "bm25" else []
        lexical = bm25.search(terms(query), candidates) if self.mode != "dense" else []
        # Only completely indexed documents answer (see Store._build_bm25).
        dense_ids = [cid for cid, _ in dense if cid.rsplit("::", 1)[0] in bm25.documents]
        bm25_ids = [cid for cid, _ in lexical]
        # A long chunk's vector averages its sentences; its best sentence tells more. The
        # sentence vectors come from the keyword index's copy, so only chunks it does not
        # know yet (written since it was built) are read from Chroma to score them.
        pooled = list(dict.fromkeys(dense_ids + bm25_ids))
        known, scores = bm25.sentence_scores(pooled, vector)
        best_sentence = dict(zip(known, scores.best(), strict=True)) if scores is not None else {}
        unknown = [cid for cid in pooled if cid not in best_sentence]
        for cid, c in self.store.get_chunks(unknown).items() if unknown else ():
            best_sentence[cid] = float((c.sentence_vectors @ vector).max()) if c.sentence_vectors is not None else 0.0
        sentence_ids = sorted(best_sentence, key=lambda cid: -best_sentence[cid]) if self.mode != "bm25" else []
        fused = reciprocal_rank_fusion([ids for ids in (dense_ids, bm25_ids, sentence_ids) if ids])
        fused = {cid: score for cid, score in fused.items() if cid in best_sentence}  # gone from Chroma: dropped
        ranked = _named_documents_first(query, sorted(fused, key=lambda cid: -fused[cid]), bm25)
        dense_rank = {cid: i for i, cid in enumerate(dense_ids)}
        bm25_rank = {cid: i for i, cid in enumerate(bm25_ids)}

        # Bodies of the chunks returned only; a chunk deleted since the keyword index was
        # built is skipped and the next one taken.
        index = {cid: n for n, cid in enumerate(known)}
        passages: list[Retrieved] = []
        taken = 0
        while len(passages) < top_k and taken < len(ranked):
            wanted = ranked[taken : taken + top_k - len(passages)]
            taken += len(wanted)
            chunks = self.store.get_chunks(wanted)
            found = [cid for cid in wanted if cid in chunks]
            # The sentences' contextual similarities, for the passages returned only.
            held = [cid for cid in found if cid in index]
            blended = (
                dict(zip(held, scores.contextual([index[cid] for cid in held]), strict=True))
                if scores is not None
                else {}
            )
            passages.extend(
                Retrieved(
                    chunks[cid], fused[cid], dense_rank.get(cid), bm25_rank.get(cid), _checked(blended, chunks[cid])
                )
                for cid in found
            )
        return Retrieval(query, vector, tuple(passages))


def _named_documents_first(query: str, ranked: list[str], bm25: Bm25Index) -> list[str]:
    """ "What does 'Commercial Use' mean in the Mozilla Public License?": the passages of the
    document the question names come first; another's cannot answer it (see ``score``)."""
    named = bm25.documents_named(tuple(terms(name)) for name in proper_nouns(query))
    if not named:
        return ranked
    first = [cid for cid in ranked if cid.rsplit("::", 1)[0] in named]
    taken = set(first)
    return first + [cid for cid in ranked if cid not in taken]


def _checked(blended: dict[str, list[float]], chunk: StoredChunk) -> tuple[float, ...] | None:
    """The chunk's sentences' similarities, if the keyword index's copy matches the chunk."""
    similarities = blended.get(chunk.id)
    return tuple(similarities) if similarities is not None and len(similarities) == len(chunk.sentences) else None
