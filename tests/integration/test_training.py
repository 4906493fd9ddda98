"""A deployment's own model: `wommon train` on a labelled CSV, the model file, `wommon eval
--model`, `[analyze] model` in the config, and the shipped head inside analysis."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from wommon.analyze import head
from wommon.analyze.analyzer import Analyzer, Item
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.head import Head, Task
from wommon.cli import main
from wommon.config import AnalyzeSettings, DetectSettings, load
from wommon.errors import ModelError

COMPLAINTS = [
    "@{b} my order {n} never arrived and support will not answer",
    "@{b} charged twice for order {n}, still no refund",
    "@{b} third week waiting for the engineer, ticket {n}",
    "@{b} the app crashes every time I pay, case {n}",
    "@{b} my parcel {n} was left in the rain and is ruined",
]
OTHERS = [
    "@{b} what time does store {n} open on Sunday?",
    "@{b} thanks, the replacement {n} works perfectly",
    "@{b} do you deliver to postcode {n}?",
    "lovely walk in the park today, {n} steps",
    "@{b} congratulations on opening shop {n}",
]


def _labelled(path: Path, per_template: int = 6) -> Path:
    rows = [
        {"body": t.format(b=b, n=n), "kind": kind}
        for kind, templates in (("bad", COMPLAINTS), ("fine", OTHERS))
        for t in templates
        for n, b in zip(
            range(per_template), ("Acme", "Zeta", "Orbi", "Nuvo", "Kilo", "Pax"), strict=False
        )
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["body", "kind"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_train_fits_saves_and_eval_scores_the_model(tmp_path: Path) -> None:
    data, model = _labelled(tmp_path / "posts.csv"), tmp_path / "own.npz"
    args = ["train", str(data), "--text-col", "body", "--label-col", "kind", "--positive", "bad"]
    result = CliRunner().invoke(main, [*args, "--out", str(model), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.splitlines()[-1])
    assert figures["rows"] == {"complaint": 30, "other": 30}
    assert figures["cross_validated"]["macro_f1"] > 0.8  # templates this plain are learnt
    assert set(figures["shipped_default"]) >= {"macro_f1", "precision", "recall"}
    own = head.load(model)
    assert own.task == Task.COMPLAINT and own.alone and "posts.csv" in own.trained_on
    scored = CliRunner().invoke(
        main,
        [
            "eval",
            str(data),
            "--text-col",
            "body",
            "--label-col",
            "kind",
            "--positive",
            "bad",
            "--model",
            str(model),
            "--json",
        ],
    )
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output)["macro_f1"] > 0.8


def test_train_refuses_too_few_labels_and_unknown_classes(tmp_path: Path) -> None:
    data = _labelled(tmp_path / "posts.csv", per_template=2)
    few = CliRunner().invoke(
        main,
        [
            "train",
            str(data),
            "--text-col",
            "body",
            "--label-col",
            "kind",
            "--positive",
            "bad",
            "--out",
            str(tmp_path / "m.npz"),
        ],
    )
    assert few.exit_code == 1
    assert "too few labelled rows" in few.output and "'complaint': 10" in few.output
    assert not (tmp_path / "m.npz").exists()
    wrong = CliRunner().invoke(
        main,
        [
            "train",
            str(data),
            "--text-col",
            "body",
            "--label-col",
            "kind",
            "--task",
            "sentiment3",
            "--out",
            str(tmp_path / "m.npz"),
        ],
    )
    assert wrong.exit_code == 1 and "needs labels negative, neutral, positive" in wrong.output
    nowhere = CliRunner().invoke(main, ["train", str(data), "--text-col", "body"])
    assert nowhere.exit_code == 1 and "--out PATH" in nowhere.output
    column = CliRunner().invoke(main, ["train", str(data), "--out", str(tmp_path / "m.npz")])
    assert column.exit_code == 1 and "no column 'text'" in column.output


def test_a_damaged_or_foreign_model_file_is_refused_by_name(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a model at all")
    with pytest.raises(ModelError, match=r"garbage\.npz: not a wommon model file"):
        head.load(garbage)
    with pytest.raises(ModelError, match="no such model file"):
        head.load(tmp_path / "missing.npz")
    shipped = head.shipped()
    narrow = Head(Task.COMPLAINT, shipped.weights[:10], shipped.bias)
    narrow.save(tmp_path / "narrow.npz")
    with pytest.raises(ModelError, match="do not match this version"):
        head.load(tmp_path / "narrow.npz")
    broken = Head(Task.COMPLAINT, shipped.weights * np.float32("nan"), shipped.bias)
    broken.save(tmp_path / "nan.npz")
    with pytest.raises(ModelError, match="non-finite"):
        head.load(tmp_path / "nan.npz")


def test_config_model_is_found_beside_the_config_and_checked(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    config = folder / "wommon.toml"
    config.write_text('[analyze]\nmodel = "own.npz"\n')
    assert load(config).analyze.model == folder / "own.npz"
    missing = CliRunner().invoke(main, ["check", str(config)])
    assert missing.exit_code == 1 and "own.npz: no such model file" in missing.output
    head.shipped().save(folder / "own.npz")
    ok = CliRunner().invoke(main, ["check", str(config)])
    assert ok.exit_code == 0 and "analysis: complaint model" in ok.output


def test_the_shipped_head_judges_english_brand_mentions_in_batches() -> None:
    analyzer = Analyzer.for_brands((), DetectSettings(), AnalyzeSettings())
    items = [
        Item("", "@acme my order never arrived and nobody answers the phone"),
        Item("", "@acme what time do you open on Sunday?"),
        # The rules read a complaint ("why is it always..."); the head knows a bad day.
        Item("", "why is it always raining on my day off"),
        Item("", "@acme me cobraron dos veces y nadie contesta"),
    ]
    batch = analyzer.analyze_many(items, require_brand=False)
    assert [a.negative for a in batch] == [True, False, False, True]
    rules = Analyzer(BrandMatcher(()), DetectSettings().negative_sentiment)
    assert rules.analyze_text("", items[2].text, require_brand=False).negative
    assert batch == [analyzer.analyze_text(i.title, i.text, require_brand=False) for i in items]
    shipped = head.shipped()
    assert shipped.judges("en", 0.5) and not shipped.judges("es", 0.5)
    assert not shipped.judges("en", 0.99)  # the rules are sure: no embedding, no head


def test_a_sentiment3_model_sets_the_tone(tmp_path: Path) -> None:
    """Labels that contradict VADER (a team's sarcasm, say) win: the model sets the tone."""
    moods = {
        "negative": "@{b} wonderful, I love it, {n} stars from me",
        "neutral": "@{b} the shop on street {n} opens at nine",
        "positive": "@{b} this is awful, the worst {n} days of my life",
    }
    data = tmp_path / "tones.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for label, template in moods.items():
            for n in range(24):
                writer.writerow([template.format(b=f"Brand{n % 5}", n=n), label])
    model = tmp_path / "tone.npz"
    result = CliRunner().invoke(
        main, ["train", str(data), "--task", "sentiment3", "--out", str(model), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[-1])["cross_validated"]["macro_f1"] > 0.8
    own = head.load(model)
    assert own.task == Task.SENTIMENT3 and own.classes == ("negative", "neutral", "positive")
    text = "@Brand9 wonderful, I love it, 99 stars from me"
    shipped = Analyzer.for_brands((), DetectSettings(), AnalyzeSettings())
    assert shipped.analyze_text("", text, require_brand=False).tone == "positive"
    analyzer = Analyzer.for_brands((), DetectSettings(), AnalyzeSettings(model=model))
    found = analyzer.analyze_text("", text, require_brand=False)
    assert (found.tone, found.negative) == ("negative", True)
