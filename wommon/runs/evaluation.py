"""Precision, recall and F1, binary and macro-averaged: the figures `wommon eval` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    macro_f1: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "macro_f1": round(self.macro_f1, 4),
            "n": self.n,
        }


def _prf(
    predicted: Sequence[object], gold: Sequence[object], cls: object
) -> tuple[float, float, float]:
    tp = sum(p == cls and g == cls for p, g in zip(predicted, gold, strict=True))
    fp = sum(p == cls and g != cls for p, g in zip(predicted, gold, strict=True))
    fn = sum(p != cls and g == cls for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def binary_scores(predicted: Sequence[bool], gold: Sequence[bool]) -> ClassScores:
    """ClassScores of the positive class, and macro-F1 over both classes."""
    precision, recall, f1 = _prf(predicted, gold, True)
    _, _, f1_rest = _prf(predicted, gold, False)
    return ClassScores(precision, recall, f1, (f1 + f1_rest) / 2, len(gold))


def three_class_scores(predicted: Sequence[str], gold: Sequence[str]) -> ClassScores:
    """ClassScores of the negative class, and macro-F1 over negative, neutral and positive."""
    per_class = [_prf(predicted, gold, c) for c in ("negative", "neutral", "positive")]
    precision, recall, f1 = per_class[0]
    return ClassScores(precision, recall, f1, sum(c[2] for c in per_class) / 3, len(gold))


def confusion(predicted: Sequence[str], gold: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts by gold label (rows) and predicted label (columns)."""
    labels = sorted(set(gold) | set(predicted))
    matrix = {g: dict.fromkeys(labels, 0) for g in labels}
    for p, g in zip(predicted, gold, strict=True):
        matrix[g][p] += 1
    return matrix
