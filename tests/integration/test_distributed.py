"""Data-parallel training with real torch.distributed processes (gloo on CPU)."""

import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
import torch
import torch.multiprocessing as mp
from click.testing import CliRunner
from conftest import FAST

from synthgan import ConfigError, Fairness, Privacy, SchemaError, Synthesizer, load
from synthgan.cli import main
from synthgan.launch import _free_port


def _fit_and_save_every_rank(
    rank: int, port: int, df: pd.DataFrame, folder: str, settings: list[dict]
) -> None:
    """One rank of a two-process group, as torchrun would start it (``settings[rank]`` added to
    FAST); every rank saves its model."""
    os.environ |= {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "RANK": str(rank),
        "WORLD_SIZE": "2",
    }
    torch.set_num_threads(1)
    model = Synthesizer(**FAST | settings[rank], distributed="env").fit(df)
    model.save(os.path.join(folder, f"rank{rank}.sgm"))
    torch.distributed.destroy_process_group()


def _two_ranks(df: pd.DataFrame, folder, settings: list[dict]):
    args = (_free_port(), df, str(folder), settings)
    mp.start_processes(_fit_and_save_every_rank, args, nprocs=2, start_method="spawn")
    return load(folder / "rank0.sgm"), load(folder / "rank1.sgm")


def _same_weights(a, b) -> bool:
    wa, wb = a.generator_.state_dict(), b.generator_.state_dict()
    return all(torch.equal(wa[k], wb[k]) for k in wa)


def test_every_rank_ends_with_the_same_generator_and_it_differs_from_one_process(
    mixed_frame, tmp_path
):
    rank0, rank1 = _two_ranks(mixed_frame, tmp_path, [{"seed": 0}, {"seed": 0}])
    single = Synthesizer(seed=0, **FAST).fit(mixed_frame)
    assert _same_weights(rank0, rank1)
    # rank 1's batches moved the shared weights: two processes are not rank 0 alone
    assert not _same_weights(rank0, single)
    assert rank0.fit_info_["processes"] == 2 and single.fit_info_["processes"] == 1


def test_without_a_seed_the_ranks_still_share_one_encoding_and_one_model(mixed_frame, tmp_path):
    rank0, rank1 = _two_ranks(mixed_frame, tmp_path, [{}, {}])  # seed=None: fresh entropy
    assert rank0.transformer_.to_dict() == rank1.transformer_.to_dict()
    assert _same_weights(rank0, rank1)


def test_a_stop_decided_on_one_rank_stops_every_rank(mixed_frame, tmp_path):
    # rank 1 alone has a wall-time budget that ends training after its first step
    rank0, rank1 = _two_ranks(
        mixed_frame, tmp_path, [{"seed": 0}, {"seed": 0, "max_seconds": 1e-9}]
    )
    assert rank0.fit_info_["training"]["steps"] == rank1.fit_info_["training"]["steps"] == 1
    assert rank0.fit_info_["training"]["stopped_by"] == "another process's budget (max_seconds)"
    assert _same_weights(rank0, rank1)


def test_two_local_processes_give_a_model_that_saves_loads_and_samples(mixed_frame, tmp_path):
    model = Synthesizer(seed=0, **FAST, distributed=2).fit(mixed_frame)
    single = Synthesizer(seed=0, **FAST).fit(mixed_frame)
    # the same epochs of the same global batch: the same number of steps and history rows
    assert model.fit_info_["training"]["steps"] == single.fit_info_["training"]["steps"]
    assert len(model.history_) == len(single.history_) == FAST["epochs"]
    assert model.fit_info_["processes"] == 2 and model.distributed == 2
    back = load(model.save(tmp_path / "m.sgm"))
    assert back.manifest().keys() == single.manifest().keys()
    sample = back.sample(200, seed=1)
    assert list(sample.columns) == list(mixed_frame.columns) and len(sample) == 200


def test_an_error_in_the_ranks_comes_back_as_itself():
    ids = pd.DataFrame({"id": [f"user-{i}" for i in range(300)]})
    with pytest.raises(SchemaError, match="No column is left to learn"):
        Synthesizer(seed=0, **FAST, distributed=2).fit(ids)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"privacy": Privacy(epsilon=1.0)}, "differential privacy is not available yet"),
        ({"fairness": Fairness("city", "label")}, "fairness head is not available yet"),
        ({"distributed": 3}, "use a multiple of 30"),
        ({"distributed": "everywhere"}, "distributed"),
    ],
)
def test_what_distributed_training_cannot_do_is_refused_before_any_process(
    mixed_frame, settings, message
):
    with pytest.raises(ConfigError, match=message):
        Synthesizer(**(FAST | {"distributed": 2} | settings)).fit(mixed_frame)


def test_env_mode_outside_torchrun_says_what_to_set(mixed_frame, monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="torchrun"):
        Synthesizer(**FAST, distributed="env").fit(mixed_frame)


def test_cli_fit_with_two_processes(mixed_frame, tmp_path):
    data, out = tmp_path / "real.csv", tmp_path / "m.sgm"
    mixed_frame.to_csv(data, index=False)
    args = ["fit", str(data), "-o", str(out), "--epochs", "2", "--batch-size", "100"]
    result = CliRunner().invoke(main, [*args, "--seed", "0", "--quiet", "--nproc", "2"])
    assert result.exit_code == 0, result.output
    assert load(out).fit_info_["processes"] == 2


def test_a_torchrun_launch_trains_one_model(mixed_frame, tmp_path):
    data = tmp_path / "real.csv"
    mixed_frame.to_csv(data, index=False)
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(f"""
        import pandas as pd, torch.distributed as dist
        from synthgan import Synthesizer
        df = pd.read_csv({str(data)!r})
        model = Synthesizer(seed=0, epochs=2, batch_size=100, embedding_dim=16,
                            generator_dim=(32, 32), discriminator_dim=(32, 32),
                            verbose=False, distributed="env").fit(df)
        if dist.get_rank() == 0:
            model.save({str(tmp_path / "m.sgm")!r})
        dist.destroy_process_group()
        """)
    )
    run = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    done = subprocess.run([*run, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert load(tmp_path / "m.sgm").fit_info_["processes"] == 2
