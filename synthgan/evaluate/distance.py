"""Distance-based privacy risk: how close synthetic rows sit to the rows they were learned from.

The reference point is the holdout, real rows the generator never saw. If the generator does not
memorise, a synthetic row is no closer to the training rows than to the holdout rows: by
exchangeability, the share of synthetic rows whose nearest real row is a training row is then
n_train / (n_train + n_holdout) (one half when the two are the same size). That expected share is
reported beside the measured one; this is the holdout-size correction.

On large tables the distances are measured for a uniform sample of the synthetic rows
(``DISTANCE_ROWS``), each searched against every training and holdout row, so each measured
distance is exact; the shares and quantiles are then estimates, and the report gives the
sample's size and the DCR share's 95 % margin. Exact copies are counted on every row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.evaluate.neighbours import nearest_distances
from synthgan.evaluate.tables import EvalTables

__all__ = ["distance_risks"]

#: The holdout's own distances to the training rows (the baseline) are read from at most this
#: many holdout rows; they describe a distribution, which a sample estimates well.
BASELINE_ROWS = 5000
#: Synthetic rows whose nearest real rows are searched, at most: a brute-force search is exact
#: but grows with synthetic × real rows (1M × 1M took about an hour on 2 cores); 100,000 rows
#: estimate the DCR share within about ±0.003.
DISTANCE_ROWS = 100_000
QUANTILES = np.linspace(0, 1, 101)


def row_keys(frame: pd.DataFrame) -> np.ndarray:
    """One hash per row of an aligned table; equal rows, missing values included, hash equal."""
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def distance_risks(
    tables: EvalTables,
    encoded: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> tuple[dict[str, float], dict[str, Any], dict[str, str]]:
    """Scores, details for the report, and the metrics that do not apply (with why)."""
    scores: dict[str, float] = {}
    not_applicable: dict[str, str] = {}
    train_keys = row_keys(tables.real)
    scores["exact_copy_rate"] = float(np.isin(row_keys(tables.synthetic), train_keys).mean())
    if len(tables.real) < 2:
        not_applicable["dcr"] = "the real table needs two rows or more for nearest-neighbour ratios"
        return scores, {}, not_applicable

    synthetic = encoded["synthetic"]
    if len(synthetic) > DISTANCE_ROWS:
        synthetic = synthetic[np.sort(rng.choice(len(synthetic), DISTANCE_ROWS, replace=False))]
    to_train = nearest_distances(synthetic, encoded["real"], k=2)
    scores["dcr_p5"] = float(np.quantile(to_train[:, 0], 0.05))
    scores["nndr_median"] = float(np.median(_nndr(to_train)))
    details: dict[str, Any] = {
        "dcr_quantiles": {"synthetic": np.quantile(to_train[:, 0], QUANTILES).tolist()},
        "distance_scale": "sqrt(sum of squared quantile gaps + number of differing labels)",
        "synthetic_rows_measured": len(synthetic),
        "synthetic_rows": len(encoded["synthetic"]),
    }
    if tables.holdout is None:
        for name in ("dcr_share", "holdout_copy_rate", "holdout_dcr_p5"):
            not_applicable[name] = "needs a holdout table (real rows not used for training)"
        return scores, details, not_applicable

    scores["holdout_copy_rate"] = float(np.isin(row_keys(tables.holdout), train_keys).mean())
    to_holdout = nearest_distances(synthetic, encoded["holdout"], k=1)
    closer = to_train[:, 0] < to_holdout[:, 0]
    tied = to_train[:, 0] == to_holdout[:, 0]
    scores["dcr_share"] = float(closer.mean() + 0.5 * tied.mean())
    details["dcr_share_margin"] = _margin(
        scores["dcr_share"], len(synthetic), len(encoded["synthetic"])
    )
    scores["dcr_share_expected"] = len(tables.real) / (len(tables.real) + len(tables.holdout))

    rows = rng.permutation(len(tables.holdout))[:BASELINE_ROWS]
    baseline = nearest_distances(encoded["holdout"][rows], encoded["real"], k=2)
    scores["holdout_dcr_p5"] = float(np.quantile(baseline[:, 0], 0.05))
    scores["holdout_nndr_median"] = float(np.median(_nndr(baseline)))
    details["dcr_quantiles"]["holdout"] = np.quantile(baseline[:, 0], QUANTILES).tolist()
    details["baseline_rows"] = len(rows)
    return scores, details, not_applicable


def _margin(share: float, measured: int, rows: int) -> float:
    """The 95 % margin of a share measured on ``measured`` of ``rows`` rows drawn without
    replacement (Agresti-Coull, which stays honest at a share of 0 or 1; 0 when every row was
    measured)."""
    adjusted = (share * measured + 2) / (measured + 4)
    finite = 1 - measured / rows
    return float(1.96 * np.sqrt(adjusted * (1 - adjusted) / (measured + 4) * finite))


def _nndr(distances: np.ndarray) -> np.ndarray:
    """Nearest over second-nearest distance; 1 where both are 0 (a row the data holds twice)."""
    first, second = distances[:, 0], distances[:, 1]
    return np.divide(first, second, out=np.ones_like(first), where=second > 0)
