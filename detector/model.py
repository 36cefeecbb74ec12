"""Model artifacts: one fitted scikit-learn Pipeline per model, its compiled form, a manifest.

A model directory holds ``message_model.joblib`` (the Pipeline: ``MessageFeatures`` →
calibrated linear classifier, the artifact of record used by training and evaluation),
``message_model.npz`` (the same model compiled to plain arrays, written at save time by
:func:`save_message_model`; see ``detector/fastpath.py``) and ``manifest.json`` (sha256 and
size of every file, library versions, corpus hash, classes, thresholds, metrics).

:func:`load_message_model` checks every listed file's sha256 against the manifest *before*
reading any of them and refuses a model built with other major.minor versions of
scikit-learn, NumPy or SciPy: a mismatch is a :class:`~detector.errors.ModelError`, never a
silent load. It scores with the compiled file when the manifest lists one (no scikit-learn,
SciPy or pandas import: 160 MB less per service worker) and unpickles the Pipeline only when
it is asked for (:attr:`MessageModel.pipeline`) or when the directory has no compiled file
(older model directories still load). :func:`export_compiled` adds the compiled file to an
existing directory without retraining (``python -m detector.export``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import threading
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from detector import __version__
from detector.errors import ModelError

MODEL_FILE = "message_model.joblib"
COMPILED_FILE = "message_model.npz"
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


def _installed(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def library_versions() -> dict[str, str]:
    """Versions of the libraries a model depends on, read without importing them."""
    return {
        "python": platform.python_version(),
        "kefuguard": __version__,
        "scikit-learn": _installed("scikit-learn"),
        "numpy": np.__version__,
        "scipy": _installed("scipy"),
        "joblib": _installed("joblib"),
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


class MessageModel:
    """A loaded message model: its manifest, its compiled scorer and (on demand) the Pipeline.

    ``compiled`` is what the Detector scores with; ``pipeline`` unpickles the reference
    Pipeline the first time it is read (verified again against the manifest), so a service
    worker that never asks for it never imports scikit-learn.
    """

    def __init__(
        self,
        manifest: dict[str, Any],
        directory: Path,
        *,
        compiled: Any = None,
        pipeline: Any = None,
    ):
        self.manifest = manifest
        self.directory = directory
        self.compiled = compiled
        self._pipeline = pipeline
        self._lock = threading.Lock()

    @property
    def pipeline(self) -> Any:
        with self._lock:
            if self._pipeline is None:
                pipeline, manifest = load_verified(self.directory, MODEL_FILE)
                if manifest.get("model_version") != self.version:
                    raise ModelError(
                        f"the model in {self.directory} changed since it was loaded "
                        f"({self.version} -> {manifest.get('model_version')})",
                        directory=str(self.directory),
                    )
                self._pipeline = pipeline
            return self._pipeline

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
        """The global ``warn`` and ``block`` thresholds."""
        return {k: float(v) for k, v in self.manifest["thresholds"].items() if k != "by_lang"}

    @property
    def window_chars(self) -> int | None:
        """Long messages are also scored in windows of this many characters
        (:func:`detector.model_input.text_windows`); ``None`` for models trained without."""
        value = self.manifest.get("params", {}).get("window_chars")
        return int(value) if value else None

    @property
    def window_weight(self) -> float:
        """How far a riskier window moves a long message's risk towards its own (0..1)."""
        return float(self.manifest.get("params", {}).get("window_weight", 1.0))

    @property
    def thresholds_by_lang(self) -> dict[str, dict[str, float]]:
        """Thresholds of their own for the languages that had enough benign rows in training
        (``{"zh": {"warn": …, "block": …}}``); other languages use the global ones."""
        by_lang = self.manifest["thresholds"].get("by_lang") or {}
        return {lang: {k: float(v) for k, v in t.items()} for lang, t in by_lang.items()}


#: Writes one extra file of a model directory (e.g. the compiled model) to the given path.
FileWriter = Callable[[Path], None]


def _write_manifest(directory: Path, manifest: Mapping[str, Any]) -> None:
    path = directory / MANIFEST_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, path)


