"""The compiled model file: written at save time, verified, loaded without unpickling."""

from __future__ import annotations

import json
import shutil

import pytest

from detector.errors import ModelError
from detector.model import (
    COMPILED_FILE,
    DEFAULT_MODEL_DIR,
    MANIFEST_FILE,
    MODEL_FILE,
    export_compiled,
    load_message_model,
    sha256_file,
)


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(tiny_model_dir, dst)
    return dst


def _manifest(directory):
    return json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))


def test_when_trained_then_compiled_file_is_listed_with_its_sha256(tiny_model_dir):
    files = _manifest(tiny_model_dir)["files"]
    assert set(files) == {MODEL_FILE, COMPILED_FILE}
    meta = files[COMPILED_FILE]
    assert meta["sha256"] == sha256_file(tiny_model_dir / COMPILED_FILE)
    assert meta["bytes"] == (tiny_model_dir / COMPILED_FILE).stat().st_size


def test_shipped_directory_has_a_verified_compiled_file():
    files = _manifest(DEFAULT_MODEL_DIR)["files"]
    assert COMPILED_FILE in files, "run `python -m detector.export` after training"
    assert files[COMPILED_FILE]["sha256"] == sha256_file(DEFAULT_MODEL_DIR / COMPILED_FILE)


def test_when_compiled_then_loading_unpickles_nothing(model_copy, monkeypatch):
    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("the Pipeline was unpickled")

    monkeypatch.setattr(joblib, "load", refuse)
    model = load_message_model(model_copy)
    assert model.compiled is not None and model.classes == _manifest(model_copy)["classes"]


def test_pipeline_is_loaded_on_demand_and_verified(model_copy):
    model = load_message_model(model_copy)
    assert model._pipeline is None
    assert list(model.pipeline.classes_) == model.classes
    fresh = load_message_model(model_copy)
    blob = bytearray((model_copy / MODEL_FILE).read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (model_copy / MODEL_FILE).write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match its manifest"):
        fresh.pipeline  # noqa: B018 - the property loads


def test_when_compiled_file_tampered_then_refused(model_copy):
    path = model_copy / COMPILED_FILE
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 3] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_message_model(model_copy)


def test_when_directory_has_no_compiled_file_then_export_adds_it(model_copy):
    manifest = _manifest(model_copy)
    expected = manifest["files"].pop(COMPILED_FILE)
    (model_copy / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    (model_copy / COMPILED_FILE).unlink()

    old = load_message_model(model_copy)  # older directories still load (Pipeline compiled)
    assert old._pipeline is not None and old.compiled is not None

    written = export_compiled(model_copy)
    assert written["files"][COMPILED_FILE] == expected  # same bytes as the save path
    assert {k: v for k, v in written.items() if k != "files"} == {
        k: v for k, v in manifest.items() if k != "files"
    }
    assert load_message_model(model_copy)._pipeline is None
