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
contacts_app = typer.Typer(
    help="Check contacts (phone, QQ, WeChat, URL, e-mail).", no_args_is_help=True
)
app.add_typer(contacts_app, name="contacts")
registry_app = typer.Typer(help="Manage the official registry.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
reports_app = typer.Typer(help="Store user reports of contacts.", no_args_is_help=True)
app.add_typer(reports_app, name="reports")
keys_app = typer.Typer(help="Manage API keys of the HTTP service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

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


Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL (default: $KEFUGUARD_DATABASE_URL or sqlite:///./var/kefuguard.db).",
        show_default=False,
    ),
]


def _engine(database: str | None):
    from api.db.engine import open_database
    from api.settings import get_settings

    return open_database(database or get_settings().database_url)


def _registry_snapshot(database: str | None):
    from api.db.store import RegistryStore

    return RegistryStore(_engine(database)).snapshot()


def _registry_reader(database: str | None):
    """A forked child reading :func:`_registry_snapshot`; None where this process may not
    fork."""
    from detector.forked import Forked, ForkFailed, can_fork

    if not can_fork():
        return None
    try:
        return Forked(_registry_snapshot, database)
    except ForkFailed:
        return None


def _registry_read(reader, database: str | None):
    """The registry a forked ``reader`` read (:func:`_registry_snapshot`), else read here
    (where it failed, so that a real error is raised as itself)."""
    from detector.forked import ForkFailed

    if reader is not None:
        try:
            return reader.result()
        except ForkFailed:
            pass
    return _registry_snapshot(database)


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
    database: Database = None,
) -> None:
    """Score one message and print its MessageAssessment as JSON."""

    def work() -> dict[str, Any]:
        from api.db.store import RegistryStore, ReportStore
        from detector.contact_check import ContactChecker
        from detector.engine import Detector
        from detector.signals import default_analyzer

        message = _read_text(text)
        engine = _engine(database)
        checker = ContactChecker.load(RegistryStore(engine).snapshot(), ReportStore(engine))
        detector = Detector.load(model, contacts=checker)
        assessment = detector.score_message(message, claimed_org=claimed_org)
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


@contacts_app.command("check")
def contacts_check(
    value: Annotated[str, typer.Argument(help="A phone number, QQ, WeChat ID, URL or e-mail.")],
    type_: Annotated[
        str | None,
        typer.Option("--type", help="phone|short_number|qq|wechat|url|email|bank_card (guessed)."),
    ] = None,
    claimed_org: Annotated[
        str | None, typer.Option(help="The organisation this contact claims to be.")
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="How it reached the user: call|sms|chat|email|qq|wechat.")
    ] = None,
    database: Database = None,
) -> None:
    """Is this contact really the organisation's? Prints a ContactAssessment as JSON."""

    def work() -> dict[str, Any]:
        from api.db.store import RegistryStore, ReportStore
        from detector.contact_check import ContactChecker

        engine = _engine(database)
        checker = ContactChecker.load(RegistryStore(engine).snapshot(), ReportStore(engine))
        return checker.check(value, type_, claimed_org=claimed_org, channel=channel).to_dict()

    _run(work)


@registry_app.command("import")
def registry_import(
    path: Annotated[Path, typer.Argument(help="Registry file (.yaml or .csv).")],
    database: Database = None,
) -> None:
    """Add (or update) every organisation and official contact of a registry file."""

    def work() -> dict[str, Any]:
        from api.db.store import RegistryStore
        from detector.registry import load_registry_file

        registry = load_registry_file(path)
        return {"imported": RegistryStore(_engine(database)).import_registry(registry)}

    _run(work)


@registry_app.command("list")
def registry_list(
    org: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    database: Database = None,
) -> None:
    """List organisations and their official contacts."""

    def work() -> dict[str, Any]:
        from api.db.store import RegistryStore

        registry = RegistryStore(_engine(database)).snapshot()
        orgs = [o for o in registry.organizations if org in (None, o.slug)]
        return {
            "organizations": [
                {**o.to_dict(), "contacts": [c.to_dict() for c in registry.contacts_of(o.slug)]}
                for o in orgs
            ]
        }

    _run(work)