def _file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def save_artifact(
    obj: Any,
    directory: Path,
    filename: str,
    manifest: dict[str, Any],
    extra_files: Mapping[str, FileWriter] | None = None,
) -> dict[str, Any]:
    """Write ``obj`` (joblib), any ``extra_files``, and a manifest listing the sha256 and
    size of each plus the library versions.

    The generic half of every model directory (message model, number model); returns the
    manifest as written.
    """
    import joblib

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    # A model fitted in a worker process can come back with equal strings shared between
    # objects differently from run to run: same values, different pickle bytes. A round trip
    # through pickle (which interns attribute names) makes equal models equal files.
    obj = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    joblib.dump(obj, path, compress=3)
    files = {filename: _file_entry(path)}
    for name, write in (extra_files or {}).items():
        write(directory / name)
        files[name] = _file_entry(directory / name)
    full = {
        "format": MANIFEST_FORMAT,
        **manifest,
        "files": files,
        "versions": library_versions(),
    }
    _write_manifest(directory, full)
    return full


def save_message_model(pipeline: Any, directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the Pipeline, its compiled form and its manifest (sha256 and versions filled in
    here); return the manifest. A Pipeline the compiler does not support is saved alone."""
    from detector.fastpath import CompiledScorer

    compiled = CompiledScorer.try_compile(pipeline)
    extra = {COMPILED_FILE: compiled.save} if compiled is not None else {}
    return save_artifact(pipeline, directory, MODEL_FILE, manifest, extra)


def add_files(directory: Path, writers: Mapping[str, FileWriter]) -> dict[str, Any]:
    """Write extra files into a verified model directory and list them in its manifest.

    Everything else in the manifest stays as it is (the model is not retrained). Files are
    written beside their target and renamed into place.
    """
    manifest = read_manifest(directory, required=("format", "files"))
    files = dict(manifest["files"])
    for name, write in writers.items():
        if Path(name).name != name or name == MANIFEST_FILE:
            raise ModelError(f"cannot add {name!r} to a model directory")
        tmp = directory / f".{name}.tmp"
        write(tmp)
        os.replace(tmp, directory / name)
        files[name] = _file_entry(directory / name)
    manifest["files"] = files
    _write_manifest(directory, manifest)
    return manifest


def export_compiled(directory: Path | str | None = None) -> dict[str, Any]:
    """Compile the Pipeline of an existing message-model directory into ``message_model.npz``
    and list it in the manifest (no retraining); return the manifest."""
    from detector.fastpath import CompiledScorer

    directory = Path(directory) if directory is not None else default_model_dir()
    pipeline, _ = load_verified(directory, MODEL_FILE)
    try:
        compiled = CompiledScorer.from_pipeline(pipeline)
    except (TypeError, AttributeError, KeyError, IndexError) as exc:
        raise ModelError(f"the model in {directory} cannot be compiled: {exc}") from exc
    return add_files(directory, {COMPILED_FILE: compiled.save})


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


def verified_manifest(
    directory: Path,
    filename: str,
    required: tuple[str, ...] = MESSAGE_MANIFEST_KEYS,
    train_command: str = "kefuguard train",
) -> dict[str, Any]:
    """Read the manifest, check versions and the sha256 and size of every listed file
    (``filename`` must be among them); return the manifest. Reads no model file."""
    if not directory.is_dir():
        raise ModelError(f"model directory {directory} does not exist", directory=str(directory))
    manifest = read_manifest(directory, required, train_command)
    check_versions(manifest, train_command)
    verify_files(directory, manifest, filename)
    return manifest


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
    manifest = verified_manifest(directory, filename, required, train_command)
    import joblib

    try:
        obj = joblib.load(directory / filename)
    except Exception as exc:  # a verified file that still fails to load: say so clearly
        raise ModelError(f"cannot load {directory / filename}: {exc}") from exc
    return obj, manifest


def load_message_model(directory: Path | str | None = None) -> MessageModel:
    """Load and verify the message model in ``directory`` (default: :func:`default_model_dir`).

    With a compiled file listed in the manifest, nothing is unpickled; without one the
    Pipeline is loaded and compiled in memory (or used as it is).
    """
    from detector.fastpath import CompiledScorer

    directory = Path(directory) if directory is not None else default_model_dir()
    manifest = verified_manifest(directory, MODEL_FILE)
    if COMPILED_FILE not in manifest["files"]:
        pipeline, manifest = load_verified(directory, MODEL_FILE)
        compiled = CompiledScorer.try_compile(pipeline)
        return MessageModel(manifest, directory, compiled=compiled, pipeline=pipeline)
    compiled = CompiledScorer.load(directory / COMPILED_FILE)
    if [str(c) for c in compiled.classes] != [str(c) for c in manifest["classes"]]:
        raise ModelError(
            f"{directory / COMPILED_FILE} and the manifest name different classes",
            directory=str(directory),
        )
    return MessageModel(manifest, directory, compiled=compiled)
