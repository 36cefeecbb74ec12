"""The ``kefuguard`` command line.

Domain errors are mapped to output and exit status in one place (:func:`_run`): the error
shape of DESIGN.md on stderr and exit status 2; anything else is a bug and exits 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from detector.errors import KefuguardError

app = typer.Typer(
    name="kefuguard",
    help="Detect fake customer support and requests for sensitive data.",
    no_args_is_help=True,
    add_completion=False,
)
messages_app = typer.Typer(help="Score chat messages.", no_args_is_help=True)
app.add_typer(messages_app, name="messages")

EXIT_USAGE = 2


def _emit(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _run(fn: Callable[[], Any], output: Callable[[Any], None] = _emit) -> None:
    """Run a command body; print its result, or map a domain error to stderr + exit 2."""
    try:
        output(fn())
    except KefuguardError as exc:
        typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _read_text(text: str) -> str:
    if text != "-":
        return text
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        from detector.errors import InvalidInputError

        raise InvalidInputError(f"standard input is not UTF-8: {exc.reason}") from None


ModelDir = Annotated[
    Path | None,
    typer.Option(
        "--model", help="Model directory (default: $KEFUGUARD_MODEL_DIR or the shipped models/)."
    ),
]


def _detector(model: Path | None):
    from detector.engine import Detector

    return Detector.load(model)


@messages_app.command("check")
def messages_check(
    text: Annotated[str, typer.Argument(help="The message; '-' reads it from standard input.")],
    claimed_org: Annotated[
        str | None, typer.Option(help="The organisation the sender claims to be.")
    ] = None,
    explain: Annotated[bool, typer.Option(help="Add the rule behind each signal.")] = False,
    model: ModelDir = None,
) -> None:
    """Score one message and print its MessageAssessment as JSON."""

    def work() -> dict[str, Any]:
        from detector.signals import default_analyzer

        message = _read_text(text)
        assessment = _detector(model).score_message(message)
        out = assessment.to_dict()
        if explain:  # the explanation is a separate object, returned only when asked
            out["signals"] = [
                s.to_dict(explain=True) for s in default_analyzer().analyze(message, explain=True)
            ]
        if claimed_org is not None:
            out["claimed_org"] = claimed_org
        return out

    _run(work)


@messages_app.command("score")
def messages_score(
    input_csv: Annotated[Path, typer.Argument(help="CSV with a text column (UTF-8).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the scored CSV.")],
    text_column: Annotated[str, typer.Option(help="Name of the text column.")] = "text",
    chunk_rows: Annotated[int, typer.Option(min=1, max=100_000, help="Rows per chunk.")] = 2_000,
    model: ModelDir = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Score every row of a CSV, streaming in chunks; prints a summary as JSON."""

    def work() -> dict[str, Any]:
        from tqdm import tqdm

        from detector.batch import count_rows, score_csv

        detector = _detector(model)
        total = count_rows(input_csv)
        with tqdm(
            total=total, unit="rows", disable=not progress, file=sys.stderr, dynamic_ncols=True
        ) as bar:
            counts = score_csv(
                detector, input_csv, output, text_column, chunk_rows, on_progress=bar.update
            )
        return {"output": str(output), "model_version": detector.model_version, **counts}

    _run(work)


@messages_app.command("normalize")
def messages_normalize(
    text: Annotated[str, typer.Argument(help="The message; '-' reads it from standard input.")],
) -> None:
    """Print the normalized text the detector reads (for debugging rules)."""

    def work() -> dict[str, Any]:
        from detector.normalize import normalize

        norm = normalize(_read_text(text))
        return {"original": norm.original, "normalized": norm.text}

    _run(work)


@app.command("train")
def train_cmd(
    data: Annotated[
        Path | None, typer.Option(help="Labelled CSV (text,label[,category,lang,group]).")
    ] = None,
    target: Annotated[str, typer.Option(help="label or category.")] = "category",
    output: Annotated[
        Path | None,
        typer.Option(help="Model directory to write (default: $KEFUGUARD_MODEL_DIR or models/)."),
    ] = None,
    eval_dir: Annotated[
        Path | None,
        typer.Option(help="Also evaluate on these files and record the figures in the card."),
    ] = None,
) -> None:
    """Train the message model (default: the shipped corpus) and write its artifacts."""

    def work() -> dict[str, Any]:
        from detector.model import default_model_dir
        from training.model_card import write_model_card
        from training.train import DEFAULT_CORPUS, train

        out_dir = output or default_model_dir()
        manifest = train(
            data or DEFAULT_CORPUS,
            out_dir,
            target,
            progress=lambda msg: typer.echo(msg, err=True),
        )
        evaluation = None
        if eval_dir is not None:
            from detector.engine import Detector
            from training.evaluate import evaluate_path

            typer.echo(f"evaluating on {eval_dir}", err=True)
            evaluation = evaluate_path(Detector.load(out_dir), eval_dir)
        write_model_card(out_dir, manifest, evaluation)
        return {
            "model_version": manifest["model_version"],
            "thresholds": manifest["thresholds"],
            "cv": {
                k: manifest["cv"][k]
                for k in ("pr_auc", "recall_at_warn", "benign_flag_rate_at_warn")
            },
            "training_seconds": manifest["training_seconds"],
            "evaluation": evaluation,
        }

    _run(work)


@app.command("evaluate")
def evaluate_cmd(
    data: Annotated[Path, typer.Option(help="A .csv or .jsonl file, or a directory of them.")],
    model: ModelDir = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
) -> None:
    """Measure a model: recall per category, flag rate per benign source, PR-AUC."""

    def work() -> str:
        from training.evaluate import evaluate_path, format_report

        detector = _detector(model)
        results = evaluate_path(detector, data)
        if json_out is not None:
            json_out.write_text(
                json.dumps(
                    {"model_version": detector.model_version, "results": results},
                    ensure_ascii=False,
                    indent=2,
                ),
                encoding="utf-8",
            )
        return format_report(results, detector)

    _run(work, output=typer.echo)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
