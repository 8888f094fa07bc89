"""The audit's parts: canary rows, markers through per-row clipping, the white-box score."""

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST, declared, make_mixed_frame

from synthgan import ConfigError, Privacy, Synthesizer, audit
from synthgan.auditing.attacks import GradientCanaries, _log_likelihood_ratio
from synthgan.auditing.canaries import make_canaries
from synthgan.inference import infer_schema
from synthgan.nn import Discriminator
from synthgan.privacy.plan import declare_public
from synthgan.train.dp import clipped_row_gradients
from synthgan.training import release_watch
from synthgan.transform.coerce import coerce_table


def _typed(df, public=None):
    schema = declare_public(infer_schema(df), public or {})
    return coerce_table(df, schema), schema


def test_canaries_are_distinct_rare_and_at_the_edges():
    df = make_mixed_frame(600)
    table, schema = _typed(df)
    canaries = make_canaries(table, schema, 50, np.random.default_rng(0))
    assert len(canaries) == 50 and not canaries.duplicated().any()
    assert list(canaries.columns) == [c.name for c in schema.learned]
    for name in ("amount", "age", "score"):  # numbers: from the outer 1 % at either end
        low, high = table[name].quantile([0.02, 0.98])
        values = canaries[name].dropna()
        assert ((values <= low) | (values >= high)).all()
        assert set(values) <= set(table[name])
    # categories drawn against their counts: the rarest city is over-represented
    counts = table["city"].value_counts(normalize=True)
    assert (canaries["city"] == counts.idxmin()).mean() > counts.min()


def test_canaries_draw_from_a_public_domain_values_the_table_lacks():
    df = make_mixed_frame(400)
    public = {"city": ["Oslo", "Lima", "Pune", "Kyiv", "Rome", "Baku"], "age": [0, 120]}
    table, schema = _typed(df, public)
    canaries = make_canaries(table, schema, 40, np.random.default_rng(1))
    assert {"Rome", "Baku"} & set(canaries["city"])  # unseen: the rarest values of all
    assert {0, 120} & set(canaries["age"])  # the declared bounds are among the extremes


def test_asking_for_more_canaries_than_the_table_allows_is_refused():
    df = pd.DataFrame({"a": ["x", "y"] * 50, "b": [1.0, 2.0] * 50})
    table, schema = _typed(df)
    with pytest.raises(ConfigError, match="distinct canaries"):
        make_canaries(table, schema, 100, np.random.default_rng(0))


def test_a_marker_counts_in_the_row_norm_and_is_clipped_with_the_row():
    torch.manual_seed(0)
    critic = Discriminator(6, (5, 4), pac=1, dropout=0.0).double()
    rows = torch.randn(8, 6, dtype=torch.float64)
    extra = torch.zeros(8, 3, dtype=torch.float64)
    extra[2, 0], extra[5, 2] = 100.0, 100.0
    plain, plain_norms = clipped_row_gradients(critic, rows, -1.0, None, 1e9)
    summed, norms = clipped_row_gradients(critic, rows, -1.0, None, 1.0, None, extra)
    torch.testing.assert_close(norms**2, plain_norms**2 + (extra**2).sum(1))
    factor = (1.0 / (norms + 1e-6)).clamp(max=1.0)
    torch.testing.assert_close(summed[-1], (factor[:, None] * extra).sum(0))
    assert 0.99 < summed[-1][0] <= 1.0  # a marker of 100 C is cut to C
    # each row's own gradient is scaled by the same factor as its marker
    expected = [torch.zeros_like(g) for g in plain]
    for r in range(len(rows)):
        own, _ = clipped_row_gradients(critic, rows[r : r + 1], -1.0, None, 1e9)
        for total, g in zip(expected, own, strict=True):
            total += factor[r] * g
    for got, want in zip(summed[:-1], expected, strict=True):
        torch.testing.assert_close(got, want)


def test_markers_follow_the_canaries_rows():
    white = GradientCanaries(np.array([4, -1, 0]), n_rows=6, max_grad_norm=2.0, replay_seed=0)
    got = white.markers(np.array([0, 1, 4, 4]))
    assert got.shape == (4, 3)
    assert got[0, 2] == 200.0 and got[2, 0] == 200.0 and got[3, 0] == 200.0
    assert got.sum() == 600.0  # row 1 is no canary; canary 1 was left out


def test_the_white_box_score_grows_with_the_marker_release():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    score = _log_likelihood_ratio(x, 0.1, 1.0)
    assert np.all(np.diff(score) > 0)
    assert _log_likelihood_ratio(np.array([0.5]), 0.1, 1.0)[0] == pytest.approx(0.0, abs=1e-12)
    assert np.isfinite(_log_likelihood_ratio(np.array([1.0, 0.0]), 0.2, 0.0)).all()


def test_audit_refuses_what_it_cannot_check():
    df = make_mixed_frame(200)
    with pytest.raises(ConfigError, match="Privacy"):
        audit(df, Synthesizer(**FAST))
    private = Synthesizer(privacy=Privacy(epsilon=1.0), overrides=declared(df), **FAST)
    for bad in ({"canaries": 3}, {"runs": 0}, {"rows": 0}, {"confidence": 1.0}):
        with pytest.raises(ConfigError):
            audit(df, private, **bad)


def test_an_audit_leaves_the_synthesizer_and_later_fits_alone():
    df = make_mixed_frame(300)
    template = Synthesizer(
        privacy=Privacy(epsilon=2.0), overrides=declared(df), distributed=2, **FAST
    )  # the audit fits in this process: the gradient canaries index its rows
    before = template.get_params()
    result = audit(df, template, canaries=20, rows=200, seed=0)
    assert template.get_params() == before and not hasattr(template, "generator_")
    assert release_watch.get() is None  # nothing watches the next fit
    assert {a.attack for a in result.attacks} >= {"white-box: gradient canaries"}
    assert all(a.guesses <= 2 * 20 for a in result.attacks)
    white = next(a for a in result.attacks if a.attack == "white-box: gradient canaries")
    assert white.auc != 0.5  # the markers were watched (all-zero scores give exactly 0.5)
    assert result.epsilon_spent <= 2.0 and result.rows == 200
