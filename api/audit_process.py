"""One audit job in its own process.

The service worker that claims an audit job (:class:`api.audits.AuditWorker`) does not run
it itself: pandas (and pyarrow with it) would then live in every scoring worker, and the
audit's CPU would compete with requests for the worker's GIL. It starts a fresh interpreter
(``multiprocessing`` "spawn") that loads the models, runs the same
:func:`detector.audit_io.run_audit` and reports back over a pipe; the worker keeps the job's
heartbeat and progress in the database while it runs.

Messages from the child, one tuple each: ``("rows_total", n | None)``,
``("progress", rows_done)``, then exactly one of ``("done", summary)``,
``("failed", message)`` (an input problem, a :class:`~detector.errors.KefuguardError`),
``("error", exception type name)`` or ``("stopped",)``. The parent sends ``"stop"`` when
the service shuts down; the child stops after its current chunk (the checkpoint keeps what
is done). A child whose parent died stops too.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger("kefuguard.audits")


@dataclass(frozen=True)
class AuditJob:
    """What the child needs to run one job (plain values: it is pickled to the child)."""

    job_id: str
    source: Path
    folder: Path
    files: dict[str, str]
    columns: dict[str, str]
    database_url: str
    model_dir: Path | None = None
    number_model_dir: Path | None = None
    max_text_chars: int = 5_000
    log_level: str = "INFO"
    parent_pid: int = field(default_factory=os.getpid)


class _Stopping(Exception):
    pass


def start(job: AuditJob) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    """Start the child for ``job``; return it and the parent's end of the pipe."""
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe(duplex=True)
    # Not a daemon: the audit engine may start processes of its own, which daemons may not.
    # The worker joins it on shutdown, and it stops by itself if the worker dies.
    process = context.Process(
        target=_main, args=(child_end, job), name=f"kefuguard-audit-{job.job_id[:8]}", daemon=False
    )
    process.start()
    child_end.close()
    return process, parent_end


def _main(conn: Connection, job: AuditJob) -> None:  # pragma: no cover - runs in the child
    from api.observability import configure_logging

    # A session of its own: a SIGTERM or Ctrl-C to the server's process group does not kill
    # the job mid-chunk; the worker that started it sends "stop" and it is requeued with its
    # checkpoint (and it stops by itself if that worker dies).
    with contextlib.suppress(OSError):
        os.setsid()
    configure_logging(job.log_level)
    try:
        outcome = _run(conn, job)
    except _Stopping:
        outcome = ("stopped",)
    except Exception as exc:
        from detector.errors import KefuguardError

        if isinstance(exc, KefuguardError):
            outcome = ("failed", exc.message[:500])
        else:
            log.exception("audit failed", extra={"fields": {"audit": job.job_id}})
            outcome = ("error", type(exc).__name__)
    with contextlib.suppress(OSError):  # the parent may be gone
        conn.send(outcome)
    conn.close()


def _run(conn: Connection, job: AuditJob) -> tuple[str, Any]:
    from api.db.engine import make_engine
    from api.db.store import RegistryStore, ReportStore
    from detector.audit import ColumnMap
    from detector.audit_io import run_audit, total_rows
    from detector.contact_check import ContactChecker
    from detector.engine import Detector
    from detector.model import load_message_model
    from detector.number_model import load_number_model

    def check_stop() -> None:
        if os.getppid() != job.parent_pid:  # the service worker died: leave it to a restart
            raise _Stopping
        while conn.poll():
            if conn.recv() == "stop":
                raise _Stopping

    engine = make_engine(job.database_url)  # the service worker migrated it already
    try:
        checker = ContactChecker(
            RegistryStore(engine).snapshot(),
            load_number_model(job.number_model_dir),
            reports=ReportStore(engine),
        )
        detector = Detector(
            load_message_model(job.model_dir), max_chars=job.max_text_chars, contacts=checker
        )
        check_stop()
        conn.send(("rows_total", total_rows(job.source)))
        done = 0

        def progress(rows: int) -> None:
            nonlocal done
            done += rows
            check_stop()
            conn.send(("progress", done))

        result = run_audit(
            job.source,
            job.folder / job.files["result"],
            checker,
            detector=detector,
            columns=ColumnMap(**job.columns),
            rejects_path=job.folder / job.files["rejects"],
            report_path=job.folder / job.files["report"],
            progress=progress,
        )
        return ("done", result.summary)
    finally:
        engine.dispose()
