"""Model files with post-processing: files of the previous format load, and a manifest that
lies about its post-processing fails with a ModelFileError, never a hang or another error."""

import dataclasses

import pytest
from conftest import FAST, declared, make_population, rewrite_manifest

from synthgan import ConditionError, Fairness, ModelFileError, Privacy, Synthesizer, load
from synthgan.persist import read_model
from synthgan.postprocess import TENSOR_PREFIX
from synthgan.postprocess.density_ratio import DensityRatio
from synthgan.postprocess.raking import Raking


@pytest.fixture(scope="module")
def dp_file(tmp_path_factory):
    """A DP model with a target: raking on cells and numeric marginal maps."""
    df = make_population(600)
    privacy = Privacy(epsilon=8.0, target="outcome")
    model = Synthesizer(seed=0, privacy=privacy, overrides=declared(df), **FAST).fit(df)
    return model.save(tmp_path_factory.mktemp("dp") / "dp.sgm"), model


@pytest.fixture(scope="module")
def fair_file(tmp_path_factory):
    """A fair model: raking on the condition vector's slots."""
    df = make_population(600)
    model = Synthesizer(seed=0, fairness=Fairness("sex", "outcome"), **FAST).fit(df)
    return model.save(tmp_path_factory.mktemp("fair") / "fair.sgm"), model


@pytest.fixture(scope="module")
def plain_file(tmp_path_factory):
    """A model without DP: the density-ratio classifier, its weights among the tensors."""
    model = Synthesizer(seed=0, **FAST).fit(make_population(600))
    return model.save(tmp_path_factory.mktemp("plain") / "plain.sgm"), model


def test_only_a_model_without_dp_has_a_density_ratio(dp_file, plain_file):
    for (path, model), expected in ((dp_file, False), (plain_file, True)):
        _, tensors = read_model(path)
        assert (model.postprocessor_.ratio is not None) is expected
        assert any(k.startswith(TENSOR_PREFIX) for k in tensors) is expected


def test_a_format_1_file_loads_with_the_same_post_processing(dp_file, tmp_path):
    path, model = dp_file
    manifest, _ = read_model(path)
    post = manifest.pop("postprocess")
    assert post["marginals"] and post["cells"] and post["raking"]
    for name, marginal in post["marginals"].items():  # where version 1 kept them
        manifest["transformer"]["encoders"][name]["calibration"] = marginal
    manifest |= {"format_version": 1, "raking": post["raking"], "cells": post["cells"]}
    old = tmp_path / "old.sgm"
    old.write_bytes(path.read_bytes())
    rewrite_manifest(old, manifest)
    again = load(old)
    assert again.postprocessor_.to_dict() == model.postprocessor_.to_dict()
    assert again.sample(300, seed=4).equals(model.sample(300, seed=4))


DP_LIES = [
    lambda p: p.update(marginals=[]),
    lambda p: p.update(raking=None),  # cells left without their weights
    lambda p: p["raking"].update(ceiling=1e300),
    lambda p: p["raking"].update(acceptance=1e-9),
    lambda p: p["raking"]["factors"][0].__setitem__(0, [1e6] * len(p["raking"]["factors"][0][0])),
    lambda p: next(iter(p["marginals"].values()))["target"].__setitem__(3, float("nan")),
    lambda p: next(iter(p["marginals"].values()))["source"].reverse(),
    lambda p: p.update(density_ratio={"log_ceiling": 0.0, "acceptance": 0.5}),  # never under DP
]
RATIO_LIES = [
    lambda p: p.update(density_ratio=None),  # its weights left without the stage
    lambda p: p["density_ratio"].update(acceptance=1e-9),
    lambda p: p["density_ratio"].update(acceptance=0.05),  # below what a fit can keep
    lambda p: p["density_ratio"].update(log_ceiling="high"),
]


