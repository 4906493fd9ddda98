"""`wommon train` and `wommon labels`: a deployment's own model, fitted on its own machine
from its own labelled posts (a CSV, or the verdicts the team gave in Slack); nothing is
sent anywhere or redistributed."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from wommon.cli import fail, load_settings, main
from wommon.errors import WommonError
from wommon.runs.evaluation import ClassScores, binary_scores, three_class_scores
from wommon.wording import plural

LABEL_FIELDS = (
    "text",
    "label",
    "reason",
    "brand",
    "domain",
    "language",
    "labelled_by",
    "labelled_at",
    "mention_id",
)


def read_labelled(path: Path, text_col: str, label_col: str) -> list[dict[str, str]]:
    """The rows of a labelled CSV; exits naming the file and the column when it cannot."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        fail(f"{path}: cannot read CSV: {exc}")
    if not rows:
        fail(f"{path}: no rows")
    for column, option in ((text_col, "--text-col"), (label_col, "--label-col")):
        if column not in rows[0]:
            columns = ", ".join(repr(c) for c in rows[0])
            fail(f"{path}: no column {column!r}; the columns are {columns} (choose with {option})")
    return rows


@main.command()
@click.argument(
    "path",
    metavar="[LABELLED.csv]",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--text-col", default="text", show_default=True, help="Column holding the text.")
@click.option("--label-col", default="label", show_default=True, help="Column holding the label.")
@click.option(
    "--positive", default="1", show_default=True, help="complaint: the label value of a complaint."
)
@click.option(
    "--task",
    type=click.Choice(["complaint", "sentiment3"]),
    default="complaint",
    show_default=True,
    help="complaint: complaint vs the rest; sentiment3: negative/neutral/positive labels.",
)
@click.option(
    "--from-labels",
    is_flag=True,
    help="Train on the team's verdicts from Slack (`wommon labels export`); needs --config.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="WOMMON_CONFIG",
    help="The config: its [analyze] model is where the model is saved, its database "
    "holds the labels.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the model here (default: the config's [analyze] model).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def train(
    path: Path | None,
    text_col: str,
    label_col: str,
    positive: str,
    task: str,
    from_labels: bool,
    config_path: str | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """Fit this deployment's own model on labelled posts and save it.

    It prints the model's cross-validated figures (5 folds, every row scored by a model
    that never saw it) beside the shipped default's on the same rows. Point the config's
    `[analyze] model` at the file to use it; `wommon eval --model` scores it on other rows.
    """
    from wommon.analyze.analyzer import Analyzer, Item
    from wommon.analyze.brands import BrandMatcher
    from wommon.analyze.fitting import fit
    from wommon.analyze.head import Head, Task
    from wommon.config import DetectSettings

    settings = load_settings(config_path) if config_path else None
    if (path is None) == (not from_labels):
        fail("give a LABELLED.csv or --from-labels (one of the two)", 2)
    target = out or (settings.analyze.model if settings else None)
    if target is None:
        fail("where should the model go? give --out PATH, or --config with [analyze] model set")
    goal = Task(task)
    if from_labels:
        if settings is None:
            fail("--from-labels reads the labels from the database: give --config CONFIG")
        if goal != Task.COMPLAINT:
            fail("the team's verdicts label complaints: --from-labels trains --task complaint")
        rows = [(r.text, r.label) for r in _labels(settings.storage.url) if r.label]
        source = f"{plural(len(rows), 'verdict')} from the team"
    else:
        assert path is not None
        rows = [
            (r[text_col], _label(r[label_col], goal, positive))
            for r in read_labelled(path, text_col, label_col)
        ]
        source = f"{path.name} ({plural(len(rows), 'row')})"
    texts, labels = [t for t, _ in rows], [label for _, label in rows]
    detect = settings.detect if settings else DetectSettings()
    analyzer = Analyzer(BrandMatcher(()), detect.negative_sentiment)
    click.echo(f"analysing {plural(len(texts), 'row')}...", err=True)
    try:
        fitted = fit(analyzer.inputs(texts), labels, goal, trained_on=source)
    except WommonError as exc:
        fail(str(exc))
    default = Analyzer.for_brands((), detect).analyze_many(
        [Item("", t) for t in texts], require_brand=False
    )
    if goal == Task.COMPLAINT:
        ours = binary_scores(
            [p == "complaint" for p in fitted.predicted], [g == "complaint" for g in labels]
        )
        theirs = binary_scores([a.negative for a in default], [g == "complaint" for g in labels])
    else:
        ours = three_class_scores(list(fitted.predicted), labels)
        theirs = three_class_scores([a.tone or "neutral" for a in default], labels)
    head = Head(
        task=goal,
        weights=fitted.head.weights,
        bias=fitted.head.bias,
        alone=True,
        trained_on=source,
        figures={
            **fitted.head.figures,
            "cv_macro_f1": round(ours.macro_f1, 4),
            "default_macro_f1": round(theirs.macro_f1, 4),
        },
    )
    try:
        head.save(target)
    except WommonError as exc:
        fail(str(exc))
    _report(target, source, labels, fitted.strength, ours, theirs, as_json)


def _label(value: str, task: object, positive: str) -> str:
    from wommon.analyze.head import CLASSES, Task

    if task == Task.COMPLAINT:
        return "complaint" if value == positive else "other"
    classes = CLASSES[Task.SENTIMENT3]
    if value not in classes:
        fail(f"--task sentiment3 needs labels {', '.join(classes)}; found {value!r}")
    return value


def _report(
    target: Path,
    source: str,
    labels: list[str],
    strength: float,
    ours: ClassScores,
    theirs: ClassScores,
    as_json: bool,
) -> None:
    counts = {c: labels.count(c) for c in sorted(set(labels))}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "model": str(target),
                    "rows": counts,
                    "regularisation_c": strength,
                    "cross_validated": ours.as_dict(),
                    "shipped_default": theirs.as_dict(),
                }
            )
        )
        return
    click.echo(f"trained on {source}: " + ", ".join(f"{n} {c}" for c, n in counts.items()))
    click.echo(f"{'':22}{'macro-F1':>10}{'precision':>11}{'recall':>8}")
    for name, s in (("this model (5-fold CV)", ours), ("shipped default", theirs)):
        click.echo(f"{name:22}{s.macro_f1:>10.3f}{s.precision:>11.3f}{s.recall:>8.3f}")
    click.echo(f'saved {target}; use it with [analyze] model = "{target}"')


