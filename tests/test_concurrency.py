"""``answer()`` from many threads at once: no errors, exact citations, the same answers as alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from rag.answer import Pipeline
from rag.loaders import load_text

QUESTIONS = [
    "Who is Azerbaijan's ambassador to Moscow?",
    "What did Aliyev say about trade?",
    "How many ethnic Armenians fled Karabakh?",
    "What will the two countries start producing jointly?",
    "What did Putin say about China?",
]
THREADS, PER_THREAD = 8, 5


def test_eight_threads_asking_at_once_get_the_answers_a_single_caller_gets(seed_pipeline: Pipeline) -> None:
    alone = {q: seed_pipeline.answer(q) for q in QUESTIONS}
    seed_pipeline.store._cache.clear()  # the threads race to fill the chunk cache, too
    start = threading.Barrier(THREADS)

    def asker(worker: int) -> list[tuple[str, object]]:
        start.wait()
        out = []
        for i in range(PER_THREAD):
            question = QUESTIONS[(worker + i) % len(QUESTIONS)]
            try:
                out.append((question, seed_pipeline.answer(question)))
            except Exception as exc:  # collected: the assertion below lists every failure
                out.append((question, exc))
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        results = [pair for batch in pool.map(asker, range(THREADS)) for pair in batch]

    errors = [f"{q}: {a!r}" for q, a in results if isinstance(a, Exception)]
    assert errors == []
    assert len(results) == THREADS * PER_THREAD
    texts = {}
    for question, answer in results:
        assert answer.text == alone[question].text  # type: ignore[attr-defined]
        for c in answer.citations:  # type: ignore[attr-defined]
            if c.source not in texts:
                texts[c.source] = load_text(seed_pipeline.settings.docs_dir / c.source)[0]
            assert texts[c.source][c.start : c.end] == c.quote
