"""The training loop's callbacks: hook order and metrics, the divergence check, the progress bar,
stopping early, the step and time budgets, validation with early stopping, and the DP step
budget that no callback list can drop."""

import numpy as np
import pytest
import torch

from synthgan.conditional import ConditionSpace
from synthgan.encoded import CompactRows, compact_block
from synthgan.errors import TrainingError
from synthgan.spans import Span
from synthgan.train import callbacks
from synthgan.train.callbacks import (
    Budget,
    Callback,
    DivergenceCheck,
    History,
    ProgressBar,
    Validation,
    WeightAverage,
)
from synthgan.train.dp import DPGANTrainer
from synthgan.train.gan import GANConfig, GANTrainer

N, BATCH = 200, 50


def _trainer(private=False, max_steps=10_000):
    """A tiny trainer on one numeric and one three-valued column, with its data and codes."""
    rng = np.random.default_rng(0)
    codes = [rng.integers(0, 3, N)]
    data = np.zeros((N, 5), np.float32)
    data[:, 0] = rng.normal(size=N)
    data[:, 1] = 1
    data[np.arange(N), 2 + codes[0]] = 1
    spans = [Span("x", "value", 0, 1), Span("x", "mode", 1, 1), Span("c", "category", 2, 3)]
    counts = np.bincount(codes[0], minlength=3).astype(float)
    space = ConditionSpace.from_counts(["c"], [3], [2], [counts], N)
    config = GANConfig(
        embedding_dim=4, generator_dim=(8,), discriminator_dim=(8,), batch_size=BATCH, pac=1
    )
    common = {
        "device": torch.device("cpu"),
        "rng": np.random.default_rng(0),
        "torch_generator": torch.Generator().manual_seed(0),
    }
    if not private:
        return (
            GANTrainer(config, spans, space, **common),
            CompactRows(*compact_block(data, spans), tuple(spans)),
            codes,
        )
    trainer = DPGANTrainer(
        config,
        spans,
        space,
        **common,
        noise_multiplier=1.0,
        max_grad_norm=1.0,
        sample_rate=BATCH / N,
        max_steps=max_steps,
        secret=np.random.SeedSequence(0),
    )
    return trainer, CompactRows(*compact_block(data, spans), tuple(spans)), codes


class Recorder(Callback):
    """Writes every hook call, with its argument, to a shared log."""

    def __init__(self, name, log):
        self.name, self.log = name, log

    def on_train_begin(self, trainer):
        self.log.append((self.name, "train_begin", None))

    def on_epoch_begin(self, trainer, epoch):
        self.log.append((self.name, "epoch_begin", epoch))

    def on_epoch_end(self, trainer, metrics):
        self.log.append((self.name, "epoch_end", metrics))

    def on_train_end(self, trainer):
        self.log.append((self.name, "train_end", None))


def test_hooks_run_in_list_order_with_each_epochs_mean_losses(monkeypatch):
    trainer, data, codes = _trainer()
    steps = []
    original = GANTrainer.step

    def step(self):
        losses = original(self)
        steps.append(losses.clone())
        return losses

    monkeypatch.setattr(GANTrainer, "step", step)
    log = []
    trainer.fit(data, codes, 2, [Recorder("a", log), Recorder("b", log)])

    assert [(name, hook) for name, hook, _ in log] == [
        ("a", "train_begin"),
        ("b", "train_begin"),
        *[(n, h) for h in ("epoch_begin", "epoch_end") for n in "ab"],
        *[(n, h) for h in ("epoch_begin", "epoch_end") for n in "ab"],
        ("a", "train_end"),
        ("b", "train_end"),
    ]
    assert [arg for _, hook, arg in log if hook == "epoch_begin"] == [1, 1, 2, 2]
    ends = [arg for name, hook, arg in log if hook == "epoch_end" and name == "a"]
    per_epoch = N // BATCH
    assert len(steps) == 2 * per_epoch
    for epoch, metrics in enumerate(ends, start=1):
        assert list(metrics) == ["epoch", "loss_d", "loss_g", "loss_cond", "grad_g", "seconds"]
        assert metrics["epoch"] == epoch and metrics["seconds"] > 0
        mean = torch.stack(steps[(epoch - 1) * per_epoch : epoch * per_epoch]).mean(0)
        got = [metrics[k] for k in ("loss_d", "loss_g", "loss_cond", "grad_g")]
        assert got == pytest.approx(mean.tolist(), rel=1e-5)


def test_history_keeps_the_metrics_each_epoch_reported():
    trainer, data, codes = _trainer()
    log, history = [], History()
    trainer.fit(data, codes, 3, [history, Recorder("r", log)])
    assert history.records == [arg for _, hook, arg in log if hook == "epoch_end"]
    assert [m["epoch"] for m in history.records] == [1, 2, 3]


@pytest.mark.parametrize("private", [False, True])
def test_the_trainer_lets_go_of_the_real_rows_when_training_ends(private):
    trainer, data, codes = _trainer(private=private)
    trainer.fit(data, codes, 1)
    assert trainer.data is None and getattr(trainer, "row_index", None) is None
    assert getattr(trainer, "codes", None) is None


