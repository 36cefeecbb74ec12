"""Model artifacts: one fitted scikit-learn Pipeline per model, plus a manifest.

A model directory holds ``message_model.joblib`` (the Pipeline: ``MessageFeatures`` →
calibrated linear classifier) and ``manifest.json`` (sha256 and size of every file, library
versions, corpus hash, classes, thresholds, metrics). :func:`load_message_model` checks the
file's sha256 against the manifest *before* unpickling it and refuses a model built with
other major.minor versions of scikit-learn, NumPy or SciPy: a mismatch is a
:class:`~detector.errors.ModelError`, never a silent load.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy
import sklearn

from detector import __version__
from detector.errors import ModelError

MODEL_FILE = "message_model.joblib"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1
#: The shipped model, beside the packages (the project installs in editable mode).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
MODEL_DIR_ENV = "KEFUGUARD_MODEL_DIR"


def default_model_dir() -> Path:
    """``$KEFUGUARD_MODEL_DIR`` when set, else the shipped ``models/``."""
    return Path(os.environ.get(MODEL_DIR_ENV) or DEFAULT_MODEL_DIR)


#: Libraries whose major.minor must match between training and loading.
CHECKED_LIBRARIES = ("scikit-learn", "numpy", "scipy")


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "kefuguard": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


@dataclass(frozen=True)
class MessageModel:
    """A loaded message model: the Pipeline and what its manifest says about it."""

    pipeline: Any
    manifest: dict[str, Any]
    directory: Path

    @property
    def version(self) -> str:
        return str(self.manifest["model_version"])

    @property
    def classes(self) -> list[str]:
        return list(self.manifest["classes"])

    @property
    def scam_classes(self) -> list[str]:
        return list(self.manifest["scam_classes"])

    @property
    def thresholds(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.manifest["thresholds"].items()}


def save_artifact(
    obj: Any, directory: Path, filename: str, manifest: dict[str, Any]
) -> dict[str, Any]:
    """Write ``obj`` (joblib) and a manifest listing its sha256, size and library versions.

    The generic half of every model directory (message model, number model); returns the
    manifest as written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    joblib.dump(obj, path, compress=3)
    full = {
        "format": MANIFEST_FORMAT,
        **manifest,
        "files": {filename: {"sha256": sha256_file(path), "bytes": path.stat().st_size}},
        "versions": library_versions(),
    }
    (directory / MANIFEST_FILE).write_text(
        json.dumps(full, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return full


def save_message_model(pipeline: Any, directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the Pipeline and its manifest (sha256 and versions filled in here); return it."""
    return save_artifact(pipeline, directory, MODEL_FILE, manifest)


#: Keys a message-model manifest must have.
MESSAGE_MANIFEST_KEYS = (
    "format",
    "model_version",
    "files",
    "versions",
    "classes",
    "scam_classes",
    "thresholds",
)


def read_manifest(
    directory: Path,
    required: tuple[str, ...] = MESSAGE_MANIFEST_KEYS,
    train_command: str = "kefuguard train",
) -> dict[str, Any]:
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise ModelError(
            f"no {MANIFEST_FILE} in model directory {directory}; train one with '{train_command}'",
            directory=str(directory),
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {path}: {exc}", directory=str(directory)) from exc
    missing = [k for k in required if k not in manifest]
    if missing:
        raise ModelError(f"{path} lacks {', '.join(missing)}", directory=str(directory))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ModelError(
            f"{path} has manifest format {manifest['format']}; this kefuguard reads "
            f"{MANIFEST_FORMAT}",
            directory=str(directory),
        )
    return manifest


def verify_files(directory: Path, manifest: dict[str, Any], model_file: str = MODEL_FILE) -> None:
    """Check every listed file's size and sha256; raise ModelError on any difference."""
    files = manifest.get("files") or {}
    if model_file not in files:
        raise ModelError(f"manifest of {directory} does not list {model_file}")
    for name, meta in files.items():
        path = directory / name
        if Path(name).name != name:
            raise ModelError(f"manifest lists a file outside the model directory: {name!r}")
        if not path.is_file():
            raise ModelError(f"model file {path} is missing", directory=str(directory))
        if path.stat().st_size != meta.get("bytes"):
            raise ModelError(
                f"model file {path} has {path.stat().st_size} bytes, manifest says "
                f"{meta.get('bytes')}: refusing to load it",
                directory=str(directory),
            )
        actual = sha256_file(path)
        if actual != meta.get("sha256"):
            raise ModelError(
                f"model file {path} does not match its manifest (sha256 {actual[:12]}…, "
                f"expected {str(meta.get('sha256'))[:12]}…): refusing to load it",
                directory=str(directory),
            )


def check_versions(manifest: dict[str, Any], train_command: str = "kefuguard train") -> None:
    built = manifest.get("versions") or {}
    here = library_versions()
    bad = [
        f"{lib} {built.get(lib)} (this environment has {here[lib]})"
        for lib in CHECKED_LIBRARIES
        if _major_minor(str(built.get(lib, ""))) != _major_minor(here[lib])
    ]
    if bad:
        raise ModelError(
            "the model was built with " + ", ".join(bad) + f"; retrain it with '{train_command}' "
            "or install the versions it was built with",
            built=built,
        )


def load_verified(
    directory: Path,
    filename: str,
    required: tuple[str, ...] = MESSAGE_MANIFEST_KEYS,
    train_command: str = "kefuguard train",
) -> tuple[Any, dict[str, Any]]:
    """Read the manifest, check versions, sha256 and size of ``filename``, then unpickle it.

    Nothing is unpickled before every check passed; any failure is a :class:`ModelError`.
    Returns ``(object, manifest)``.
    """
    if not directory.is_dir():
        raise ModelError(f"model directory {directory} does not exist", directory=str(directory))
    manifest = read_manifest(directory, required, train_command)
    check_versions(manifest, train_command)
    verify_files(directory, manifest, filename)
    try:
        obj = joblib.load(directory / filename)
    except Exception as exc:  # a verified file that still fails to load: say so clearly
        raise ModelError(f"cannot load {directory / filename}: {exc}") from exc
    return obj, manifest


def load_message_model(directory: Path | str | None = None) -> MessageModel:
    """Load and verify the message model in ``directory`` (default: :func:`default_model_dir`)."""
    directory = Path(directory) if directory is not None else default_model_dir()
    pipeline, manifest = load_verified(directory, MODEL_FILE)
    return MessageModel(pipeline=pipeline, manifest=manifest, directory=directory)
