"""The ``kefuguard`` command line.

Domain errors are mapped to output and exit status in one place (:func:`_run`): the error
shape of DESIGN.md on stderr and exit status 2; anything else is a bug and exits 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
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


def _run(fn: Callable[[], Any]) -> None:
    try:
        _emit(fn())
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


@messages_app.command("check")
def messages_check(
    text: Annotated[str, typer.Argument(help="The message; '-' reads it from standard input.")],
    claimed_org: Annotated[
        str | None, typer.Option(help="The organisation the sender claims to be.")
    ] = None,
    explain: Annotated[bool, typer.Option(help="Add the rule behind each signal.")] = False,
) -> None:
    """Score one message and print its assessment as JSON."""

    def work() -> dict[str, Any]:
        from detector.signals import default_analyzer

        signals = default_analyzer().analyze(_read_text(text), explain=explain)
        return {
            "claimed_org": claimed_org,
            "signals": [s.to_dict(explain=explain) for s in signals],
        }

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


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