def test_a_dp_epoch_reports_generator_losses_only_and_no_time():
    trainer, data, codes = _trainer(private=True)
    history = History()
    trainer.fit(data, codes, 2, [history])
    assert [list(m) for m in history.records] == [["epoch", "loss_g", "loss_cond", "grad_g"]] * 2


def test_divergence_check_raises_on_a_nan_loss_with_the_epoch_and_the_metrics():
    trainer, data, codes = _trainer()
    data.values[3, 0] = float(
        "nan"
    )  # one bad value makes the critic's loss NaN from the first step
    log = []
    with pytest.raises(TrainingError) as caught:
        trainer.fit(data, codes, 3, [DivergenceCheck(), Recorder("r", log)])
    message = str(caught.value)
    assert message.startswith("Training diverged in epoch 1 (a loss is not finite: {'epoch': 1,")
    assert "'loss_d': nan" in message
    assert message.endswith(
        "); the model would only produce garbage. Try a smaller learning rate, or check the "
        "table for extreme values."
    )
    # Later callbacks never see the diverged epoch, but every callback is told training ended.
    assert [hook for _, hook, _ in log] == ["train_begin", "epoch_begin", "train_end"]


def test_divergence_check_lets_finite_losses_through():
    DivergenceCheck().on_epoch_end(None, {"epoch": 1, "loss_g": -3.5, "loss_cond": 0.0})
    with pytest.raises(TrainingError, match="epoch 4"):
        DivergenceCheck().on_epoch_end(None, {"epoch": 4, "loss_g": float("inf")})


class StopAfter(Callback):
    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, trainer, metrics):
        if metrics["epoch"] >= self.epochs:
            trainer.stop_training = True


def test_a_callback_can_stop_training_early():
    trainer, data, codes = _trainer()
    history, log = History(), []
    generator = trainer.fit(data, codes, 10, [history, StopAfter(2), Recorder("r", log)])
    assert [m["epoch"] for m in history.records] == [1, 2]
    assert [hook for _, hook, _ in log].count("train_end") == 1
    assert generator is trainer.generator and not generator.training


def test_the_dp_trainer_stops_at_its_step_budget_without_any_callback():
    trainer, data, codes = _trainer(private=True, max_steps=6)  # 4 steps an epoch
    trainer.fit(data, codes, 5)
    assert trainer.steps_taken == 6 and trainer.stopped_by_budget and trainer.stop_training


class KeepGoing(Callback):
    """A callback that tries to overrule every stop."""

    def on_epoch_end(self, trainer, metrics):
        trainer.stop_training = False


def test_no_callback_can_take_the_dp_trainer_past_its_step_budget(monkeypatch):
    trainer, data, codes = _trainer(private=True, max_steps=6)
    taken = []
    original = DPGANTrainer.private_step
    monkeypatch.setattr(
        DPGANTrainer, "private_step", lambda self, rows: taken.append(1) or original(self, rows)
    )
    history = History()
    trainer.fit(data, codes, 5, [KeepGoing(), history])
    assert len(taken) == trainer.steps_taken == 6 and trainer.stopped_by_budget
    # The epoch cut short still reports; the epochs after it take no step and report nothing.
    assert [m["epoch"] for m in history.records] == [1, 2]


@pytest.mark.parametrize("private", [False, True])
def test_the_progress_bar_counts_epochs_and_shows_time_only_outside_dp(capsys, private):
    trainer, data, codes = _trainer(private=private)
    trainer.fit(data, codes, 2, [ProgressBar(enabled=True)])
    shown = capsys.readouterr().err
    assert "Training:" in shown and "/2 " in shown and "loss_g=" in shown
    if private:  # redrawn at every update (a timed bar redraws at most every 0.1 s)
        assert "1/2 epoch, loss_g=" in shown and "2/2 epoch, loss_g=" in shown
    assert ("loss_d=" in shown) is not private
    assert ("epoch/s" in shown or "s/epoch" in shown) is not private
    assert ("[00:" in shown) is not private


def test_a_disabled_progress_bar_prints_nothing(capsys):
    trainer, data, codes = _trainer()
    trainer.fit(data, codes, 1, [ProgressBar(enabled=False)])
    assert capsys.readouterr().err == ""


def test_the_step_budget_stops_mid_epoch_at_exactly_its_steps():
    trainer, data, codes = _trainer()  # 4 steps an epoch
    history, budget = History(), Budget(max_steps=7)
    trainer.fit(data, codes, 10, [history, budget])
    assert trainer.global_step == 7 and budget.reason == "step budget (7 steps)"
    assert [m["epoch"] for m in history.records] == [1, 2]  # the cut-short epoch still reports


def test_the_time_budget_stops_when_the_clock_runs_out(monkeypatch):
    clock = iter(range(1000))  # each reading of the clock (here and in the trainer): 1 s later
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: float(next(clock)))
    trainer, data, codes = _trainer()
    budget = Budget(max_seconds=5)
    trainer.fit(data, codes, 10, [budget])  # 40 steps without the budget
    assert 1 < trainer.global_step <= 5 and budget.reason == "time budget (5 s)"


