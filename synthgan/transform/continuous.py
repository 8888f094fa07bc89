"""Mode-specific normalisation of a continuous column (CTGAN's encoding, fitted fast).

A variational Gaussian mixture finds the modes of the column; each value is then written as the
one-hot of a mode sampled from its posterior plus a scalar ``(x - mean) / (4 * std)`` of that mode.
The mixture is fitted on a bounded subsample, which keeps preprocessing to well under a second per
column however large the table is; the encoding itself is vectorised over all rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

from synthgan.datetimes import datetime_to_seconds, seconds_to_datetime
from synthgan.errors import DataError
from synthgan.schema import Column
from synthgan.spans import Span
from synthgan.transform.dtypes import restore_datetimes, restore_dtype
from synthgan.transform.summaries import NumericSummary

#: Moves decoded values (with a random source): a marginal map's ``apply``.
Remap = Callable[[np.ndarray, np.random.Generator], np.ndarray]

__all__ = ["ContinuousEncoder", "ModeNormalizer", "fit_modes"]

#: Modes whose mixture weight falls below this are dropped, as in CTGAN.
MIN_MODE_WEIGHT = 0.005
#: A single value with at least this share of a column gets a point-mass mode of its own...
SPIKE_SHARE = 0.05
#: ...and so does one with at least this share (and ``MIN_SPIKE_ROWS`` rows) that stands out from
#: its neighbours: ``SPIKE_RATIO`` times the lower quartile of the shares of the
#: ``SPIKE_NEIGHBOURS`` nearest values on each side (30 or 35 weekly hours, 15024 in capital
#: gains; not one age among many as common, whose neighbours are as common)...
MIN_SPIKE_SHARE = 0.002
MIN_SPIKE_ROWS = 10
SPIKE_RATIO = 4.0
SPIKE_NEIGHBOURS = 3
#: ...for at most this many values per column, the most common first, counted on at most this
#: many values.
MAX_SPIKES = 30
SPIKE_SUBSAMPLE = 100_000
_SCALE = 4.0
#: A mixture mode narrower than this share of the column's largest magnitude, with at least
#: ``POINT_SHARE`` of its weight on one value, is a point mass at that value.
POINT_WIDTH = 1e-3
POINT_SHARE = 0.99


@dataclass(frozen=True)
class ModeNormalizer:
    """The learned modes of one column; ``decode`` inverts ``encode`` exactly for every value
    within four widths of a mode (others are clipped there: see ``encode``)."""

    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray

    @property
    def n_modes(self) -> int:
        return len(self.means)

    def encode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Return the scalar and the mode index of every value of ``x`` (1-D, no NaN).

        A value equal to a point-mass mode (width 0) takes that mode with scalar 0; any other
        value samples a mode from its posterior over the Gaussian modes.
        """
        point = self.stds == 0
        width = np.where(point, 1.0, self.stds)
        if point.all():  # only point masses: an unseen value takes the nearest one
            mode = _draw(-np.abs(x[:, None] - self.means[None, :]), rng)
        else:  # the posterior over the Gaussian modes alone (point masses take only their value)
            gauss = np.flatnonzero(~point)
            z = (x[:, None] - self.means[gauss]) / width[gauss]
            mode = gauss[_draw(np.log(self.weights[gauss] / width[gauss]) - 0.5 * z**2, rng)]
        points = np.flatnonzero(point)
        if len(points):
            order = points[np.argsort(self.means[points], kind="stable")]
            at = np.minimum(np.searchsorted(self.means[order], x), len(order) - 1)
            hit = self.means[order][at] == x
            mode[hit] = order[at[hit]]
        scalar = (x - self.means[mode]) / (_SCALE * width[mode])
        scalar[point[mode]] = 0.0
        # The generator's tanh cannot go past ±1: a value that far from every mode (under DP,
        # a value the noisy histogram missed) is shown to the critic at the nearest reachable one.
        return np.clip(scalar, -1.0, 1.0), mode

    def decode(self, scalar: np.ndarray, mode: np.ndarray) -> np.ndarray:
        return scalar * _SCALE * self.stds[mode] + self.means[mode]

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k).tolist() for k in ("means", "stds", "weights")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModeNormalizer:
        return cls(*(np.asarray(data[k], dtype=float) for k in ("means", "stds", "weights")))


