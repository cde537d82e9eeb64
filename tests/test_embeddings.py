"""The offline embedder: real ONNX model, dynamic padding, 256-token truncation."""

from __future__ import annotations

import numpy as np

from rag.embeddings import DIMENSION, MAX_TOKENS, MiniLMEmbedding, shared_model


def test_vectors_are_384_dimensional_and_unit_length() -> None:
    vectors = shared_model().embed(["A short sentence.", "Another, rather longer sentence about trade."])
    assert vectors.shape == (2, DIMENSION)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_padding_is_dynamic_and_truncation_is_at_256_tokens() -> None:
    model = shared_model()
    short, long = model.tokenize(["Hello world", "word " * 1000])
    assert len(short) == 4  # [CLS] hello world [SEP]: not padded to a fixed length
    assert len(long) == MAX_TOKENS


def test_a_text_embeds_the_same_alone_and_in_a_batch_of_other_lengths() -> None:
    model = shared_model()
    texts = ["Baku is the capital of Azerbaijan.", "x " * 200, "Trade was about four billion dollars."]
    batch = model.embed(texts)
    for i, text in enumerate(texts):
        assert np.allclose(batch[i], model.embed([text])[0], atol=1e-4)


def test_similar_meanings_score_higher_than_unrelated_ones() -> None:
    a, b, c = shared_model().embed(["The cat sits on the mat.", "A kitten rests on a rug.", "Oil prices fell sharply."])
    assert a @ b > a @ c + 0.3


def test_llama_index_embedding_is_constructible_with_defaults() -> None:
    embedding = MiniLMEmbedding()
    assert len(embedding.get_query_embedding("question")) == DIMENSION
    assert len(embedding.get_text_embedding_batch(["one", "two"])) == 2
