"""The complaint layer, aspects, and `wommon eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wommon.analyze.aspects import aspect_of
from wommon.analyze.complaint import complaint_score
from wommon.cli import main
from wommon.runs.evaluation import binary_scores, three_class_scores


@pytest.mark.parametrize(
    "text",
    [
        "Still waiting for my refund, third time I call",
        "My parcel never arrived and nobody answers",
        "I was charged twice for one order",
        "The app doesn't work since the update, please fix this",
        "Me colgaron el teléfono y sigo esperando el reembolso",
        "Me cobraron dos veces la factura, nadie contesta",
        "Acme me colgó el teléfono otra vez. Worst week ever",
        # A fault reported plainly, often as a question to support.
        "@acme my earbuds will not turn on, any ideas?",
        "@acme it's not letting me log in to my account",
        "@acme why are the apps down?",
        "@acme I emailed on Monday and have not heard back",
        "@acme the printer stopped working after a week",
        "@acme never buying from you again",
        "@acme I'm unable to use the app since Monday",
        "@acme are you kidding me?",
        "@acme what's going on?",
        "@acme no me deja entrar en la cuenta",
        "La atención deja mucho que desear, no lo recomiendo",
    ],
)
def test_complaints_without_sentiment_words_are_caught(text: str) -> None:
    """Either language, and both in one post."""
    score = complaint_score(text, 0.0)
    assert score.probability >= 0.5, score
    assert score.cues


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Thanks, the support team was great!", 0.8),
        ("How do I change my delivery address?", 0.0),
        ("Gracias, todo perfecto con el pedido", 0.0),
    ],
)
def test_praise_and_plain_questions_are_not_complaints(text: str, sentiment: float) -> None:
    assert complaint_score(text, sentiment).probability < 0.5


def test_thanks_that_are_not_are_read_as_a_complaint() -> None:
    """Irony: "thanks" pulls a post down, unless it thanks the brand for a harm. VADER
    reads both as positive (0.44 and 0.23)."""
    sincere = complaint_score("thanks @acme for sorting my order so fast", 0.44)
    ironic = complaint_score("thanks @acme for ruining my morning", 0.23)
    assert sincere.probability < 0.5 <= ironic.probability
    assert ironic.cues == ("thanks @acme for ruining",)


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("The order arrived late and the item was broken", "compliance"),
        ("Waited on hold for two hours, no answer", "responsiveness"),
        ("The agent was rude and hung up on me", "staff"),
        ("They didn't listen and refused to make an exception", "empathy"),
        ("The store was dirty and the queue endless", "tangibles"),
        ("Me colgaron y el empleado fue muy grosero", "staff"),
        ("Nice weather today", None),
    ],
)
def test_aspects(text: str, aspect: str | None) -> None:
    assert aspect_of(text) == aspect


def test_scores() -> None:
    s = binary_scores([True, True, False, False], [True, False, True, False])
    assert (s.precision, s.recall, s.f1, s.macro_f1, s.n) == (0.5, 0.5, 0.5, 0.5, 4)
    t = three_class_scores(["negative", "neutral", "positive"], ["negative", "neutral", "negative"])
    assert t.f1 == pytest.approx(2 / 3) and t.macro_f1 == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_eval_command(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(
        "text,complaint\n"
        '"Still waiting for my refund, third time I call",1\n'
        '"My parcel never arrived and nobody answers",1\n'
        '"Thanks, the support team was great!",0\n'
        '"Lovely morning in the park",0\n'
    )
    result = CliRunner().invoke(main, ["eval", str(data), "--label-col", "complaint", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "macro_f1": 1.0,
        "n": 4,
    }
    bad = CliRunner().invoke(main, ["eval", str(data), "--label-col", "label"])
    assert bad.exit_code == 1 and "no column 'label'" in bad.output


def test_eval_lists_columns_prints_a_confusion_matrix_and_writes_errors(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(
        "body,gold\n"
        '"Acme charged me twice and refuses the refund",1\n'
        '"Lovely day at the park",0\n'
        '"Still waiting for my order from Acme",0\n'
    )
    runner = CliRunner()
    missing = runner.invoke(main, ["eval", str(data)])
    assert missing.exit_code == 1
    assert "no column 'text'; the columns are 'body', 'gold'" in missing.output
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        main,
        ["eval", str(data), "--text-col", "body", "--label-col", "gold", "--errors", str(errors)],
    )
    assert result.exit_code == 0, result.output
    assert "confusion (rows: labelled, columns: predicted)" in result.output
    assert "1 misclassified rows written" in result.output
    lines = errors.read_text().splitlines()
    assert lines[0].startswith("body,gold,predicted") and "Still waiting" in lines[1]
