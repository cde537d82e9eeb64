"""How close a sentence *and its neighbourhood* are to a question.

An answer sentence often leaves its subject to the sentence before it ("It's an
oasis," he said), so each sentence's similarity to the question is blended with
that of its window: the sentence plus, at half weight, its neighbours in the same
chunk. The length of each window vector depends on the sentences only, so the
keyword index works it out once when it is built (``window_lengths``); a query
then needs only the sentences' own similarities (``contextual``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NEIGHBOUR_WEIGHT = 0.5
CONTEXT_BLEND = 0.3


def first_rows(sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """For consecutive groups of ``sizes`` rows (a chunk's sentences): True at the first
    row of each group."""
    counts = np.asarray(sizes, dtype=np.int64)
    first = np.zeros(int(counts.sum()), dtype=bool)
    first[(np.cumsum(counts) - counts)[counts > 0]] = True
    return first


def _has_neighbours(first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1.0 where a row has a row before it in its group, and where it has one after it."""
    before = ~first
    after = np.append(before[1:], False)
    return before.astype(np.float32), after.astype(np.float32)


def _shifted(values: np.ndarray, by: int) -> np.ndarray:
    """``values`` moved ``by`` places later (negative: earlier), zeros shifted in."""
    out = np.zeros_like(values)
    if by > 0:
        out[by:] = values[:-by]
    else:
        out[:by] = values[-by:]
    return out


def window_lengths(vectors: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The length of v[i] + w * (v[i-1] + v[i+1]) for each row, neighbours taken in its
    own group (``first``: see ``first_rows``), from dot products of the rows (the windows
    themselves are never built)."""
    v = np.asarray(vectors, dtype=np.float32)
    before, after = _has_neighbours(first)
    w = np.float32(NEIGHBOUR_WEIGHT)
    squares = np.einsum("ij,ij->i", v, v)
    adjacent = np.append(np.float32(0), np.einsum("ij,ij->i", v[1:], v[:-1]))  # v[i] . v[i-1]
    apart = np.zeros(len(v), dtype=np.float32)
    apart[1:-1] = np.einsum("ij,ij->i", v[2:], v[:-2])  # v[i+1] . v[i-1]
    length2 = (
        squares
        + w * w * (_shifted(squares, 1) * before + _shifted(squares, -1) * after)
        + 2 * w * (adjacent * before + _shifted(adjacent, -1) * after)
        + 2 * w * w * apart * before * after
    )
    return np.sqrt(length2).astype(np.float32)


def contextual(own: np.ndarray, lengths: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Each row's similarity blended with its window's, from the rows' own similarities
    ``own`` to the query and their ``window_lengths``. A sentence alone in its group
    keeps its own similarity."""
    before, after = _has_neighbours(first)
    w = np.float32(NEIGHBOUR_WEIGHT)
    window = (own + w * (_shifted(own, 1) * before + _shifted(own, -1) * after)) / np.maximum(lengths, 1e-12)
    alone = (before + after) == 0
    return np.where(alone, own, (1 - CONTEXT_BLEND) * own + CONTEXT_BLEND * window)
