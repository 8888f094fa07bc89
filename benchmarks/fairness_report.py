"""The fairness benchmark's part of RESULTS.md: the trade-off plot and the table of every fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.records import Record
from benchmarks.suite_report import fmt

#: The gaps issue 6 asks for (data, TSTR model), drawn as vertical lines on the plot.
ISSUE_GAP_BOUNDS = (0.02, 0.05)

#: Fits before this reweighed nothing at sampling time; the plot shows the current method only.
REWEIGHED_SINCE = "2026-11-25T22"


def _row(r: Record) -> dict:
    """A fairness record as one flat row: its settings, scores, timings and details."""
    return {
        **r.settings,
        **r.details,
        **r.timings,
        "seed": r.seed,
        "date": r.date,
        "scores": r.scores,
    }


def _fairness_plot(suite: str, rows: list[dict], plots: Path) -> str:
    """Gap against TSTR AUC for each λ (and DP setting), the mean over seeds joined by a line,
    with the λ = 0 models' post-hoc repair curves for reference; returns the PNG's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), dpi=90, sharey=True)
    settings = sorted({(r["epsilon"] or 0, r.get("dp_target", False)) for r in rows})
    for (epsilon, declared), colour in zip(
        settings, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False
    ):
        group = [
            r for r in rows if (r["epsilon"] or 0, r.get("dp_target", False)) == (epsilon, declared)
        ]
        weights = sorted({r["weight"] for r in group})
        label = f"DP ε={epsilon:g}" if epsilon else "no DP"
        label += ", target declared" if declared else ""
        for ax, key in zip(axes, ("dp_gap_synthetic", "dp_gap_tstr"), strict=True):
            points = [
                [
                    (r["scores"].get(key), r["scores"].get("tstr_auc"))
                    for r in group
                    if r["weight"] == w
                ]
                for w in weights
            ]
            for w, pts in zip(weights, points, strict=True):
                ax.plot(*zip(*pts, strict=True), "o", color=colour, alpha=0.35, markersize=4)
                x, y = np.mean(pts, axis=0)
                ax.annotate(
                    f"λ={w:g}", (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points"
                )
            ax.plot(
                *zip(*[np.mean(pts, axis=0) for pts in points], strict=True),
                "o-",
                color=colour,
                label=label,
            )
        repaired = [r for r in group if r.get("frontier")]
        if repaired:
            curve = np.array(repaired[-1]["frontier"]["synthetic"])
            axes[1].plot(
                curve[:, 0],
                curve[:, 1],
                "--",
                color=colour,
                lw=1,
                label=f"{label}, λ=0 model repaired",
            )
    real = [r for r in rows if r.get("frontier")]
    if real:
        curve = np.array(real[-1]["frontier"]["real"])
        axes[1].plot(
            curve[:, 0], curve[:, 1], ":", color="black", lw=1, label="real-trained model repaired"
        )
    for ax, bound in zip(axes, ISSUE_GAP_BOUNDS, strict=True):
        ax.axvline(bound, color="grey", lw=0.8, ls="-.")
    axes[0].set_xlabel("parity gap in the synthetic data")
    axes[1].set_xlabel("parity gap of the synthetic-trained model on real test rows")
    axes[0].set_ylabel("TSTR ROC AUC on real test rows")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=6)
    fig.suptitle(
        f"{suite}: fairness weight λ, gap against utility (faint: single seeds)", fontsize=10
    )
    fig.tight_layout()
    plots.mkdir(exist_ok=True)
    path = plots / f"fairness-{suite}.png"
    fig.savefig(path)
    plt.close(fig)
    return f"plots/{path.name}"


def _newest_per_setting(rows: list[dict]) -> list[dict]:
    """The latest fit of each (ε, λ, seed) since the sample is reweighed, without a declared DP
    target (refused with a fairness head): the plot shows the current method, the table its
    history."""
    newest: dict[tuple, dict] = {}
    for r in rows:
        if r["date"] >= REWEIGHED_SINCE and not r.get("dp_target"):
            newest[(r["epsilon"] or 0, r["weight"], r.get("seed", 0))] = r
    return list(newest.values())


def fairness_section(records: list[Record], plots: Path) -> list[str]:
    if not records:
        return []
    rows = [_row(r) | {"suite": r.dataset} for r in records]
    lines = [
        "## Fairness: demographic-parity gap against utility",
        "",
        "`python -m benchmarks.fairness --suite S --weights ... [--epochs E] [--epsilon 3]`; λ = 0 "
        "is the model without the fairness head (same seed). Gaps: largest difference in "
        "P(positive) between sensitive groups, in the synthetic data and in the holdout predictions "
        "of a HistGradientBoosting model trained on the synthetic rows (TSTR); the real data's own "
        "gaps are in the last columns. Fits from 2026-11-25T22 on also reweigh the sample to "
        "parity (raking, see the README's fairness section); the plot shows the newest of those "
        "per (ε, λ, seed), the table every fit. Dashed and dotted curves: the λ = 0 model and a "
        "model trained on the real rows, repaired after training by per-group score shifts toward "
        "equal positive rates (`offset_frontier`): what parity costs on these test rows.",
        "",
    ]
    for suite in sorted({r["suite"] for r in rows}):
        group = [r for r in rows if r["suite"] == suite]
        lines += [
            f"### {suite}",
            "",
            f"![{suite} fairness trade-off]"
            f"({_fairness_plot(suite, _newest_per_setting(group), plots)})",
            "",
            "| date | λ | seed | ε (spent) | epochs | quality | TSTR AUC | gap synthetic | gap TSTR model | EO gap TSTR | gap real | gap TRTR model |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in group:
            sc = r["scores"]
            eps = f"{r['epsilon']:g} ({r['epsilon_spent']:.3f})" if r["epsilon"] else "–"
            eps += ", target declared" if r.get("dp_target") else ""
            lines.append(
                f"| {r['date'][:16]} | {r['weight']:g} | {r.get('seed', 0)} | {eps} | {r['epochs']} | {fmt(sc.get('quality'))} | "
                f"{fmt(sc.get('tstr_auc'))} | {fmt(sc.get('dp_gap_synthetic'))} | {fmt(sc.get('dp_gap_tstr'))} | "
                f"{fmt(sc.get('eo_gap_tstr'))} | {fmt(sc.get('dp_gap_real'))} | {fmt(sc.get('dp_gap_trtr'))} |"
            )
        lines += ["", *_draw_spread(group)]
    return lines


def _draw_spread(rows: list[dict]) -> list[str]:
    """Fits sampled several times (``--draws``): how far one draw's figures are from another's."""
    rows = [r for r in rows if len(r.get("draws") or []) > 1]
    if not rows:
        return []
    lines = [
        "Several samples of the same fit (`--draws K`; each with its own evaluator model): "
        "mean (standard deviation) of the TSTR AUC, mean (largest) data gap, mean (smallest – "
        "largest) model gap.",
        "",
        "| date | λ | seed | ε | draws | TSTR AUC | gap synthetic | gap TSTR model |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        auc, data, model = (
            np.array([x[k] for x in r["draws"]])
            for k in ("tstr_auc", "dp_gap_synthetic", "dp_gap_tstr")
        )
        lines.append(
            f"| {r['date'][:16]} | {r['weight']:g} | {r.get('seed', 0)} | {r['epsilon'] or '–'} | "
            f"{len(r['draws'])} | {auc.mean():.3f} ({auc.std(ddof=1):.3f}) | "
            f"{data.mean():.3f} ({data.max():.3f}) | "
            f"{model.mean():.3f} ({model.min():.3f} – {model.max():.3f}) |"
        )
    return [*lines, ""]