@registry_app.command("add")
def registry_add(
    org: Annotated[str, typer.Argument(help="Organisation slug, e.g. demo-kameng.")],
    value: Annotated[str, typer.Argument(help="The official contact.")],
    type_: Annotated[str | None, typer.Option("--type", help="Contact type (guessed).")] = None,
    source: Annotated[str, typer.Option(help="Where this fact comes from.")] = "manual",
    verified_at: Annotated[str | None, typer.Option(help="Date verified (YYYY-MM-DD).")] = None,
    name: Annotated[
        str | None, typer.Option(help="Create the organisation with this name if it is new.")
    ] = None,
    database: Database = None,
) -> None:
    """Add one official contact to an organisation."""

    def work() -> dict[str, Any]:
        from datetime import date

        from api.db.store import RegistryStore
        from detector.errors import InvalidInputError
        from detector.registry import Organization, official_contact

        when = None
        if verified_at:
            try:
                when = date.fromisoformat(verified_at)
            except ValueError:
                raise InvalidInputError("--verified-at must be YYYY-MM-DD") from None
        store = RegistryStore(_engine(database))
        if name:
            store.upsert_organization(Organization(org, name))
        contact = official_contact(org, value, type_, source, when)
        store.add_contact(contact)
        return {"added": contact.to_dict()}

    _run(work)


@registry_app.command("remove")
def registry_remove(
    org: Annotated[str, typer.Argument(help="Organisation slug.")],
    value: Annotated[str, typer.Argument(help="The official contact to remove.")],
    type_: Annotated[str | None, typer.Option("--type", help="Contact type (guessed).")] = None,
    database: Database = None,
) -> None:
    """Remove one official contact."""

    def work() -> dict[str, Any]:
        from api.db.store import NotFoundError, RegistryStore
        from detector.contacts import parse_contact

        contact = parse_contact(value, type_)
        if not RegistryStore(_engine(database)).remove_contact(org, *contact.key):
            raise NotFoundError(f"{org} has no official {contact.type} {value!r}", org=org)
        return {"removed": {"org": org, "type": contact.type, "normalized": contact.normalized}}

    _run(work)


@reports_app.command("import")
def reports_import(
    path: Annotated[Path, typer.Argument(help="CSV of reports (UTF-8).")],
    contact_column: Annotated[str, typer.Option(help="Column with the reported contact.")] = (
        "contact"
    ),
    model: ModelDir = None,
    database: Database = None,
) -> None:
    """Store user reports (columns: contact, reported_at, reporter_id, category, text, channel).

    Reporter ids are stored as keyed hashes ($KEFUGUARD_REPORTER_SALT); report texts are
    scored by the message model so aggregates know the share that reads like a scam.
    """

    def work() -> dict[str, Any]:
        from api.db.store import ReportStore
        from api.settings import get_settings
        from detector.reports import read_reports_csv

        salt = get_settings().reporter_salt
        detector = _detector(model)
        reports, rejects = read_reports_csv(
            path,
            detector,
            contact_column=contact_column,
            salt=salt.get_secret_value() if salt else "",
        )
        stored = ReportStore(_engine(database)).add(reports)
        return {"stored": stored, "rejected": rejects}

    _run(work)


@app.command("train-numbers")
def train_numbers_cmd(
    data: Annotated[
        Path | None, typer.Option(help="Labelled numbers CSV (number,label[,report aggregates]).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Model directory (default: the shipped models/numbers).")
    ] = None,
) -> None:
    """Train the number risk model: on simulated labels (default) or your audit outcomes."""

    def work() -> dict[str, Any]:
        from detector.number_model import default_number_model_dir
        from training.train_numbers import main

        manifest = main(
            data,
            output or default_number_model_dir(),
            progress=lambda msg: typer.echo(msg, err=True),
        )
        return {
            key: manifest[key]
            for key in ("model_version", "thresholds", "metrics", "data")
            if key in manifest
        }

    _run(work)


