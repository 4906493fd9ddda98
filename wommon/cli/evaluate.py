"""`wommon eval`: how well the analysis finds negative experiences on a labelled CSV, so
users can check it on their own data before trusting its alerts."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from wommon.cli import fail, main
from wommon.config import AnalyzeSettings, DetectSettings
from wommon.errors import WommonError
from wommon.runs.evaluation import ClassScores, binary_scores, confusion, three_class_scores


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
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Score this model (from `wommon train`) instead of the shipped default.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the misclassified rows to this CSV (with the verdict and scores).",
)
def evaluate(
    path: Path,
    text_col: str,
    label_col: str,
    positive: str,
    task: str,
    model_path: Path | None,
    as_json: bool,
    errors_path: Path | None,
) -> None:
    """Score the analysis on a labelled CSV: precision, recall, F1, macro-F1 and the
    confusion matrix; --errors writes the rows it got wrong, to read or to relabel.

    Brand relevance is not required here: every row counts as about the brand.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        fail(f"{path}: cannot read CSV: {exc}")
    missing = [c for c in (text_col, label_col) if rows and c not in rows[0]]
    if not rows:
        fail(f"{path}: no rows")
    if missing:
        columns = ", ".join(repr(c) for c in rows[0])
        option = "--text-col" if missing[0] == text_col else "--label-col"
        fail(f"{path}: no column {missing[0]!r}; the columns are {columns} (choose with {option})")
    from wommon.analyze.analyzer import Analyzer, Item

    try:
        analyzer = Analyzer.for_brands((), DetectSettings(), AnalyzeSettings(model=model_path))
    except WommonError as exc:
        fail(str(exc))
    results = analyzer.analyze_many([Item("", r[text_col]) for r in rows], require_brand=False)
    scores: ClassScores
    if task == "sentiment3":
        predicted = [a.tone or "neutral" for a in results]
        gold = [r[label_col] for r in rows]
        scores = three_class_scores(predicted, gold)
    else:
        flags = [a.negative for a in results]
        truth = [r[label_col] == positive for r in rows]
        scores = binary_scores(flags, truth)
        predicted = ["negative" if f else "other" for f in flags]
        gold = ["negative" if t else "other" for t in truth]
    matrix = confusion(predicted, gold)
    wrong = [(r, a, p) for r, a, p, g in zip(rows, results, predicted, gold, strict=True) if p != g]
    if errors_path is not None:
        _write_errors(errors_path, wrong, label_col)
    if as_json:
        click.echo(json.dumps(scores.as_dict()))
        return
    click.echo(f"{path}: {scores.n} rows ({task})", file=sys.stdout)
    for key, value in scores.as_dict().items():
        if key != "n":
            click.echo(f"  {key:10} {value:.3f}")
    labels = list(matrix)
    click.echo("\n  confusion (rows: labelled, columns: predicted)")
    click.echo("  " + " " * 10 + "".join(f"{c:>10}" for c in labels))
    for g in labels:
        click.echo(f"  {g:10}" + "".join(f"{matrix[g][c]:>10}" for c in labels))
    if errors_path is not None:
        click.echo(f"\n{len(wrong)} misclassified rows written to {errors_path}")


def _write_errors(path: Path, wrong: list[tuple[dict[str, str], Any, str]], label_col: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            fields = [
                *(wrong[0][0].keys() if wrong else [label_col]),
                "predicted",
                "sentiment",
                "complaint",
                "language",
            ]
            writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            for row, analysis, predicted in wrong:
                writer.writerow(
                    {
                        **row,
                        "predicted": predicted,
                        "sentiment": analysis.sentiment,
                        "complaint": analysis.complaint,
                        "language": analysis.language,
                    }
                )
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror or exc}")
