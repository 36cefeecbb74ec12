"""Audit jobs: accepted uploads, a background worker, state in the database.

An upload is written to ``<data dir>/audits/<id>/input`` and flushed to disk *before* the job
row is committed and 202 returned, so an accepted upload is never lost. Each service worker
runs one :class:`AuditWorker` thread that claims queued jobs atomically (``UPDATE … WHERE
state = 'queued'``), runs :func:`detector.audit_io.run_audit` (which checkpoints after every
chunk) in a child process of its own (``api/audit_process.py``: the scoring worker never
loads pandas, and an audit's CPU does not hold the worker's GIL) and beats a heartbeat
while the child runs. A job whose heartbeat stops — its process died or the server
restarted — is requeued by any worker and resumes from its checkpoint; after
``MAX_ATTEMPTS`` it is marked failed with the reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import sessionmaker

from api import audit_process
from api.db.models import AuditRow

log = logging.getLogger("kefuguard.audits")
STALE_AFTER = timedelta(seconds=60)
HEARTBEAT_EVERY = 5.0
MAX_ATTEMPTS = 3
#: After asking a job's process to stop (shutdown), how long to wait before killing it.
STOP_GRACE = 20.0
FILES = {"result": "result.csv", "rejects": "rejects.csv", "report": "report.html"}


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass
class AuditStore:
    engine: Engine
    data_dir: Path

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.root = self.data_dir / "audits"
        self.root.mkdir(parents=True, exist_ok=True)

    def folder(self, job_id: str) -> Path:
        return self.root / job_id

    def new_upload(self) -> tuple[str, Path]:
        job_id = uuid.uuid4().hex
        folder = self.folder(job_id)
        folder.mkdir(parents=True)
        return job_id, folder

    def create(
        self, job_id: str, input_name: str, options: dict[str, Any], key_id: str | None
    ) -> None:
        now = _now()
        with self._sessions.begin() as s:
            s.add(
                AuditRow(
                    id=job_id,
                    state="queued",
                    input_name=input_name[:200],
                    options=json.dumps(options),
                    key_id=key_id,
                    rows_done=0,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )

    def get(self, job_id: str) -> AuditRow | None:
        with self._sessions() as s:
            return s.get(AuditRow, job_id)

    def pending(self) -> bool:
        """Is any job queued or running (the cheap check the idle poller makes)?"""
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT 1 FROM audits WHERE state IN ('queued', 'running') LIMIT 1")
            ).first()
        return row is not None

    def claim(self) -> AuditRow | None:
        """Take the oldest queued job (atomic across workers and processes)."""
        with self._sessions() as s:
            candidates = s.scalars(
                select(AuditRow.id).where(AuditRow.state == "queued").order_by(AuditRow.created_at)
            ).all()
        for job_id in candidates:
            with self._sessions.begin() as s:
                now = _now()
                claimed = s.execute(
                    update(AuditRow)
                    .where(AuditRow.id == job_id, AuditRow.state == "queued")
                    .values(
                        state="running",
                        heartbeat_at=now,
                        updated_at=now,
                        attempts=AuditRow.attempts + 1,
                    )
                ).rowcount
            if claimed:
                return self.get(job_id)
        return None

    def update(self, job_id: str, **values: Any) -> None:
        values.setdefault("updated_at", _now())
        with self._sessions.begin() as s:
            s.execute(update(AuditRow).where(AuditRow.id == job_id).values(**values))

    def requeue_stale(self) -> int:
        """Running jobs whose worker stopped beating: back to the queue, or failed."""
        limit = _now() - STALE_AFTER
        n = 0
        with self._sessions.begin() as s:
            for row in s.scalars(select(AuditRow).where(AuditRow.state == "running")).all():
                beat = _utc(row.heartbeat_at)
                if beat is not None and beat > limit:
                    continue
                n += 1
                if row.attempts >= MAX_ATTEMPTS:
                    row.state = "failed"
                    row.error = f"stopped {row.attempts} times (server restarts or crashes)"
                else:
                    row.state = "queued"
                    row.error = "interrupted; resumed from its checkpoint"
                row.updated_at = _now()
        return n

    def delete_files(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)


class AuditWorker(threading.Thread):
    """One per service worker: runs queued audits one at a time."""

    def __init__(self, store: AuditStore, services: Any, poll_seconds: float = 1.0):
        super().__init__(name="kefuguard-audits", daemon=True)
        self.store = store
        self.services = services
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                job = None
                if self.store.pending():  # one cheap query a second while idle
                    self.store.requeue_stale()
                    job = self.store.claim()
            except Exception:  # database briefly unavailable: try again later
                log.exception("audit queue unavailable")
                job = None
            if job is None:
                self.stopping.wait(self.poll_seconds)
                continue
            self._run(job)

    def _run(self, job: AuditRow) -> None:
        folder = self.store.folder(job.id)
        source = folder / ("input.parquet" if job.input_name.endswith(".parquet") else "input.csv")
        settings = self.services.settings
        options = json.loads(job.options or "{}")
        spec = audit_process.AuditJob(
            job_id=job.id,
            source=source,
            folder=folder,
            files=dict(FILES),
            columns=dict(options.get("columns", {})),
            database_url=settings.database_url,
            model_dir=settings.model_dir,
            number_model_dir=settings.number_model_dir,
            max_text_chars=settings.max_text_chars,
            log_level=settings.log_level,
        )
        try:
            process, conn = audit_process.start(spec)
        except Exception as exc:  # could not start a process (resources): retry later
            log.exception("cannot start an audit process")
            self.store.update(
                job.id, state="queued", error=f"could not start ({type(exc).__name__})"
            )
            self.stopping.wait(self.poll_seconds)
            return
        try:
            outcome = self._watch(job, process, conn)
        finally:
            conn.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        self._finish(job, outcome, process.exitcode)

    def _watch(self, job: AuditRow, process, conn) -> tuple:
        """Relay the child's messages until it reports an outcome or exits; beat meanwhile."""
        last_beat = 0.0
        done = 0
        stop_deadline = None
        while True:
            if stop_deadline is None and self.stopping.is_set():
                with contextlib.suppress(OSError):
                    conn.send("stop")
                stop_deadline = time.monotonic() + STOP_GRACE
            if stop_deadline is not None and time.monotonic() > stop_deadline:
                process.kill()
                return ("stopped",)
            try:
                ready = conn.poll(0.5)
                message = conn.recv() if ready else None
            except (EOFError, OSError):  # the child is gone without a word
                return ("died",)
            if message is None:
                if not process.is_alive() and not conn.poll():
                    return ("died",)
            elif message[0] == "rows_total":
                self.store.update(job.id, rows_total=message[1])
            elif message[0] == "progress":
                done = int(message[1])
            else:
                return message
            now = time.monotonic()
            if now - last_beat >= HEARTBEAT_EVERY:
                last_beat = now
                self.store.update(job.id, rows_done=done, heartbeat_at=_now())

    def _finish(self, job: AuditRow, outcome: tuple, exitcode: int | None) -> None:
        kind = outcome[0]
        if kind == "done":
            summary = outcome[1]
            self.store.update(
                job.id,
                state="done",
                rows_done=summary["rows_read"],
                summary=json.dumps(summary),
                error=None,
                heartbeat_at=_now(),
            )
            log.info("audit done", extra={"fields": {"audit": job.id}})
        elif kind == "stopped":
            # Shutting down: leave it for the next start (checkpoint kept).
            self.store.update(job.id, state="queued", error="server stopped; will resume")
        elif kind == "failed":
            self.store.update(job.id, state="failed", error=str(outcome[1])[:500])
        elif kind == "error":
            self.store.update(job.id, state="failed", error=f"internal error ({outcome[1]})")
        else:  # the process died (killed, out of memory): retry while attempts remain
            log.error("audit process died", extra={"fields": {"audit": job.id, "exit": exitcode}})
            retry = (job.attempts or 0) < MAX_ATTEMPTS
            self.store.update(
                job.id,
                state="queued" if retry else "failed",
                error=f"audit process exited with code {exitcode}"
                + ("; will retry" if retry else ""),
            )