def _draw(log_weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One column index per row, drawn with probability proportional to ``exp(log_weights)``."""
    # Floored: far-off modes would otherwise make exp() return subnormals, which are slow.
    relative = np.maximum(log_weights - log_weights.max(axis=1, keepdims=True), -60.0)
    cdf = np.cumsum(np.exp(relative), axis=1)
    u = rng.random(len(cdf))[:, None] * cdf[:, -1:]
    return np.minimum((cdf < u).sum(axis=1), cdf.shape[1] - 1)


def fit_modes(
    x: np.ndarray, *, max_modes: int = 10, subsample: int = 5_000, seed: int = 0
) -> ModeNormalizer:
    """Fit the modes of ``x`` (1-D, finite): the mixture on at most ``subsample`` values.

    Values common on their own (0 in capital gains, 40 weekly hours) or far more common than
    their neighbours (35 hours) become point-mass modes that decode to exactly that value; the
    mixture models the rest. Without this, a spike is smeared over a Gaussian and its value is
    rarely reproduced: on Adult, weekly hours alone told synthetic rows from real ones with AUC
    0.71, as most of 30, 35, 55 and 60 hours came out as 29-31 or 54-61.
    """
    rng = np.random.default_rng(seed)
    if len(x) > SPIKE_SUBSAMPLE:
        x = rng.choice(x, SPIKE_SUBSAMPLE, replace=False)
    spikes, spike_share = _spikes(x)
    scale = float(np.abs(x).max()) or 1.0
    means, stds, weights = [spikes], [np.zeros(len(spikes))], [spike_share]
    rest = x[~np.isin(x, spikes)]
    rest_share = len(rest) / len(x)
    if len(rest) > subsample:
        rest = rng.choice(rest, subsample, replace=False)
    if len(np.unique(rest)) == 1:
        means.append(rest[:1])
        stds.append(np.zeros(1))
        weights.append(np.array([rest_share]))
    elif len(rest) > 1:
        m, sd, w = _mixture(rest, min(max_modes, len(np.unique(rest))), scale, rng)
        means.append(m)
        stds.append(sd)
        weights.append(w * rest_share)
    weights_all = np.concatenate(weights)
    return ModeNormalizer(
        np.concatenate(means), np.concatenate(stds), weights_all / weights_all.sum()
    )


def _spikes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values of ``x`` that get point-mass modes (sorted), and their shares."""
    values, counts = np.unique(x, return_counts=True)
    share = counts / len(x)
    k = SPIKE_NEIGHBOURS
    padded = np.pad(share, k, constant_values=np.nan)
    around = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)
    around = np.delete(around, k, axis=1)  # the value itself
    has_neighbours = ~np.isnan(around).all(axis=1)
    level = np.full(len(share), np.inf)
    if has_neighbours.any():
        level[has_neighbours] = np.nanquantile(around[has_neighbours], 0.25, axis=1)
    common = counts >= max(MIN_SPIKE_ROWS, MIN_SPIKE_SHARE * len(x))
    spike = (share >= SPIKE_SHARE) | (common & (share >= SPIKE_RATIO * level))
    chosen = np.flatnonzero(spike)
    chosen = np.sort(chosen[np.argsort(-share[chosen], kind="stable")[:MAX_SPIKES]])
    return values[chosen], share[chosen]


def _mixture(
    x: np.ndarray, n_components: int, scale: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, widths and weights of the modes a variational Gaussian mixture keeps."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture = BayesianGaussianMixture(
            n_components=n_components,
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001,
            n_init=1,
            max_iter=100,
            random_state=int(rng.integers(2**31 - 1)),
        ).fit((x / scale).reshape(-1, 1))
    keep = mixture.weights_ > MIN_MODE_WEIGHT
    # Re-estimate each kept mode from its responsibilities, without the covariance regulariser,
    # which would otherwise set a floor on every width relative to the column's largest value.
    post = mixture.predict_proba((x / scale).reshape(-1, 1))[:, keep]
    mass = post.sum(axis=0)
    means = (post * x[:, None]).sum(axis=0) / mass
    stds = np.sqrt((post * (x[:, None] - means) ** 2).sum(axis=0) / mass)
    # A mode whose points (almost) all share one value is a point mass at that value. Left with
    # a width like 1e-11, it would encode any value the posterior sends to it as a scalar of
    # 1e10 or more (seen on DP histograms of small integer columns, whose draws are integers).
    # Narrow alone is not enough: a mode over 0 and 1 in a column reaching 500 is narrow too,
    # and made a point mass it decoded every 1 as 0.
    nearest = np.abs(x[:, None] - means[None, :]).argmin(axis=0)
    at_nearest = (post * (x[:, None] == x[nearest][None, :])).sum(axis=0) / mass
    point = (stds <= POINT_WIDTH * scale) & (at_nearest >= POINT_SHARE)
    means[point], stds[point] = x[nearest][point], 0.0
    return means, stds, mass / mass.sum()


