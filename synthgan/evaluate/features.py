"""Two views of the aligned tables: model inputs for scikit-learn, and points for distances."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from synthgan.evaluate.tables import EvalTables

__all__ = ["DistanceSpace", "linear_frame", "linear_pipeline", "model_frame"]

#: HistGradientBoosting takes at most 255 bins, one of them for missing values.
MAX_MODEL_CATEGORIES = 250


def model_frame(
    tables: EvalTables, frame: pd.DataFrame, drop: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Numbers as floats and labels as pandas categories with one shared category list.

    The list is the same for every table, so a model trained on synthetic rows reads real rows
    the same way. Labels beyond the 250 most frequent become missing (HistGradientBoosting's
    limit).
    """
    out = {}
    for column, kind in tables.kinds.items():
        if column in drop:
            continue
        if kind == "numeric":
            out[column] = frame[column].astype("float64")
        else:
            levels = tables.levels[column][:MAX_MODEL_CATEGORIES]
            out[column] = pd.Categorical(frame[column], categories=levels)
    return pd.DataFrame(out, index=frame.index)


def linear_frame(
    tables: EvalTables, frame: pd.DataFrame, drop: tuple[str, ...] = ()
) -> pd.DataFrame:
    """:func:`model_frame` with labels as their shared category codes (missing: -1, a label of
    its own), the input of :func:`linear_pipeline`."""
    x = model_frame(tables, frame, drop)
    for column in x.select_dtypes("category"):
        x[column] = x[column].cat.codes
    return x


def linear_pipeline(tables: EvalTables, final, drop: tuple[str, ...] = ()) -> Pipeline:
    """Numbers median-imputed (with missing indicators) and standardised, labels one-hot, then
    the linear model ``final``: one way for every linear model to read the tables."""
    numeric = [c for c in tables.numeric if c not in drop]
    categorical = [c for c in tables.categorical if c not in drop]
    prepare = ColumnTransformer(
        [
            (
                "numbers",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                ),
                numeric,
            ),
            ("labels", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    return make_pipeline(prepare, final)


class DistanceSpace:
    """Rows as points for nearest-neighbour distances between mixed-type rows.

    A numeric value becomes its quantile in the real table, so an outlier does not dominate and
    units do not matter. A label becomes a vertex of a regular simplex with unit edges (k labels
    need k - 1 coordinates, one fewer than one-hot, and every search costs per coordinate). The
    squared distance between two rows is then the sum of squared quantile gaps plus the number
    of columns whose labels differ. A missing value is a value of its own: a missing number sits
    at the median with an indicator, a missing label is one more label.
    """

    def __init__(self, tables: EvalTables) -> None:
        self.numeric = tables.numeric
        self.sorted = {c: np.sort(tables.real[c].dropna().to_numpy()) for c in self.numeric}
        frames = tables.frames()
        self.with_missing = [c for c in self.numeric if any(t[c].isna().any() for t in frames)]
        self.levels = {}
        for column in tables.categorical:
            levels = list(tables.levels[column])
            if any(t[column].isna().any() for t in frames):
                levels.append(None)  # missing: a label of its own
            self.levels[column] = levels
        self.vertices = {c: simplex(len(v)) for c, v in self.levels.items()}

    @property
    def width(self) -> int:
        labels = sum(v.shape[1] for v in self.vertices.values())
        return len(self.numeric) + len(self.with_missing) + labels

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """A float32 matrix, one row per table row."""
        out = np.zeros((len(frame), self.width), dtype=np.float32)
        at = 0
        for column in self.numeric:
            values = frame[column].to_numpy(dtype=np.float64)
            reference = self.sorted[column]
            if len(reference):
                left = np.searchsorted(reference, values, side="left")
                right = np.searchsorted(reference, values, side="right")
                quantile = (left + right) / (2.0 * len(reference))
            else:
                quantile = np.full(len(values), 0.5)
            missing = np.isnan(values)
            out[:, at] = np.where(missing, 0.5, quantile)
            at += 1
            if column in self.with_missing:
                out[:, at] = missing
                at += 1
        for column, levels in self.levels.items():
            known = [v for v in levels if v is not None]
            codes = pd.Categorical(frame[column], categories=known).codes.astype(np.int64)
            codes[codes < 0] = len(known)  # missing (the last vertex)
            vertices = self.vertices[column]
            out[:, at : at + vertices.shape[1]] = vertices[codes]
            at += vertices.shape[1]
        return out


def simplex(k: int) -> np.ndarray:
    """``k`` points in ``k - 1`` dimensions, every two at distance 1.

    One-hot vectors scaled by 1/sqrt(2) are such points in k dimensions; they lie in the plane
    orthogonal to (1, ..., 1), so an orthonormal basis of that plane drops one coordinate.
    """
    if k <= 1:
        return np.zeros((max(k, 1), 0), dtype=np.float32)
    centred = np.eye(k) - 1.0 / k
    basis = np.linalg.svd(centred)[2][: k - 1]  # the plane's orthonormal basis, as rows
    return (centred @ basis.T / np.sqrt(2)).astype(np.float32)
