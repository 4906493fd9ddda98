"""Fitting a head: logistic regression (scikit-learn) over what analysis computes for each
labelled text, the regularisation chosen by cross-validation on the same rows. Used by
`wommon train` on a deployment's own labels and by training/train_complaint.py for the
shipped head."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wommon.analyze.head import CLASSES, Head, Task
from wommon.errors import ModelError

# Fewer than this per class and a cross-validated figure says nothing.
MIN_PER_CLASS = 20
FOLDS = 5
STRENGTHS = (0.1, 0.3, 1.0, 3.0)


@dataclass(frozen=True)
class Fitted:
    head: Head
    strength: float
    # Macro-F1 of the chosen strength, out of fold.
    cv_macro_f1: float
    # Out-of-fold predictions, one per row: what `wommon train` compares to the default.
    predicted: tuple[str, ...]


def check_labels(labels: Sequence[str], task: Task) -> None:
    """ModelError when some class has too few rows to learn or to score."""
    counts = Counter(labels)
    short = [
        f"{c!r}: {counts.get(c, 0)}" for c in CLASSES[task] if counts.get(c, 0) < MIN_PER_CLASS
    ]
    if short:
        raise ModelError(
            f"too few labelled rows to train a {task.value} model: {', '.join(short)} "
            f"(at least {MIN_PER_CLASS} of each class are needed; label more rows)"
        )


def fit(
    rows: npt.NDArray[np.float32],
    labels: Sequence[str],
    task: Task,
    *,
    trained_on: str,
    weights: npt.NDArray[np.float64] | None = None,
    strengths: Sequence[float] = STRENGTHS,
    seed: int = 0,
) -> Fitted:
    """The best of `strengths` by out-of-fold macro-F1, refitted on every row."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    check_labels(labels, task)
    classes = CLASSES[task]
    y = np.array([classes.index(label) for label in labels])
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    best: tuple[float, float, npt.NDArray[np.int64]] | None = None
    for strength in strengths:
        out = np.zeros(len(y), dtype=np.int64)
        for train, test in folds.split(rows, y):
            model = LogisticRegression(C=strength, max_iter=3000, class_weight="balanced")
            model.fit(
                rows[train], y[train], sample_weight=None if weights is None else weights[train]
            )
            out[test] = model.predict(rows[test])
        score = float(f1_score(y, out, average="macro"))
        if best is None or score > best[1]:
            best = (strength, score, out)
    assert best is not None
    strength, score, out = best
    model = LogisticRegression(C=strength, max_iter=3000, class_weight="balanced")
    model.fit(rows, y, sample_weight=weights)
    coef, intercept = model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)
    head = Head(
        task=task,
        weights=coef,
        bias=intercept,
        trained_on=trained_on,
        figures={"cv_macro_f1": round(score, 4), "rows": float(len(y))},
    )
    return Fitted(head, strength, score, tuple(classes[i] for i in out))
