"""The report's figures, drawn with matplotlib from the report's own details (no tables needed)
and returned as PNG data URIs so the HTML file has no outside references.

Every figure is drawn at the size the page shows it (:data:`WIDTH` at :data:`DPI`: 370 pixels,
which fits a 400-pixel phone screen unscaled), so a 9-point tick label is 12 pixels on screen.
Legends sit outside the axes, never over the bars, and each PNG is stored with a reduced palette
to keep the page small.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from synthgan.datetimes import seconds_text

__all__ = [
    "column_plot",
    "dcr_plot",
    "fairness_plot",
    "mia_plot",
    "pair_heatmap",
    "training_plots",
    "utility_plot",
]

REAL, SYNTHETIC, HOLDOUT = "#4C72B0", "#DD8452", "#55A868"
#: Sensitive groups' colours: none is real's or synthetic's, which mean something else here.
GROUPS = ("#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD")
DPI = 100
#: A figure's width in inches: 370 px at DPI, the width the page shows it at.
WIDTH = 3.7
#: Font sizes in points; at DPI a point is 1.39 px, so ticks are about 12 px tall on screen.
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: The utility metrics' names on the axis.
MEASURES = {"accuracy": "accuracy", "f1": "macro F1", "auc": "ROC AUC", "r2": "R²"}
#: Longest label drawn on an axis; longer ones are cut with an ellipsis.
LABEL_CHARS = 18


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    matplotlib.use("Agg", force=False)  # no display; never opens a window
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        yield


def _figure(height: float, width: float = WIDTH, columns: int = 1):
    import matplotlib.pyplot as plt

    return plt.subplots(1, columns, figsize=(width, height), dpi=DPI, layout="constrained")


def _uri(fig) -> str:
    """The figure as a PNG data URI with a 256-colour palette (half the bytes, same look)."""
    import matplotlib.pyplot as plt
    from PIL import Image

    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=DPI)
    plt.close(fig)
    raw.seek(0)
    image = Image.open(raw).convert("RGB").quantize(colors=256)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _compact(value: float, _position: Any = None) -> str:
    """A tick value in at most about five characters: 1500, 25k, 2.3M."""
    for limit, scale, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(value) >= limit:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.4g}"


def _legend_above(ax, columns: int = 2) -> None:
    """The legend in a row above the axes, right-aligned, where it can cover nothing."""
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=columns, borderaxespad=0.2)


def _percent_axis(axis, top: float = 1.0) -> None:
    """Shares as percentages, whole ones unless the axis ends below 3%."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0 if top >= 0.03 else 1))


def column_plot(name: str, column: dict[str, Any]) -> str:
    """Real against synthetic: a histogram (filled) under a step line for numbers, paired
    horizontal bars for labels (readable without rotation)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with _style():
        if column["kind"] == "numeric":
            fig, ax = _figure(2.6)
            edges = np.asarray(column["edges"])
            ax.stairs(column["real"], edges, fill=True, color=REAL, alpha=0.45, label="real")
            ax.stairs(column["synthetic"], edges, color=SYNTHETIC, lw=1.6, label="synthetic")
            if column.get("integer") and len(edges) <= 16 and edges[1] - edges[0] == 1:
                ax.set_xticks(edges[:-1] + 0.5)  # one bar per value: label each
            else:
                ticks = 3 if column.get("dates") else 5  # a date label is ten characters wide
                ax.xaxis.set_major_locator(MaxNLocator(ticks, integer=column.get("integer", False)))
            ax.xaxis.set_major_formatter(
                FuncFormatter(seconds_text if column.get("dates") else _compact)
            )
            ax.set_xlabel("value")
            ax.set_ylabel("share of rows")
            _percent_axis(ax.yaxis, max(column["real"] + column["synthetic"], default=1.0))
        else:
            labels = column["labels"]
            fig, ax = _figure(1.3 + 0.32 * len(labels))
            at = np.arange(len(labels))
            ax.barh(at - 0.2, column["real"], 0.4, label="real", color=REAL)
            ax.barh(at + 0.2, column["synthetic"], 0.4, label="synthetic", color=SYNTHETIC)
            ax.set_yticks(at, [_short(label) for label in labels])
            ax.invert_yaxis()  # the commonest label on top
            ax.set_xlabel("share of rows")
            _percent_axis(ax.xaxis, max(column["real"] + column["synthetic"], default=1.0))
            ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_title(_short(name))
        fig.legend(loc="outside lower center", ncols=2)  # below: a long title needs the top row
        return _uri(fig)


def pair_heatmap(columns: list[str], pairs: list[list]) -> str:
    """1 − SDMetrics' pair-trend score for each column pair: 0 where the association is kept."""
    index = {c: i for i, c in enumerate(columns)}
    matrix = np.full((len(columns), len(columns)), np.nan)
    for a, b, score in pairs:
        if a in index and b in index:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = 1.0 - score
    # a cell of at least 0.24 in (24 px), so a column's label fits beside it
    size = max(WIDTH, 1.9 + 0.24 * len(columns))
    with _style():
        fig, ax = _figure(size - 0.5, width=size)
        top = max(0.3, float(np.nanmax(matrix))) if pairs else 0.3
        image = ax.imshow(matrix, cmap="Reds", vmin=0, vmax=top)
        names = [_short(c) for c in columns]
        ax.set_xticks(range(len(columns)), names, rotation=60, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(len(columns)), names)
        ax.spines[:].set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=0.8, label="association difference")
        _percent_axis(bar.ax.yaxis)
        return _uri(fig)


