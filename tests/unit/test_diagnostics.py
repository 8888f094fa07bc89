"""Fit diagnostics: lost categories and modes named, duplicate rates compared, unstable training
noticed, and what the model file, `synthgan info` and the log say about them."""

import logging

import numpy as np
import pytest

from synthgan.diagnostics import diagnose, stability_warnings


def _soft_index(model, column, role):
    soft = [s for s in model.transformer_.spans_ if s.is_softmax]
    return next(i for i, s in enumerate(soft) if s.column == column and s.role == role)


def test_a_model_that_covers_the_table_gets_no_warning(fitted_mixed):
    diagnostics = fitted_mixed.fit_info_["diagnostics"]
    assert set(diagnostics["coverage"]) == {c.name for c in fitted_mixed.schema_.learned}
    assert diagnostics["rows"] == 400 and diagnostics["real_duplicate_rate"] == 0.0
    assert diagnostics["lost"] == [] and diagnostics["warnings"] == []
    assert all(share == 1.0 for share in diagnostics["coverage"].values())


def test_a_category_the_generator_never_makes_is_named_and_warned_about(
    fitted_mixed, monkeypatch, caplog
):
    engine = fitted_mixed._engine()
    i = _soft_index(fitted_mixed, "city", "category")
    kyiv = fitted_mixed.transformer_.encoder("city").kept.index("Kyiv")
    draw_rows = engine.draw_rows

    def without_kyiv(*args, **kwargs):
        values, draws = draw_rows(*args, **kwargs)
        draws[draws[:, i] == kyiv, i] = (kyiv + 1) % 4  # every Kyiv row becomes another city
        return values, draws

    monkeypatch.setattr(engine, "draw_rows", without_kyiv)
    with caplog.at_level(logging.WARNING, logger="synthgan.diagnostics"):
        out = diagnose(engine, fitted_mixed.history_, 400, seed=0, real_duplicate_rate=0.0)
    # Four cities and the missing slot hold >= 0.1 % of the rows; Kyiv is the one lost.
    assert out["coverage"]["city"] == pytest.approx(4 / 5)
    (lost,) = [c for c in out["lost"] if c["cell"].startswith("city=")]
    assert lost["cell"] == "city=Kyiv" and lost["generated_share"] == 0.0
    assert lost["real_share"] == pytest.approx(0.1, abs=0.04)  # its share among the real rows
    assert any("rarely makes" in w and "city=Kyiv" in w for w in out["warnings"])
    assert "city=Kyiv" in caplog.text


def test_a_lost_numeric_mode_lowers_that_columns_coverage(fitted_mixed, monkeypatch):
    engine = fitted_mixed._engine()
    i = _soft_index(fitted_mixed, "amount", "mode")
    weights = fitted_mixed.transformer_.encoder("amount").modes.weights
    assert (weights >= 0.001).sum() >= 2  # the bimodal column has two real modes at least
    heaviest = int(np.argmax(weights))
    draw_rows = engine.draw_rows

    def one_mode(*args, **kwargs):
        values, draws = draw_rows(*args, **kwargs)
        draws[:, i] = heaviest
        return values, draws

    monkeypatch.setattr(engine, "draw_rows", one_mode)
    out = diagnose(engine, [], 400, seed=0, real_duplicate_rate=None)
    assert out["coverage"]["amount"] == pytest.approx(1 / (weights >= 0.001).sum())
    assert any(c["cell"].startswith("amount=(mode near") for c in out["lost"])


def test_repeated_generated_rows_are_flagged_against_the_real_rate(fitted_mixed, monkeypatch):
    engine = fitted_mixed._engine()
    draw_rows = engine.draw_rows

    def one_row(n, *args, **kwargs):
        values, draws = draw_rows(n, *args, **kwargs)
        return np.repeat(values[:1], n, 0), np.repeat(draws[:1], n, 0)

    monkeypatch.setattr(engine, "draw_rows", one_row)
    out = diagnose(engine, [], 400, seed=0, real_duplicate_rate=0.0)
    assert out["duplicate_rate"] > 0.9
    assert any("repeat another generated row" in w for w in out["warnings"])
    # Under DP there is no real rate to compare with, so no such warning.
    private = diagnose(engine, [], 400, seed=0, real_duplicate_rate=None)
    assert not any("repeat another" in w for w in private["warnings"])


def _history(loss_g):
    return [
        {"epoch": e + 1, "loss_g": v, "loss_d": 0.3, "grad_g": 1.0} for e, v in enumerate(loss_g)
    ]


def test_a_loss_that_grows_tenfold_is_called_unstable():
    steady = np.r_[np.full(20, 2.0), np.linspace(2, 3, 20)]
    assert stability_warnings(_history(steady)) == []
    diverged = np.r_[np.full(20, 0.8), np.linspace(1, 40, 20)]
    (warning,) = stability_warnings(_history(diverged))
    assert warning.startswith("Training looks unstable: loss_g grew from about 0.8 to ")
    small = np.r_[np.full(20, 0.001), np.full(20, 0.4)]  # far more than tenfold, but small
    assert stability_warnings(_history(small)) == []
    # A loss crossing zero in the second quarter is not small there: its spread counts.
    crossing = np.r_[np.full(10, 0.5), np.linspace(-2, 2, 10), np.linspace(2, 3, 20)]
    assert stability_warnings(_history(crossing)) == []
    assert stability_warnings(_history([0.1, 100.0])) == []  # too short to say