@pytest.mark.parametrize(
    ("which", "lie"),
    [("dp_file", lie) for lie in DP_LIES] + [("plain_file", lie) for lie in RATIO_LIES],
)
def test_a_lying_post_processor_is_refused_at_load(request, tmp_path, which, lie):
    path, _ = request.getfixturevalue(which)
    manifest, _ = read_model(path)
    lie(manifest["postprocess"])
    bad = tmp_path / "bad.sgm"
    bad.write_bytes(path.read_bytes())
    rewrite_manifest(bad, manifest)
    with pytest.raises(ModelFileError):
        load(bad)


def test_sampling_stops_when_the_density_ratio_keeps_far_fewer_rows_than_the_file_says(
    plain_file, monkeypatch
):
    model = load(plain_file[0])
    monkeypatch.setattr(DensityRatio, "keep", lambda self, x, rng: rng.random(len(x)) < 0.001)
    with pytest.raises(ModelFileError, match="kept too few generated rows"):
        model.sample(2000, seed=0)


def test_a_condition_the_density_ratio_keeps_too_rarely_is_a_condition_error(
    plain_file, monkeypatch
):
    model = load(plain_file[0])
    monkeypatch.setattr(DensityRatio, "keep", lambda self, x, rng: rng.random(len(x)) < 0.001)
    with pytest.raises(ConditionError, match="postprocess=False"):
        model.sample(2000, conditions={"city": "Oslo"}, seed=0)


def test_sampling_stops_when_raking_keeps_far_fewer_rows_than_the_file_says(fair_file, monkeypatch):
    """A file can state an acceptance its generator does not reach (its weights are consistent,
    but the rows it draws are all light ones): an error, not an endless loop."""
    path, _ = fair_file
    model = load(path)
    model.postprocessor_.raking = dataclasses.replace(model.postprocessor_.raking, acceptance=1.0)
    monkeypatch.setattr(Raking, "keep", lambda self, cells, rng: rng.random(len(cells)) < 0.01)
    with pytest.raises(ModelFileError, match="kept too few generated rows"):
        model.sample(2000, seed=0)


def test_save_and_load_take_path_likes_and_binary_file_objects(plain_file, tmp_path):
    import io
    import pathlib

    path, model = plain_file
    expected = model.sample(50, seed=3)
    buffer = io.BytesIO()
    assert model.save(buffer) is None
    assert buffer.getvalue() == pathlib.Path(path).read_bytes()  # the same bytes as the file
    buffer.seek(0)
    assert load(buffer).sample(50, seed=3).equals(expected)
    with open(path, "rb") as f:
        assert Synthesizer.load(f).sample(50, seed=3).equals(expected)

    class Pipe(io.RawIOBase):  # no seeking, and a read gets what has arrived: 1,000 bytes
        name = 3  # a pipe's name is its descriptor

        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.data.readinto(memoryview(b)[:1000])

    assert load(Pipe(buffer.getvalue())).sample(50, seed=3).equals(expected)
    closed = Pipe(b"")
    closed.close()
    with pytest.raises(ModelFileError, match="<file object>"):
        load(closed)
    assert load(str(path)).sample(50, seed=3).equals(expected)
    with open(path, encoding="latin-1") as text, pytest.raises(ModelFileError, match="binary"):
        load(text)
    with pytest.raises(ModelFileError, match="not a readable synthgan model"):
        load(io.BytesIO(b"not a zip"))


def test_a_model_shows_its_privacy_and_columns_in_a_notebook(dp_file, plain_file):
    dp_html = dp_file[1]._repr_html_()
    assert "differentially private: ε = " in dp_html and "<table>" in dp_html
    assert all(f"<td>{c.name}</td>" in dp_html for c in dp_file[1].schema_.columns)
    assert "no differential privacy" in plain_file[1]._repr_html_()
    assert "Not fitted yet" in Synthesizer(epochs=3)._repr_html_()
    assert "epochs=3" in Synthesizer(epochs=3)._repr_html_()
