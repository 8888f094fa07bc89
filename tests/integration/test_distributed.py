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


def _fit_and_save_every_rank(rank: int, port: int, df: pd.DataFrame, folder: str) -> None:
    """One rank of a two-process group, as torchrun would start it; every rank saves."""
    os.environ |= {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "RANK": str(rank),
        "WORLD_SIZE": "2",
    }
    torch.set_num_threads(1)
    model = Synthesizer(seed=0, **FAST, distributed="env").fit(df)
    model.save(os.path.join(folder, f"rank{rank}.sgm"))
    torch.distributed.destroy_process_group()


def test_every_rank_ends_with_the_same_generator_and_it_differs_from_one_process(
    mixed_frame, tmp_path
):
    mp.start_processes(
        _fit_and_save_every_rank,
        (_free_port(), mixed_frame, str(tmp_path)),
        nprocs=2,
        start_method="spawn",
    )
    rank0, rank1 = load(tmp_path / "rank0.sgm"), load(tmp_path / "rank1.sgm")
    single = Synthesizer(seed=0, **FAST).fit(mixed_frame)
    weights = [m.generator_.state_dict() for m in (rank0, rank1, single)]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    # rank 1's batches moved the shared weights: two processes are not rank 0 alone
    assert not all(torch.equal(weights[0][k], weights[2][k]) for k in weights[0])
    assert rank0.fit_info_["processes"] == 2 and single.fit_info_["processes"] == 1


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