@app.command("audit")
def audit_cmd(
    input_path: Annotated[Path, typer.Argument(help="Reports: CSV (UTF-8) or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Per-contact verdicts (CSV).")],
    report: Annotated[Path | None, typer.Option(help="Also write the HTML report here.")] = None,
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows here (CSV).")] = None,
    engine: Annotated[str, typer.Option(help="pandas (one machine) or dask.")] = "pandas",
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Dask scheduler (tcp://host:8786) for --engine dask; default: a local cluster.",
        ),
    ] = None,
    number_column: Annotated[str, typer.Option(help="Column with the contact.")] = "contact",
    reported_at_column: Annotated[str, typer.Option(help="Column with the date.")] = "reported_at",
    reporter_column: Annotated[str, typer.Option(help="Column with the reporter id.")] = (
        "reporter_id"
    ),
    text_column: Annotated[str, typer.Option(help="Column with the report text.")] = "text",
    type_column: Annotated[str, typer.Option(help="Column with the contact type.")] = "type",
    score_texts: Annotated[
        bool, typer.Option(help="Score report texts with the message model.")
    ] = True,
    chunk_rows: Annotated[int, typer.Option(min=1_000, max=5_000_000)] = 100_000,
    model: ModelDir = None,
    database: Database = None,
    progress: Annotated[bool, typer.Option(help="Progress bar on stderr.")] = True,
) -> None:
    """Audit reported contacts: one ranked, explained verdict per contact.

    Resumes from OUTPUT.checkpoint/ when an earlier run on the same input was interrupted.
    """

    def work() -> dict[str, Any]:
        # A forked child reads the registry (the database layer takes a second to import)
        # while this process imports the audit's modules and loads the message model.
        reader = _registry_reader(database)
        from tqdm import tqdm

        from detector.audit import ColumnMap
        from detector.audit_io import run_audit, total_rows
        from detector.contact_check import ContactChecker

        columns = ColumnMap(
            contact=number_column,
            reported_at=reported_at_column,
            reporter_id=reporter_column,
            text=text_column,
            type=type_column,
        )
        detector = _detector(model) if score_texts else None
        checker = ContactChecker.load(_registry_read(reader, database))
        total = total_rows(input_path) if input_path.is_file() and progress else None
        with tqdm(
            total=total,
            unit="rows",
            unit_scale=True,
            disable=not progress,
            file=sys.stderr,
            dynamic_ncols=True,
        ) as bar:
            result = run_audit(
                input_path,
                output,
                checker,
                detector=detector,
                columns=columns,
                rejects_path=rejects,
                report_path=report,
                chunk_rows=chunk_rows,
                progress=bar.update,
                engine=engine,
                scheduler=scheduler,
            )
        return {"output": str(output), **result.summary}

    _run(work)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP service (uvicorn). Settings come from KEFUGUARD_* variables."""
    import os
    import shutil
    import tempfile

    import uvicorn

    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Metrics summed over workers: each writes its samples to this directory.
        metrics_dir = tempfile.mkdtemp(prefix="kefuguard-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    _run(lambda: _engine(None) and None, output=lambda _: None)  # migrate once, up front
    try:
        uvicorn.run(
            "api.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


@keys_app.command("create")
def keys_create(
    scope: Annotated[
        list[str], typer.Option("--scope", help="score, report, audit or admin (repeatable).")
    ],
    name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "unnamed",
    database: Database = None,
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""

    def work() -> dict[str, Any]:
        from api.keys import KeyStore

        key, info = KeyStore(_engine(database)).create(name, scope)
        return {"key": key, **info}

    _run(work)


@keys_app.command("list")
def keys_list(database: Database = None) -> None:
    """List API keys (ids, names, scopes; never the keys)."""

    def work() -> dict[str, Any]:
        from api.keys import KeyStore

        return {"keys": KeyStore(_engine(database)).list()}

    _run(work)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, e.g. kg_1a2b3c4d.")],
    database: Database = None,
) -> None:
    """Revoke an API key."""

    def work() -> dict[str, Any]:
        from api.db.store import NotFoundError
        from api.keys import KeyStore

        if not KeyStore(_engine(database)).revoke(key_id.removeprefix("kg_")):
            raise NotFoundError(f"no active key {key_id}")
        return {"revoked": key_id}

    _run(work)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
