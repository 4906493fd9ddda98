from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pytest

from wommon.analyze import embed


class _Encoder:
    """Stands in for the model: a vector from each text's length, and every text it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        rows = np.zeros((len(texts), embed.DIMENSIONS), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i, len(text) % embed.DIMENSIONS] = 2.0
        return rows


@pytest.fixture
def encoder(monkeypatch: pytest.MonkeyPatch) -> _Encoder:
    fake = _Encoder()
    monkeypatch.setattr(embed, "_encoder", lambda: fake)
    monkeypatch.setattr(embed, "_recent", OrderedDict())
    return fake


def test_a_text_embedded_lately_is_not_embedded_again(encoder: _Encoder) -> None:
    first = embed.embed(["Acme lost my parcel.", "Acme hung up on me."])
    again = embed.embed(["Acme hung up on me.", "Acme billed me twice.", "Acme hung up on me."])
    assert encoder.seen == ["Acme lost my parcel.", "Acme hung up on me.", "Acme billed me twice."]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[1])
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0)
    assert embed.embed([]).shape == (0, embed.DIMENSIONS)


def test_the_texts_kept_are_bounded_and_the_oldest_go_first(
    encoder: _Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed, "RECENT", 3)
    embed.embed(["a", "bb", "ccc"])
    embed.embed(["a"])  # used again: now the newest
    embed.embed(["dddd"])
    assert list(embed._recent) == ["ccc", "a", "dddd"]
    embed.embed(["bb"])
    assert encoder.seen == ["a", "bb", "ccc", "dddd", "bb"]
