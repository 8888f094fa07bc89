"""Mixed precision: bfloat16 products where asked for or where the hardware has them, float32
otherwise and always under differential privacy."""

import pytest
import torch
from click.testing import CliRunner
from conftest import declared

import synthgan.config
from synthgan import Privacy, PrivacyError, Synthesizer, load
from synthgan.cli import main


@pytest.fixture
def training_dtypes(monkeypatch) -> set[torch.dtype]:
    """The dtypes of every ``nn.Linear`` output computed in training mode (sampling and
    validation run the networks in eval mode)."""
    seen: set[torch.dtype] = set()
    forward = torch.nn.Linear.forward

    def spy(self, x):
        out = forward(self, x)
        if self.training:
            seen.add(out.dtype)
        return out

    monkeypatch.setattr(torch.nn.Linear, "forward", spy)
    return seen


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_precision_sets_the_dtype_the_networks_train_in(
    mixed_frame, fast, training_dtypes, precision
):
    # No density ratio: its classifier (a float32 network of its own) also trains.
    model = Synthesizer(seed=0, precision=precision, density_ratio=False, **fast)
    model.fit(mixed_frame)
    assert training_dtypes == {getattr(torch, precision)}
    assert model.fit_info_["settings"]["precision"] == precision
    assert next(model.generator_.parameters()).dtype == torch.float32  # weights stay float32
    assert model.sample(200, seed=0).notna().any().all()


@pytest.mark.parametrize("native", [True, False])
def test_auto_follows_the_hardware_and_dp_always_trains_in_float32(
    mixed_frame, fast, training_dtypes, monkeypatch, native
):
    monkeypatch.setattr(synthgan.config, "native_bfloat16", lambda device: native)
    monkeypatch.setattr(synthgan.config, "BF16_MIN_WIDTH", 0)  # the small frame counts as wide
    plain = Synthesizer(seed=0, **fast).fit(mixed_frame)
    assert plain.fit_info_["settings"]["precision"] == ("bfloat16" if native else "float32")
    training_dtypes.clear()
    privacy = Privacy(epsilon=4.0, delta=1e-5)
    private = Synthesizer(privacy=privacy, overrides=declared(mixed_frame), **fast)
    private.fit(mixed_frame)
    assert training_dtypes == {torch.float32}
    assert private.fit_info_["settings"]["precision"] == "float32"


def test_auto_keeps_narrow_tables_in_float32_and_counts_the_critics_packed_input(
    mixed_frame, fast, monkeypatch
):
    monkeypatch.setattr(synthgan.config, "native_bfloat16", lambda device: True)
    narrow = Synthesizer(seed=0, **fast).fit(mixed_frame)
    assert narrow.fit_info_["settings"]["precision"] == "float32"
    width = narrow.fit_info_["encoded_dim"] + narrow.condition_space_.cond_dim
    pac = narrow.fit_info_["settings"]["pac"]
    monkeypatch.setattr(synthgan.config, "BF16_MIN_WIDTH", pac * width)
    wide = Synthesizer(seed=0, **fast).fit(mixed_frame)
    assert wide.fit_info_["settings"]["precision"] == "bfloat16"


def test_bfloat16_is_refused_under_dp_before_any_work(mixed_frame, fast):
    model = Synthesizer(privacy=Privacy(epsilon=1.0), precision="bfloat16", **fast)
    with pytest.raises(PrivacyError, match="precision='bfloat16' cannot be used with diff"):
        model.fit(mixed_frame)


def test_the_dp_trainer_refuses_mixed_precision_even_if_a_config_asks_for_it(
    mixed_frame, fast, monkeypatch
):
    monkeypatch.setattr(synthgan.config.SynthesizerConfig, "_mixed_precision", lambda *a: True)
    model = Synthesizer(privacy=Privacy(epsilon=4.0, delta=1e-5), overrides=declared(mixed_frame))
    with pytest.raises(PrivacyError, match="DP-SGD trains in float32"):
        model.set_params(**fast).fit(mixed_frame)


def test_a_seed_fixes_a_bfloat16_model_and_its_sample(mixed_frame, fast):
    a, b = (Synthesizer(seed=3, precision="bfloat16", **fast).fit(mixed_frame) for _ in range(2))
    for (name, wa), (_, wb) in zip(
        a.generator_.state_dict().items(), b.generator_.state_dict().items(), strict=True
    ):
        assert torch.equal(wa, wb), name
    assert a.sample(300, seed=1).equals(b.sample(300, seed=1))


def test_the_cli_takes_precision_and_info_shows_it(tmp_path, mixed_frame):
    data, path = tmp_path / "real.csv", tmp_path / "m.sgm"
    mixed_frame.to_csv(data, index=False)
    args = ["fit", str(data), "-o", str(path), "--epochs", "1", "--batch-size", "100", "-q"]
    result = CliRunner().invoke(main, [*args, "--precision", "float32"])
    assert result.exit_code == 0, result.output
    assert load(path).fit_info_["settings"]["precision"] == "float32"
    info = CliRunner().invoke(main, ["info", str(path)])
    assert "on cpu (float32)" in info.output


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_auto_precision_on_cuda_follows_the_gpu_and_samples_on_the_cpu(mixed_frame, fast):
    model = Synthesizer(seed=0, device="cuda", **fast).fit(mixed_frame)
    native = torch.cuda.is_bf16_supported(including_emulation=False)
    assert model.fit_info_["settings"]["precision"] == ("bfloat16" if native else "float32")
    assert next(model.generator_.parameters()).device.type == "cpu"
    assert len(model.sample(200, seed=0)) == 200
