"""A trained head: logistic regression over the multilingual embedding of a mention and
the cue features beside it (features.py). The shipped one decides, with the rules, what is
a complaint; `wommon train` fits a deployment's own on its own labelled posts.

A head is a small `.npz` file of arrays and one JSON string, read with pickling off: a
model file named in a config is data, never code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wommon.analyze.embed import DIMENSIONS
from wommon.analyze.features import FEATURES
from wommon.errors import ModelError

FORMAT = 1
SHIPPED = "complaint_head.npz"


class Task(StrEnum):
    """What a head predicts: complaint (a bad experience or not) or sentiment3 (negative,
    neutral, positive)."""

    COMPLAINT = "complaint"
    SENTIMENT3 = "sentiment3"


CLASSES = {
    Task.COMPLAINT: ("other", "complaint"),
    Task.SENTIMENT3: ("negative", "neutral", "positive"),
}


@dataclass(frozen=True)
class Head:
    task: Task
    # (len(FEATURES) + DIMENSIONS, k): one column for a complaint head, three for sentiment.
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    # Complaint: the head alone says "complaint" at or above this probability...
    threshold: float = 0.5
    # ...and a complaint the rules found stands unless the head is below this one. A head
    # trained on a deployment's own labels sets both equal: it alone decides.
    veto: float = 0.5
    # The shipped head leaves alone what the rules are sure of (no embedding is computed
    # for those): below `sure_below` or above `sure_above`, the rules' verdict stands.
    sure_below: float = 0.0
    sure_above: float = 1.0
    # The languages it judges (every scored one when empty).
    languages: tuple[str, ...] = ()
    # A head fitted on a deployment's own labels decides alone: the rules and the
    # sentiment cut-off are its inputs, not a second opinion.
    alone: bool = False
    # Where its rows came from, for `wommon eval` and the README.
    trained_on: str = ""
    figures: dict[str, float] = field(default_factory=dict)

    def judges(self, language: str, rule: float) -> bool:
        """Whether this head decides a text in `language` the rules scored `rule`."""
        in_language = not self.languages or language in self.languages
        return in_language and self.sure_below < rule < self.sure_above

    @property
    def classes(self) -> tuple[str, ...]:
        return CLASSES[self.task]

    def probabilities(self, inputs: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """One row of class probabilities per input row (complaint: P(complaint) only)."""
        z = inputs @ self.weights + self.bias
        if self.task == Task.COMPLAINT:
            return 1 / (1 + np.exp(-z[:, 0]))
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        meta = {
            "format": FORMAT,
            "task": self.task.value,
            "features": list(FEATURES),
            "dimensions": DIMENSIONS,
            "threshold": self.threshold,
            "veto": self.veto,
            "sure_below": self.sure_below,
            "sure_above": self.sure_above,
            "languages": list(self.languages),
            "alone": self.alone,
            "trained_on": self.trained_on,
            "figures": self.figures,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                np.savez_compressed(
                    handle,
                    weights=self.weights.astype(np.float32),
                    bias=self.bias.astype(np.float32),
                    meta=np.array(json.dumps(meta)),
                )
        except OSError as exc:
            raise ModelError(f"{path}: cannot write the model: {exc.strerror or exc}") from exc


def load(path: Path) -> Head:
    """The head saved at `path`; ModelError naming the file and what is wrong with it."""
    try:
        with np.load(path, allow_pickle=False) as data:
            weights, bias, meta = data["weights"], data["bias"], json.loads(str(data["meta"]))
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: no such model file (train one with `wommon train`)") from exc
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise ModelError(f"{path}: not a wommon model file ({exc})") from exc
    return _checked(path, weights, bias, meta)


def _checked(path: Path, weights: Any, bias: Any, meta: Any) -> Head:
    found = meta.get("format") if isinstance(meta, dict) else None
    if found != FORMAT:
        raise ModelError(
            f"{path}: written by another version of wommon (format {found}, expected "
            f"{FORMAT}); train it again"
        )
    try:
        task = Task(meta["task"])
    except (KeyError, ValueError) as exc:
        raise ModelError(f"{path}: unknown task {meta.get('task')!r}") from exc
    rows, columns = len(FEATURES) + DIMENSIONS, len(CLASSES[task]) if task == Task.SENTIMENT3 else 1
    if (
        meta.get("features") != list(FEATURES)
        or weights.shape != (rows, columns)
        or bias.shape != (columns,)
    ):
        raise ModelError(
            f"{path}: its inputs do not match this version of wommon "
            f"(weights {weights.shape}, expected {(rows, columns)}); train it again"
        )
    if not np.isfinite(weights).all() or not np.isfinite(bias).all():
        raise ModelError(f"{path}: holds non-finite weights; train it again")
    return Head(
        task=task,
        weights=weights.astype(np.float32),
        bias=bias.astype(np.float32),
        threshold=float(meta.get("threshold", 0.5)),
        veto=float(meta.get("veto", meta.get("threshold", 0.5))),
        sure_below=float(meta.get("sure_below", 0.0)),
        sure_above=float(meta.get("sure_above", 1.0)),
        languages=tuple(str(x) for x in meta.get("languages") or ()),
        alone=bool(meta.get("alone", False)),
        trained_on=str(meta.get("trained_on", "")),
        figures={str(k): float(v or 0) for k, v in dict(meta.get("figures") or {}).items()},
    )


@cache
def shipped() -> Head:
    """The default complaint head, trained by training/train_complaint.py."""
    with resources.as_file(resources.files("wommon.analyze").joinpath(SHIPPED)) as path:
        return load(path)