def _labels(url: str) -> list:  # type: ignore[type-arg]
    from sqlalchemy.exc import SQLAlchemyError

    from wommon.store import labels
    from wommon.store.db import make_engine, require_schema, storage_error

    engine = make_engine(url, readonly=True)
    try:
        require_schema(engine)
        return labels.exported(engine)
    except SQLAlchemyError as exc:
        fail(str(storage_error(url, exc)))
    except WommonError as exc:
        fail(str(exc))
    finally:
        engine.dispose()


@main.group()
def labels() -> None:
    """The team's verdicts on mentions, given from the alerts in Slack."""


@labels.command("export")
@click.argument(
    "config_path", metavar="CONFIG", type=click.Path(dir_okay=False), envvar="WOMMON_CONFIG"
)
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row (the default).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def export(config_path: str, as_csv: bool, as_json: bool) -> None:
    """Every verdict ("Not about us", "Not a complaint", "Mute this site") with the text it
    was given on, then the mentions of incidents the team acknowledged, snoozed or
    resolved, labelled complaint: the rows `wommon train --from-labels` learns from."""
    settings = load_settings(config_path)
    records = [
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(r).items()}
        for r in _labels(settings.storage.url)
    ]
    if as_json:
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=LABEL_FIELDS)
    writer.writeheader()
    writer.writerows(records)