@dataclass
class ContinuousEncoder:
    """Encode a numeric, integer or datetime column: value scalar, mode one-hot, missing flag.

    Encoding clips to the column's bounds; decoding clips too, rounds integers (and floats to
    the number of decimals the data was written with), and turns seconds back into datetimes.
    ``impute`` is what a missing value becomes when the column is not nullable, which happens
    only under differential privacy (a DP count found too few missing values to model).
    """

    column: Column
    modes: ModeNormalizer
    impute: float | None = None

    @classmethod
    def fit(cls, column: Column, series: pd.Series, *, max_modes: int, subsample: int, seed: int):
        return cls(
            column,
            fit_modes(
                to_float(series, column), max_modes=max_modes, subsample=subsample, seed=seed
            ),
        )

    @classmethod
    def from_summary(
        cls, column: Column, summary: NumericSummary, *, max_modes: int, subsample: int, seed: int
    ) -> ContinuousEncoder:
        """Fit the modes on points drawn from a DP histogram (post-processing: no raw values)."""
        rng = np.random.default_rng(seed)
        points = summary.pseudo_sample(subsample, rng)
        modes = fit_modes(points, max_modes=max_modes, subsample=subsample, seed=seed)
        return cls(column, modes, None if column.nullable else summary.median())

    @property
    def width(self) -> int:
        return 1 + self.modes.n_modes + (2 if self.column.nullable else 0)

    def spans(self, start: int) -> list[Span]:
        name = self.column.name
        spans = [Span(name, "value", start, 1), Span(name, "mode", start + 1, self.modes.n_modes)]
        if self.column.nullable:
            spans.append(Span(name, "missing", start + 1 + self.modes.n_modes, 2))
        return spans

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return self._encode_floats(to_float(series, self.column, keep_missing=True), rng)

    def encode_draws(
        self, values: np.ndarray, draws: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """What :meth:`encode` gives the values these draws decode to, without building them
        (a datetime column takes the round trip: its rounding is pandas')."""
        x = self._decoded_floats(values, draws, None, None)
        if self.column.kind == "datetime":
            x = datetime_to_seconds(seconds_to_datetime(x, self.column.datetime_unit, "x"))
        return self._encode_floats(x, rng)

    def _encode_floats(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Encode float values (datetimes as seconds), NaN for missing."""
        missing = np.isnan(values)
        if self.column.bounds is not None:
            values = np.clip(values, *self.column.bounds)
        if missing.any() and not self.column.nullable and self.impute is not None:
            values = np.where(missing, self.impute, values)
            missing[:] = False
        if missing.any() and not self.column.nullable:
            raise DataError(
                f"Column {self.column.name!r} has missing values but had none when fitted."
            )
        out = np.zeros((len(values), self.width), dtype=np.float32)
        scalar, mode = self.modes.encode(np.where(missing, self.modes.means[0], values), rng)
        rows = np.arange(len(values))
        with np.errstate(over="ignore"):  # an overflow is reported by fit's finiteness check
            out[:, 0] = scalar
        out[rows, 1 + mode] = 1.0
        if self.column.nullable:
            out[rows, 1 + self.modes.n_modes + missing.astype(int)] = 1.0
        return out

    def generated_values(self, values: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """The values generated rows decode to before clipping and rounding, missing ones left
        out: what a marginal map (``synthgan.postprocess.marginals``) is fitted on."""
        x = self.modes.decode(values[:, 0].astype(float), draws[:, 0])
        return x[draws[:, 1] == 0] if self.column.nullable else x

    def decode_draws(
        self,
        values: np.ndarray,
        draws: np.ndarray,
        rng: np.random.Generator,
        remap: Remap | None = None,
    ) -> pd.Series:
        """Decode from the value scalar and the drawn mode (and missing flag) of each row;
        ``remap`` moves the decoded values before they are clipped and rounded."""
        x = self._decoded_floats(values, draws, rng, remap)
        column = self.column
        if column.kind == "datetime":
            return restore_datetimes(
                seconds_to_datetime(x, column.datetime_unit, column.name), column
            )
        return restore_dtype(pd.Series(x, name=column.name), column, np.isnan(x))

    def _decoded_floats(
        self,
        values: np.ndarray,
        draws: np.ndarray,
        rng: np.random.Generator | None,
        remap: Remap | None,
    ) -> np.ndarray:
        """Decoded values as floats, clipped and rounded, NaN where the missing flag is drawn."""
        x = self.modes.decode(values[:, 0].astype(float), draws[:, 0])
        if remap is not None:
            x = remap(x, rng)
        column = self.column
        if column.bounds is not None:
            x = np.clip(x, *column.bounds)
        if column.kind == "integer":
            x = np.round(x)
        elif column.kind == "numeric" and column.decimals is not None:
            x = np.round(x, column.decimals)
        if column.nullable:
            x[draws[:, 1] == 1] = np.nan
        return x

    def to_dict(self) -> dict[str, Any]:
        return {"modes": self.modes.to_dict(), "impute": self.impute}

    @classmethod
    def from_dict(cls, column: Column, data: dict[str, Any]) -> ContinuousEncoder:
        return cls(column, ModeNormalizer.from_dict(data["modes"]), data.get("impute"))


def to_float(series: pd.Series, column: Column, keep_missing: bool = False) -> np.ndarray:
    """The column as float64 (datetimes as seconds since the epoch)."""
    if column.kind == "datetime":
        values = datetime_to_seconds(series)
    else:
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    return values if keep_missing else values[~np.isnan(values)]
