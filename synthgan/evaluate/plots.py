"""The report's figures, drawn with matplotlib from the report's own details (no tables needed)
and returned as PNG data URIs so the HTML file has no outside references."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

__all__ = [
    "column_plot",
    "dcr_plot",
    "fairness_plot",
    "mia_plot",
    "pair_heatmap",
    "training_plot",
    "utility_plot",
]

REAL, SYNTHETIC, HOLDOUT = "#4C72B0", "#DD8452", "#55A868"


def _figure(width: float, height: float, columns: int = 1):
    import matplotlib

    matplotlib.use("Agg", force=False)  # no display; never opens a window
    import matplotlib.pyplot as plt

    return plt.subplots(1, columns, figsize=(width, height), dpi=90)


def _uri(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def column_plot(name: str, column: dict[str, Any]) -> str:
    """Real against synthetic: overlaid histograms for numbers, paired bars for labels."""
    fig, ax = _figure(3.6, 2.4)
    if column["kind"] == "numeric":
        edges = np.asarray(column["edges"])
        for key, color in (("real", REAL), ("synthetic", SYNTHETIC)):
            ax.stairs(
                column[key],
                edges,
                label=key,
                color=color,
                fill=key == "real",
                alpha=0.45 if key == "real" else 1.0,
            )
    else:
        at = np.arange(len(column["labels"]))
        ax.bar(at - 0.2, column["real"], 0.4, label="real", color=REAL)
        ax.bar(at + 0.2, column["synthetic"], 0.4, label="synthetic", color=SYNTHETIC)
        ax.set_xticks(
            at, [label[:12] for label in column["labels"]], rotation=60, ha="right", fontsize=7
        )
    ax.set_title(name, fontsize=9)
    ax.set_ylabel("share", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return _uri(fig)


def pair_heatmap(columns: list[str], pairs: list[list]) -> str:
    """1 − SDMetrics' pair-trend score for each column pair: 0 where the association is kept."""
    index = {c: i for i, c in enumerate(columns)}
    matrix = np.full((len(columns), len(columns)), np.nan)
    for a, b, score in pairs:
        if a in index and b in index:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = 1.0 - score
    size = min(2.5 + 0.32 * len(columns), 12)
    fig, ax = _figure(size, size * 0.85)
    image = ax.imshow(
        matrix, cmap="Reds", vmin=0, vmax=max(0.3, float(np.nanmax(matrix)) if pairs else 0.3)
    )
    ax.set_xticks(range(len(columns)), columns, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(len(columns)), columns, fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8, label="association difference")
    return _uri(fig)


def utility_plot(details: dict[str, Any]) -> str:
    """Each metric for the model trained on real rows against the one trained on synthetic rows."""
    bars = []
    for model in ("hgb", "linear"):
        real, fake = details.get(f"trtr_{model}", {}), details.get(f"tstr_{model}", {})
        bars += [(f"{model} {metric}", real.get(metric), fake.get(metric)) for metric in real]
    bars = [b for b in bars if b[1] is not None and b[2] is not None and not b[0].endswith("mae")]
    fig, ax = _figure(max(3.5, 0.7 * len(bars) + 1.5), 2.6)
    at = np.arange(len(bars))
    ax.bar(at - 0.2, [b[1] for b in bars], 0.4, label="train real", color=REAL)
    ax.bar(at + 0.2, [b[2] for b in bars], 0.4, label="train synthetic", color=SYNTHETIC)
    ax.set_xticks(at, [b[0] for b in bars], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("on real holdout", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    return _uri(fig)


def dcr_plot(quantiles: dict[str, list[float]]) -> str:
    """Distribution of the distance to the closest training row: synthetic rows vs holdout rows."""
    fig, ax = _figure(4.2, 2.6)
    levels = np.linspace(0, 1, 101)
    for key, color in (("synthetic", SYNTHETIC), ("holdout", HOLDOUT)):
        if key in quantiles:
            ax.plot(quantiles[key], levels, label=f"{key} → train", color=color)
    ax.set_xlabel("distance to the closest training row", fontsize=8)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    return _uri(fig)


def mia_plot(details: dict[str, Any]) -> str:
    """ROC curves of the membership attacks, log-scaled FPR to show the low-FPR region."""
    fig, ax = _figure(4.2, 3.0)
    for name, color in (("distance", SYNTHETIC), ("density_ratio", REAL)):
        if name in details:
            roc = details[name]["roc"]
            ax.plot(
                roc["fpr"],
                roc["tpr"],
                label=f"{name} (AUC {details[name]['auc']:.3f})",
                color=color,
            )
    grid = np.logspace(-4, 0, 50)
    ax.plot(grid, grid, ":", color="grey", label="chance")
    ax.set_xscale("log")
    ax.set_xlim(1e-3, 1)
    ax.set_xlabel("false-positive rate", fontsize=8)
    ax.set_ylabel("true-positive rate", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    return _uri(fig)


def fairness_plot(
    rates: dict[str, dict[str, float]],
    positive: str,
    intervals: dict[str, dict[str, dict[str, Any]]],
) -> str:
    """Rate of the positive class in each group, per table and per model's predictions, with
    each rate's 95% interval (``fairness.rate_intervals``) as an error bar."""
    groups = sorted({g for r in rates.values() for g in r})
    fig, ax = _figure(max(5.0, 2.2 + 0.9 * len(rates)), 2.6)
    width = 0.8 / max(len(groups), 1)
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
        ax.bar(
            at + i * width - 0.4 + width / 2,
            heights,
            width,
            yerr=errors,
            error_kw={"elinewidth": 0.8, "capsize": 1.5},
            label=group[:15],
        )
    ax.set_xticks(at, list(rates), rotation=20, ha="right", fontsize=7)
    ax.set_ylabel(f"P({positive[:20]})", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _uri(fig)


def training_plot(curves: dict[str, Any]) -> str:
    """The losses and the generator's gradient norm per epoch; the validation fidelity per
    validation (right), when the fit validated."""
    validated = len(curves.get("val_fidelity", [])) > 0
    fig, axes = _figure(7.2 if validated else 3.6, 2.4, 2 if validated else 1)
    axes = list(axes) if validated else [axes]
    left = axes[0]
    for key, color in (("loss_g", SYNTHETIC), ("loss_d", REAL), ("grad_g", HOLDOUT)):
        values = curves.get(key) or []
        if values:
            left.plot(np.arange(1, len(values) + 1), values, label=key, color=color, lw=1)
    left.set_xlabel("epoch", fontsize=8)
    left.set_title("losses and gradient norm", fontsize=9)
    left.legend(fontsize=7, frameon=False)
    if validated:
        right = axes[1]
        right.plot(curves["validation_step"], curves["val_fidelity"], marker=".", color=SYNTHETIC)
        if curves.get("best_step") is not None:
            right.axvline(curves["best_step"], color="grey", lw=0.8, ls="--")
        right.set_xlabel("step", fontsize=8)
        right.set_title("validation fidelity (dashed: the generator kept)", fontsize=9)
    for ax in axes:
        ax.tick_params(labelsize=7)
    return _uri(fig)
