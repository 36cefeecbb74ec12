"""Audit jobs over HTTP: upload reports, watch progress, download the results (``audit``)."""

from __future__ import annotations

import json
import os
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse

from api.audits import FILES
from api.db.store import NotFoundError
from api.deps import AuditAccess, ServicesDep
from api.errors import BodyTooLarge
from api.schemas import AuditOut
from detector.errors import InvalidInputError

router = APIRouter(prefix="/v1/audits", tags=["audits"])
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Column = Annotated[str | None, Form(max_length=100)]
_SUFFIXES = (".csv", ".parquet")


def _view(row, request: Request) -> dict:
    base = str(request.url_for("get_audit", job_id=row.id))
    links = {"self": base}
    if row.state == "done":
        links.update({name: f"{base}/{name}" for name in FILES})
    return {
        "id": row.id,
        "state": row.state,
        "input": row.input_name,
        "rows_total": row.rows_total,
        "rows_done": row.rows_done,
        "progress": round(min(row.rows_done / row.rows_total, 1.0), 4) if row.rows_total else None,
        "summary": json.loads(row.summary) if row.summary else None,
        "error": row.error,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "links": links,
    }


@router.post("", status_code=202, response_model=AuditOut)
async def create_audit(
    request: Request,
    services: ServicesDep,
    principal: AuditAccess,
    file: Annotated[UploadFile, File(description="Reports: CSV (UTF-8) or Parquet, ≤ 50 MB.")],
    number_column: Column = None,
    reported_at_column: Column = None,
    reporter_column: Column = None,
    text_column: Column = None,
    type_column: Column = None,
) -> dict:
    """Upload a reports file; the audit runs in the background (202 with the job)."""
    name = os.path.basename(file.filename or "reports.csv")[:200]
    if not name.lower().endswith(_SUFFIXES):
        raise InvalidInputError("upload a .csv or .parquet file", filename=name)
    limit = services.settings.max_upload_bytes
    job_id, folder = services.audits.new_upload()
    target = folder / ("input.parquet" if name.lower().endswith(".parquet") else "input.csv")
    size = 0
    try:
        with open(target, "wb") as fh:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(f"upload over {limit} bytes", limit=limit)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())  # accepted means on disk
        if size == 0:
            raise InvalidInputError("the uploaded file is empty")
    except Exception:
        services.audits.delete_files(job_id)
        raise
    columns = {
        key: value
        for key, value in (
            ("contact", number_column),
            ("reported_at", reported_at_column),
            ("reporter_id", reporter_column),
            ("text", text_column),
            ("type", type_column),
        )
        if value
    }
    services.audits.create(
        job_id, name, {"columns": columns}, principal.key_id if principal else None
    )
    return _view(services.audits.get(job_id), request)


@router.get("/{job_id}", response_model=AuditOut, name="get_audit")
def get_audit(job_id: JobId, request: Request, services: ServicesDep, _: AuditAccess) -> dict:
    """State and progress of an audit; links to its files once done."""
    row = services.audits.get(job_id)
    if row is None:
        raise NotFoundError(f"no audit {job_id}")
    return _view(row, request)


def _file(services, job_id: str, kind: str, media_type: str) -> FileResponse:
    row = services.audits.get(job_id)
    if row is None or row.state != "done":
        raise NotFoundError(f"audit {job_id} has no {kind} (yet)", state=row.state if row else None)
    path = services.audits.folder(job_id) / FILES[kind]
    return FileResponse(path, media_type=media_type, filename=f"audit-{job_id[:8]}-{FILES[kind]}")


@router.get("/{job_id}/result", response_class=FileResponse)
def audit_result(job_id: JobId, services: ServicesDep, _: AuditAccess) -> FileResponse:
    """Per-contact verdicts (CSV)."""
    return _file(services, job_id, "result", "text/csv; charset=utf-8")


@router.get("/{job_id}/rejects", response_class=FileResponse)
def audit_rejects(job_id: JobId, services: ServicesDep, _: AuditAccess) -> FileResponse:
    """Rejected rows with their reason (CSV)."""
    return _file(services, job_id, "rejects", "text/csv; charset=utf-8")


@router.get("/{job_id}/report", response_class=FileResponse)
def audit_report(job_id: JobId, services: ServicesDep, _: AuditAccess) -> FileResponse:
    """The self-contained HTML report."""
    return _file(services, job_id, "report", "text/html; charset=utf-8")
