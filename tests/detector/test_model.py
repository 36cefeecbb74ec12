"""Model artifacts are verified before loading: tampering or version drift is a clear error."""

from __future__ import annotations

import json
import shutil

import pytest

from detector.errors import ModelError
from detector.model import MANIFEST_FILE, MODEL_FILE, load_message_model


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(tiny_model_dir, dst)
    return dst


def _edit_manifest(directory, fn):
    path = directory / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    fn(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_when_intact_then_loads_with_manifest_facts(model_copy):
    model = load_message_model(model_copy)
    assert model.version.startswith("msg-")
    assert set(model.scam_classes) <= set(model.classes)
    assert 0.5 <= model.thresholds["warn"] <= model.thresholds["block"] <= 1.0


def test_when_model_file_tampered_then_refused_before_unpickling(model_copy):
    path = model_copy / MODEL_FILE
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_message_model(model_copy)


def test_when_model_file_replaced_by_other_size_then_refused(model_copy):
    (model_copy / MODEL_FILE).write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    with pytest.raises(ModelError, match="bytes"):
        load_message_model(model_copy)


@pytest.mark.parametrize("lib", ["scikit-learn", "numpy", "scipy"])
def test_when_built_with_other_library_version_then_refused(model_copy, lib):
    _edit_manifest(model_copy, lambda m: m["versions"].__setitem__(lib, "0.1.0"))
    with pytest.raises(ModelError, match=f"{lib} 0.1.0"):
        load_message_model(model_copy)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.pop("thresholds"), "lacks thresholds"),
        (lambda m: m.__setitem__("format", 99), "manifest format 99"),
        (lambda m: m.__setitem__("files", {"../evil.joblib": {}}), "does not list"),
        (
            lambda m: m["files"].__setitem__("../x", {"sha256": "0", "bytes": 1}),
            "outside the model directory",
        ),
    ],
)
def test_when_manifest_bad_then_clear_error(model_copy, edit, message):
    _edit_manifest(model_copy, edit)
    with pytest.raises(ModelError, match=message):
        load_message_model(model_copy)


def test_when_manifest_missing_then_clear_error(model_copy):
    (model_copy / MANIFEST_FILE).unlink()
    with pytest.raises(ModelError, match="kefuguard train"):
        load_message_model(model_copy)


def test_when_directory_missing_then_clear_error(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_message_model(tmp_path / "nope")


def test_when_manifest_not_json_then_clear_error(model_copy):
    (model_copy / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read"):
        load_message_model(model_copy)