class Scripted:
    """A validation score that follows a script, and the generator weights each score saw."""

    def __init__(self, fidelities):
        self.fidelities, self.seen, self.modes = list(fidelities), [], []

    def __call__(self, generator):
        self.modes.append(generator.training)
        self.seen.append({k: v.clone() for k, v in generator.state_dict().items()})
        return {"fidelity": self.fidelities[len(self.seen) - 1]}


def test_validation_stops_after_patience_and_restores_the_best_generator():
    trainer, data, codes = _trainer()
    score = Scripted([0.1, 0.5, 0.3, 0.501, 0.2, 0.9])
    history, validation = History(), Validation(score, every=2, patience=3)
    generator = trainer.fit(data, codes, 10, [history, validation])
    # Best at the 2nd validation (step 4); 0.501 is not better by min_delta: three misses stop.
    assert trainer.global_step == 10 and validation.stopped_early
    assert [r["step"] for r in validation.records] == [2, 4, 6, 8, 10]
    assert validation.best == {"step": 4, "fidelity": 0.5}
    assert score.modes == [False] * 5 and not generator.training  # scored in eval mode
    best = score.seen[1]
    assert all(torch.equal(v, best[k]) for k, v in generator.state_dict().items())
    assert any(not torch.equal(v, score.seen[-1][k]) for k, v in best.items())
    assert [m.get("val_fidelity") for m in history.records] == [0.5, 0.501, 0.2]
    assert validation.summary()["best_step"] == 4


def test_validation_scores_the_last_generator_when_training_ends_between_validations():
    trainer, data, codes = _trainer()
    score = Scripted([0.1, 0.2])
    validation = Validation(score, every=5, patience=None)
    generator = trainer.fit(data, codes, 2, [validation])  # 8 steps: validated at 5 and 8
    assert [r["step"] for r in validation.records] == [5, 8]
    assert all(torch.equal(v, score.seen[1][k]) for k, v in generator.state_dict().items())


def test_a_step_reports_the_generators_gradient_norm():
    trainer, data, codes = _trainer()
    trainer._setup(data, codes)  # the networks and the rows, as fit builds them
    losses = trainer.step()
    grads = [p.grad.flatten() for p in trainer.generator.parameters() if p.grad is not None]
    assert losses[-1].item() == pytest.approx(torch.cat(grads).norm().item(), rel=1e-5)
    assert losses[-1].item() > 0


class LiveWeights(Callback):
    """The live generator's weights before training and after every step."""

    def on_train_begin(self, trainer):
        self.initial = [p.detach().clone() for p in trainer.generator.parameters()]
        self.seen = []

    def on_step_end(self, trainer):
        self.seen.append([p.detach().clone() for p in trainer.generator.parameters()])


def test_the_weight_average_is_the_generator_training_returns():
    trainer, data, codes = _trainer()
    live, decay = LiveWeights(), 0.9
    generator = trainer.fit(data, codes, 2, [live, WeightAverage(decay)])
    expected = live.initial
    for t, weights in enumerate(live.seen, start=1):
        w = 1 - min(decay, (1 + t) / (10 + t))  # the warm-up: 2/11 kept after step 1
        expected = [e + w * (x - e) for e, x in zip(expected, weights, strict=True)]
    got = list(generator.parameters())
    assert all(torch.allclose(g, e, atol=1e-6) for g, e in zip(got, expected, strict=True))
    assert not all(torch.equal(g, x) for g, x in zip(got, live.seen[-1], strict=True))
    assert trainer.kept_generator is generator


def test_validation_scores_the_averaged_generator():
    trainer, data, codes = _trainer()
    score = Scripted([0.5, 0.4])
    average = WeightAverage(0.9)
    generator = trainer.fit(data, codes, 2, [average, Validation(score, every=4, patience=None)])
    # The first validation (step 4, the best) saw the average, not the live weights.
    kept = score.seen[0]
    assert all(torch.equal(v, kept[k]) for k, v in generator.state_dict().items())


def test_the_best_generator_is_kept_whichever_callback_ends_first():
    trainer, data, codes = _trainer()
    score = Scripted([0.5, 0.1])
    # Validation before the average: the average, ending after it, must not undo the choice.
    generator = trainer.fit(
        data, codes, 2, [Validation(score, every=4, patience=None), WeightAverage(0.9)]
    )
    assert all(torch.equal(v, score.seen[0][k]) for k, v in generator.state_dict().items())


def test_the_final_validation_does_not_count_as_patience():
    trainer, data, codes = _trainer()
    validation = Validation(Scripted([0.5, 0.1]), every=5, patience=1)
    trainer.fit(data, codes, 2, [validation])  # 8 steps: validated at 5, then 8 at the end
    assert [r["step"] for r in validation.records] == [5, 8] and not validation.stopped_early


def test_a_failed_fit_is_not_scored_at_its_end():
    trainer, data, codes = _trainer()
    data.values[3, 0] = float("nan")
    score = Scripted([0.5])
    with pytest.raises(TrainingError):
        trainer.fit(data, codes, 3, [DivergenceCheck(), Validation(score, every=100, patience=1)])
    assert score.seen == [] and not trainer.completed
