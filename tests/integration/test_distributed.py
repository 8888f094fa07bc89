"""Data-parallel training with real torch.distributed processes (gloo on CPU)."""

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.multiprocessing as mp
from click.testing import CliRunner
from conftest import FAST, declared, pin_entropy

from synthgan import (
    ConfigError,
    Fairness,
    Privacy,
    PrivacyError,
    SchemaError,
    Synthesizer,
    SynthganError,
    load,
)
from synthgan.cli import main
from synthgan.launch import _free_port
from synthgan.prepare import prepare
from synthgan.train.dp import private_optimizer, release_gradient
from synthgan.train.world import World
from synthgan.transform import TableTransformer


def _fit_and_save_every_rank(
    rank: int, port: int, df: pd.DataFrame, folder: str, settings: list[dict]
) -> None:
    """One rank of a two-process group, as torchrun would start it (``settings[rank]`` added to
    FAST; ``pin_entropy``: DP's secret entropy fixed, rank 0's as in a one-process fit under
    ``pin_entropy``, each other rank's to a value of its own); every rank saves its model, or
    writes the ``SynthganError`` it raised."""
    os.environ |= {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "RANK": str(rank),
        "WORLD_SIZE": "2",
    }
    torch.set_num_threads(1)
    settings = dict(settings[rank])
    pinned = settings.pop("pin_entropy", False)  # rank 0: the one-process tests' entropy
    with pin_entropy(20261204 + rank) if pinned else contextlib.nullcontext():
        try:
            model = Synthesizer(**FAST | settings, distributed="env").fit(df)
        except SynthganError as e:
            Path(folder, f"error{rank}.txt").write_text(f"{type(e).__name__}: {e}")
        else:
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


def _private(df: pd.DataFrame) -> dict:
    return {"privacy": Privacy(epsilon=3.0, delta=1e-5), "overrides": declared(df), "seed": 0}


def test_a_private_fit_in_two_processes_spends_and_records_what_one_process_does(
    mixed_frame, tmp_path
):
    dp = _private(mixed_frame)
    rank0, rank1 = _two_ranks(mixed_frame, tmp_path, [dp | {"pin_entropy": True}] * 2)
    with pin_entropy():  # rank 0's secret entropy: the same DP statistics and row count
        single = Synthesizer(**FAST | dp).fit(mixed_frame)
    # Rank 0 alone took the DP statistics: the same plan, steps, ε and ledger as one process.
    assert rank0.ledger_.to_dict() == single.ledger_.to_dict()
    assert rank0.ledger_.epsilon_spent == single.ledger_.epsilon_spent <= 3.0
    assert rank0.ledger_.to_dict() == rank1.ledger_.to_dict()
    assert rank0.transformer_.to_dict() == single.transformer_.to_dict()
    assert _same_weights(rank0, rank1) and not _same_weights(rank0, single)
    assert rank0.manifest().keys() == single.manifest().keys()
    assert rank0.fit_info_["processes"] == 2
    assert len(rank0.history_) == len(single.history_)
    assert len(rank0.sample(100, seed=1)) == 100


def _release_on_rank(rank: int, port: int, folder: str) -> None:
    """Rank ``rank``'s clipped sum (every entry ``rank + 1``) through the DP release."""
    os.environ |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    torch.distributed.init_process_group("gloo", rank=rank, world_size=2)
    weights = torch.nn.Parameter(torch.zeros(200_000))
    optimizer = private_optimizer(
        torch.optim.SGD([weights], lr=1.0),
        noise_multiplier=1.0,
        max_grad_norm=1.0,
        expected_batch_size=50,  # each rank's share of 100
        generator=torch.Generator().manual_seed(rank),
        world=World.current(),
    )
    weights.grad = torch.full_like(weights, float(rank + 1))
    release_gradient(optimizer, World.current())
    torch.save(weights.grad, os.path.join(folder, f"release{rank}.pt"))
    torch.distributed.destroy_process_group()


def test_the_ranks_release_their_summed_clipped_gradients_with_the_noise_added_once(tmp_path):
    mp.start_processes(_release_on_rank, (_free_port(), str(tmp_path)), 2, start_method="spawn")
    first, second = (torch.load(tmp_path / f"release{r}.pt") for r in (0, 1))
    assert torch.equal(first, second)  # every rank applies the same release
    # (1 + 2) / 100: both ranks' sums over the expected batch of both
    assert abs(first.mean().item() - 0.03) < 2e-4
    # N(0, σ²C²) once, over 100: std 0.01 (noise on both ranks would make it 0.0141)
    assert abs(first.std().item() / 0.01 - 1) < 0.02


def test_the_ranks_shards_cover_every_row_once():
    shards = [np.arange(11)[World(rank, 3).shard(11)] for rank in range(3)]
    assert sorted(np.concatenate(shards).tolist()) == list(range(11))


def test_a_dp_refusal_on_rank_0_reaches_every_rank(mixed_frame, tmp_path):
    dp = _private(mixed_frame) | {"privacy": Privacy(epsilon=3.0, delta=0.5)}
    args = (_free_port(), mixed_frame, str(tmp_path), [dp, dp])
    mp.start_processes(_fit_and_save_every_rank, args, nprocs=2, start_method="spawn")
    for rank in (0, 1):  # rank 1 took no statistics: it raises what rank 0 found
        assert (tmp_path / f"error{rank}.txt").read_text().startswith("PrivacyError: delta 0.5")
    with pytest.raises(PrivacyError, match="not below 1/n"):
        Synthesizer(**FAST | dp, distributed=2).fit(mixed_frame)


def test_rank_0_hands_on_its_plan_without_its_secret_entropy(mixed_frame):
    with pin_entropy():
        model = Synthesizer(**FAST | _private(mixed_frame))
        ready = prepare(
            mixed_frame, model.overrides, TableTransformer(), 0, model.privacy, (100, 2)
        )
    handed = ready.plan.without_secrets()
    assert handed.secret is None and handed.encoding_seed is None
    other = handed.with_secrets(np.random.SeedSequence(7))
    assert other.secret.entropy != ready.plan.secret.entropy
    # each rank draws its generated rows and its share of the expected batch
    assert model._gan_config(processes=2).batch_size == FAST["batch_size"] // 2


def test_cli_private_fit_with_two_processes(mixed_frame, tmp_path):
    data, out, kinds = tmp_path / "real.csv", tmp_path / "m.sgm", tmp_path / "kinds.json"
    mixed_frame.to_csv(data, index=False)
    kinds.write_text(json.dumps(declared(mixed_frame)))
    args = ["fit", str(data), "-o", str(out), "--epochs", "2", "--batch-size", "100"]
    private = ["--epsilon", "3", "--delta", "1e-5", "--schema", str(kinds), "--quiet"]
    private += ["--nproc", "2"]
    result = CliRunner().invoke(main, [*args, *private])
    assert result.exit_code == 0, result.output
    model = load(out)
    assert model.fit_info_["processes"] == 2 and model.ledger_.epsilon_spent <= 3.0