def utility_plot(details: dict[str, Any]) -> str:
    """Each metric for the model trained on real rows beside the one trained on synthetic rows."""
    names = {"hgb": "boosting", "linear": "linear"}
    bars = []
    for model, shown in names.items():
        real, fake = details.get(f"trtr_{model}", {}), details.get(f"tstr_{model}", {})
        bars += [
            (f"{shown} {MEASURES.get(metric, metric)}", real.get(metric), fake.get(metric))
            for metric in real
            if metric != "mae"  # not on the 0-1 scale of the others
        ]
    bars = [b for b in bars if b[1] is not None and b[2] is not None]
    with _style():
        fig, ax = _figure(1.2 + 0.36 * len(bars))
        at = np.arange(len(bars))
        ax.barh(at - 0.2, [b[1] for b in bars], 0.4, label="trained on real", color=REAL)
        ax.barh(at + 0.2, [b[2] for b in bars], 0.4, label="trained on synthetic", color=SYNTHETIC)
        ax.set_yticks(at, [b[0] for b in bars])
        ax.invert_yaxis()
        ax.set_xlabel("score on the real holdout rows")
        _legend_above(ax)
        return _uri(fig)


def dcr_plot(quantiles: dict[str, list[float]]) -> str:
    """Distribution of the distance to the closest training row: synthetic rows vs holdout rows."""
    with _style():
        fig, ax = _figure(2.8)
        levels = np.linspace(0, 1, 101)
        for key, color in (("synthetic", SYNTHETIC), ("holdout", HOLDOUT)):
            if key in quantiles:
                ax.plot(quantiles[key], levels, label=f"{key} rows", color=color)
        ax.set_xlabel("distance to the closest training row")
        ax.set_ylabel("share of rows (cumulative)")
        _percent_axis(ax.yaxis)
        _legend_above(ax)
        return _uri(fig)


def mia_plot(details: dict[str, Any]) -> str:
    """ROC curves of the membership attacks, log-scaled FPR to show the low-FPR region."""
    from matplotlib.ticker import FuncFormatter

    with _style():
        fig, ax = _figure(3.2)
        for name, color in (("distance", SYNTHETIC), ("density_ratio", REAL)):
            if name in details:
                roc = details[name]["roc"]
                label = f"{name.replace('_', '-')} (AUC {details[name]['auc']:.3f})"
                ax.plot(roc["fpr"], roc["tpr"], label=label, color=color)
        grid = np.logspace(-4, 0, 50)
        ax.plot(grid, grid, ":", color="grey", label="chance")
        ax.set_xscale("log")
        ax.set_xlim(1e-3, 1)
        ax.set_xlabel("false-positive rate (log scale)")
        ax.set_ylabel("true-positive rate")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
        _percent_axis(ax.yaxis)
        fig.legend(loc="outside lower center", ncols=2)
        return _uri(fig)


def fairness_plot(
    rates: dict[str, dict[str, float]],
    positive: str,
    intervals: dict[str, dict[str, dict[str, Any]]],
) -> str:
    """Rate of the positive class in each group, per table and per model's predictions, with
    each rate's 95% interval (``fairness.rate_intervals``) as an error bar."""
    groups = sorted({g for r in rates.values() for g in r})
    width = 0.8 / max(len(groups), 1)
    with _style():
        fig, ax = _figure(1.3 + 0.25 * len(rates) * max(len(groups), 2))
        at = np.arange(len(rates))
        for i, group in enumerate(groups):
            heights = [r.get(group, 0.0) for r in rates.values()]
            bounds = [intervals[table].get(group) for table in rates]  # None: group absent
            errors = np.array(
                [
                    [h - b["interval"][0], b["interval"][1] - h] if b else [0.0, 0.0]
                    for h, b in zip(heights, bounds, strict=True)
                ]
            ).T.clip(min=0)  # Wilson intervals hold their rate; clip rounding below zero
            ax.barh(
                at + i * width - 0.4 + width / 2,
                heights,
                width,
                xerr=errors,
                error_kw={"elinewidth": 0.8, "capsize": 2},
                label=_short(group),
                color=GROUPS[i % len(GROUPS)],
            )
        ax.set_yticks(at, [name.replace("_", " ") for name in rates])
        ax.invert_yaxis()
        ax.set_xlabel(f"share predicted or labelled {_short(positive)}")
        _percent_axis(ax.xaxis)
        fig.legend(loc="outside lower center", ncols=min(len(groups), 4), title="group")
        return _uri(fig)


def training_plots(curves: dict[str, Any]) -> list[str]:
    """The losses and the generator's gradient norm per epoch; then, when the fit validated,
    the validation fidelity per validation step (two figures, each one column wide)."""
    from matplotlib.ticker import MaxNLocator

    names = {"loss_g": "generator loss", "loss_d": "critic loss", "grad_g": "generator grad norm"}
    out = []
    with _style():
        fig, ax = _figure(2.8)
        for key, color in (("loss_g", SYNTHETIC), ("loss_d", REAL), ("grad_g", HOLDOUT)):
            values = curves.get(key) or []
            if values:
                ax.plot(np.arange(1, len(values) + 1), values, label=names[key], color=color)
        ax.set_xlabel("epoch")
        ax.set_title("losses and gradient norm")
        fig.legend(loc="outside lower center", ncols=2)
        out.append(_uri(fig))
        if len(curves.get("val_fidelity", [])) > 0:
            fig, ax = _figure(2.8)
            ax.plot(curves["validation_step"], curves["val_fidelity"], marker=".", color=SYNTHETIC)
            if curves.get("best_step") is not None:
                ax.axvline(curves["best_step"], color="grey", lw=0.8, ls="--", label="kept")
                fig.legend(loc="outside lower center")
            ax.set_xlabel("training step")
            ax.set_ylabel("validation fidelity")
            ax.yaxis.set_major_locator(MaxNLocator(3))
            ax.set_title("validation fidelity")
            out.append(_uri(fig))
    return out
