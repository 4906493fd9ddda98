"""`wommon eval`: how well the analysis finds negative experiences on a labelled CSV, so
users can check it on their own data before trusting its alerts."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from wommon.cli import fail, main
from wommon.config import DetectSettings
from wommon.evaluation import Scores, binary_scores, three_class_scores


@main.command("eval")
@click.argument(
    "path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--text-col", default="text", show_default=True, help="Column holding the text.")
@click.option("--label-col", default="label", show_default=True, help="Column holding the label.")
@click.option(
    "--positive", default="1", show_default=True, help="Label value of a negative experience."
)
@click.option(
    "--task",
    type=click.Choice(["negative", "sentiment3"]),
    default="negative",
    show_default=True,
    help="negative: negative_experience vs the rest; sentiment3: negative/neutral/positive.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(
    path: Path, text_col: str, label_col: str, positive: str, task: str, as_json: bool
) -> None:
    """Score the analysis on a labelled CSV: precision, recall, F1 and macro-F1.

    Brand relevance is not required here: every row counts as about the brand.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        fail(f"{path}: cannot read CSV: {exc}")
    missing = [c for c in (text_col, label_col) if rows and c not in rows[0]]
    if not rows or missing:
        fail(f"{path}: no column {missing[0]!r}" if missing else f"{path}: no rows")
    from wommon.analyze.brands import BrandMatcher
    from wommon.analyze.pipeline import Analyzer

    analyzer = Analyzer(BrandMatcher(()), DetectSettings().negative_sentiment)
    results = [analyzer.analyze_text("", r[text_col], require_brand=False) for r in rows]
    scores: Scores
    if task == "sentiment3":
        predicted = [a.tone or "neutral" for a in results]
        scores = three_class_scores(predicted, [r[label_col] for r in rows])
    else:
        scores = binary_scores(
            [a.negative for a in results], [r[label_col] == positive for r in rows]
        )
    if as_json:
        click.echo(json.dumps(scores.as_dict()))
        return
    click.echo(f"{path}: {scores.n} rows ({task})", file=sys.stdout)
    for key, value in scores.as_dict().items():
        if key != "n":
            click.echo(f"  {key:10} {value:.3f}")
