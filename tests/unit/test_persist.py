import json
import pickle
import zipfile
from pathlib import Path

import pytest
import torch

from synthgan import ModelFileError, Synthesizer, load
from synthgan.persist import FORMAT_VERSION, read_model, write_model


@pytest.fixture
def model_file(tmp_path, fitted_mixed) -> Path:
    return fitted_mixed.save(tmp_path / "m.sgm")


def rewrite(path: Path, manifest=None, weights=None, extra=None) -> None:
    with zipfile.ZipFile(path) as zf:
        old_manifest, old_weights = zf.read("manifest.json"), zf.read("weights.safetensors")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", manifest if manifest is not None else old_manifest)
        zf.writestr("weights.safetensors", weights if weights is not None else old_weights)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


def test_model_file_is_a_zip_of_json_and_safetensors(model_file):
    with zipfile.ZipFile(model_file) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "weights.safetensors"]
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format_version"] == FORMAT_VERSION
    for key in ("synthgan_version", "schema", "transformer", "config", "history", "checksums"):
        assert key in manifest
    assert len(manifest["history"]) == manifest["config"]["epochs"]


def test_round_trip_gives_the_same_weights_and_samples(model_file, fitted_mixed):
    again = load(model_file)
    for (k, a), (_, b) in zip(
        fitted_mixed.generator_.state_dict().items(),
        again.generator_.state_dict().items(),
        strict=True,
    ):
        assert torch.equal(a, b), k
    assert again.sample(300, seed=5).equals(fitted_mixed.sample(300, seed=5))


def test_loading_never_unpickles(model_file, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used while loading a model file")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    load(model_file).sample(10, seed=0)


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("touch PWNED",))


def test_a_pickle_in_place_of_the_weights_is_refused_without_running(
    model_file, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    rewrite(model_file, weights=pickle.dumps(_Payload()))
    with pytest.raises(ModelFileError):
        load(model_file)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda p: rewrite(p, weights=b"\x00" * 64), "checksum"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "not a readable"),
        (lambda p: p.write_text("hello"), "not a readable"),
        (lambda p: rewrite(p, extra={"evil.pkl": b"x"}), "not a synthgan model"),
    ],
    ids=["tampered-weights", "truncated", "not-a-zip", "extra-member"],
)
def test_damaged_files_raise_model_file_error(model_file, damage, match):
    damage(model_file)
    with pytest.raises(ModelFileError, match=match):
        load(model_file)


def test_edited_manifest_is_detected(model_file):
    with zipfile.ZipFile(model_file) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["config"]["epochs"] = 999
    rewrite(model_file, manifest=json.dumps(manifest))
    with pytest.raises(ModelFileError, match="manifest does not match"):
        load(model_file)


def test_other_format_version_is_refused_with_a_hint(model_file):
    manifest, _ = read_model(model_file)
    manifest["format_version"] = FORMAT_VERSION + 1
    with zipfile.ZipFile(model_file) as zf:
        weights = zf.read("weights.safetensors")
    rewrite(model_file, manifest=json.dumps(manifest), weights=weights)
    with pytest.raises(ModelFileError, match=f"format version {FORMAT_VERSION + 1}"):
        load(model_file)


def test_valid_file_with_inconsistent_content_is_a_model_file_error(tmp_path, model_file):
    manifest, tensors = read_model(model_file)
    del tensors["seq.2.weight"]  # the output layer
    broken = write_model(tmp_path / "broken.sgm", manifest, tensors)
    with pytest.raises(ModelFileError, match="not describe a valid synthgan model"):
        load(broken)


def test_missing_file_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="No model file"):
        load(tmp_path / "absent.sgm")


def test_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, fitted_mixed, monkeypatch):
    target = tmp_path / "m.sgm"
    target.write_bytes(b"previous content")

    def explode(self, name, data, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", explode)
    with pytest.raises(OSError, match="disk full"):
        fitted_mixed.save(target)
    assert target.read_bytes() == b"previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["m.sgm"]


def test_saved_tensors_are_on_cpu(model_file):
    _, tensors = read_model(model_file)
    assert all(t.device.type == "cpu" for t in tensors.values())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_model_trained_on_gpu_loads_and_samples_on_cpu(tmp_path, mixed_frame, fast):
    model = Synthesizer(seed=0, device="cuda", **fast).fit(mixed_frame)
    path = model.save(tmp_path / "gpu.sgm")
    assert len(load(path).sample(50, seed=0)) == 50
