"""Rewrite benchmarks/RESULTS.md from the JSON records in benchmarks/results/."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks.suite_report import suite_section

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
NOTES = HERE / "notes.md"
PAGE = HERE / "RESULTS.md"
PLOTS = HERE / "plots"

SPEED = [  # (label, path in a tool record, target ratio synthgan / ctgan)
    ("training time per epoch (s)", ("fit", "epoch_seconds"), 0.25),
    ("preprocessing: mixture fit + transform (s)", ("fit", "preprocess_seconds"), 0.10),
    ("sampling 1,000,000 rows (s)", ("sample", "seconds"), 0.50),
    ("peak memory while sampling 1M rows (MB)", ("sample", "peak_rss_mb"), None),
]
QUALITY = [
    ("SDMetrics quality score", "quality"),
    ("  column shapes", "column_shapes"),
    ("  column pair trends", "column_pair_trends"),
    ("TSTR ROC AUC (HistGradientBoosting, real test rows)", "tstr_auc"),
    ("largest per-column missing-rate error", "missing_rate_error"),
]


def _get(record: dict, path: tuple[str, ...]):
    for key in path:
        record = record.get(key, {}) if isinstance(record, dict) else {}
    return record if isinstance(record, (int, float)) else None


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"


def _speed_run_section(run: dict) -> list[str]:
    """The earlier two-tool speed runs (synthgan against ctgan at full epochs)."""
    tools = run["tools"]
    ours, ref = tools.get("synthgan", {}), tools.get("ctgan", {})
    s = run["settings"]
    lines = [
        f"### {run['suite']}, {run['settings']['epochs']} epochs — {run['date']}",
        "",
        f"`{run['command']}` · {s['train_rows']:,} train rows, {s['test_rows']:,} test rows · "
        f"epochs {s['epochs']}, batch {s['batch_size']}, seed {s['seed']}, same network sizes "
        "(CTGAN defaults) for both tools.",
        "",
        f"Machine: {run['machine']['cpu']}, {run['machine']['cores']} cores, "
        f"{run['machine']['memory_gb']} GB, Python {run['machine']['python']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in run["versions"].items()),
        "",
        "| speed | synthgan | ctgan | ratio | target | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for label, path, target in SPEED:
        a, b = _get(ours, path), _get(ref, path)
        ratio = a / b if a is not None and b else None
        met = "" if target is None or ratio is None else ("yes" if ratio <= target else "no")
        target_text = f"≤ {target}" if target else ""
        lines.append(f"| {label} | {_fmt(a)} | {_fmt(b)} | {_fmt(ratio)} | {target_text} | {met} |")
    lines += [
        "",
        f"| quality (on {s['train_rows']:,} synthetic rows) | synthgan | ctgan | real data |",
        "|---|---:|---:|---:|",
    ]
    for label, key in QUALITY:
        real = run["real"]["tstr_auc"] if key == "tstr_auc" else None
        lines.append(
            f"| {label} | {_fmt(_get(ours, ('scores', key)))} | {_fmt(_get(ref, ('scores', key)))} "
            f"| {_fmt(real)} |"
        )
    stream = ours.get("stream")
    if stream:
        lines += [
            "",
            f"Streaming {stream['rows']:,} rows to Parquet with `sample_to`: {stream['seconds']:.1f} s, "
            f"peak resident memory {stream['peak_rss_mb']:,.0f} MB (after imports: "
            f"{stream['import_rss_mb']:,.0f} MB), file {stream['file_mb']:,.0f} MB.",
        ]
    return [*lines, ""]


def _dp_section() -> list[str]:
    """The latest DP comparison, the DP speed figure, and the DP settings sweep."""
    records = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("dp-*.json"))]
    lines: list[str] = []
    if records:
        first = records[0]
        lines += [
            f"## Differential privacy: {first['suite']}",
            "",
            f"δ = {first['delta']:g} for every tool; ε includes each tool's DP preprocessing. Scores "
            "as above, on as many synthetic rows as real training rows; real data TSTR ROC AUC "
            f"{first['real']['tstr_auc']:.3f}. Machine: {first['machine']['cpu']}, "
            f"{first['machine']['cores']} cores. Versions: "
            + ", ".join(f"{k} {v}" for k, v in first["versions"].items()),
            "",
            "| run | tool | ε target | ε spent | quality | shapes | pair trends | TSTR AUC | fit s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for run in records:
        for r in run["runs"]:
            if "skipped" in r:
                lines.append(f"| {run['date'][:16]} | {r['tool']} | {r['epsilon']:g} | skipped |")
                continue
            sc, fit = r["scores"], r["fit"]
            epochs = fit.get("epochs")
            name = r["tool"] + (
                f" ({epochs} epochs)"
                if epochs
                else " (its defaults)"
                if r["tool"] == "dpctgan"
                else ""
            )
            lines.append(
                f"| {run['date'][:16]} | {name} | {r['epsilon']:g} | "
                f"{_fmt(fit.get('epsilon_spent'))} | {_fmt(sc['quality'])} | "
                f"{_fmt(sc['column_shapes'])} | {_fmt(sc['column_pair_trends'])} | "
                f"{_fmt(sc['tstr_auc'])} | {_fmt(fit['fit_seconds'])} |"
            )
    if records:
        commands = sorted({run["command"] for run in records})
        lines += ["", "Commands: " + "; ".join(f"`{c}`" for c in commands), ""]
    speed = RESULTS / "dp-speed.jsonl"
    if speed.exists():
        last = json.loads(speed.read_text().strip().splitlines()[-1])
        e = last["epoch_seconds"]
        lines += [
            f"**Time per epoch under DP** ({last['date']}, `python -m benchmarks.dp_sweep "
            f"--speed`): {e['dp']:.2f} s with DP vs {e['non_dp']:.2f} s without, at the same "
            f"expected batch size {last['batch_size']} → ratio {last['ratio']:.2f} (target ≤ 2). "
            f"{last['note']}.",
            "",
        ]
    sweep = RESULTS / "dp-sweep.jsonl"
    if sweep.exists():
        lines += _sweep_section([json.loads(line) for line in sweep.read_text().splitlines()])
    return lines


def _sweep_section(records: list[dict]) -> list[str]:
    """One row per fit; then, for fits scored with and without the DP marginal matching, the
    mean over seeds of each (ε, settings) group."""
    lines = [
        "### DP settings sweep (Adult)",
        "",
        "`python -m benchmarks.dp_sweep --epsilon E --grid '[...]' --seed S...`; each row changes "
        "the DP defaults of its time as listed. From 2026-11-25T21 on, each fit is also scored "
        "without its DP marginal matching (raking + numeric maps, post-processing of the same "
        "generator): the unmatched columns. Rows marked *2nd* ran the DP second pass (issue 17: "
        "fresh entropy for the noise, declared kinds, the row count's own budget and the "
        "pessimistic schedule accounting).",
        "",
        "| date | ε | settings | seed | σ | steps | fit s | quality | pair trends | TSTR AUC "
        "| quality unmatched | TSTR unmatched |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    groups: dict[tuple, list[dict]] = {}
    latest: dict[tuple, dict] = {}
    for r in records:
        shown = _sweep_settings(r)
        raw = r.get("scores_unmatched")
        lines.append(
            f"| {r['date'][:16]} | {r['epsilon']:g} | {shown} | {r['seed']} | "
            f"{r['noise_multiplier']:.2f} | {r['steps']} | {r['fit_seconds']:.0f} | "
            f"{r['scores']['quality']:.3f} | {r['scores']['column_pair_trends']:.3f} | "
            f"{r['scores']['tstr_auc']:.3f} | "
            + (f"{raw['quality']:.3f} | {raw['tstr_auc']:.3f} |" if raw else "— | — |")
        )
        if raw:  # the newest fit of each seed counts: the means describe the current code
            latest[(r["epsilon"], shown, r["seed"])] = r
    for (epsilon, shown, _), r in latest.items():
        groups.setdefault((epsilon, shown), []).append(r)
    if groups:
        lines += [
            "",
            "Means over seeds (the newest fit of each seed, scored both ways; *2nd*: the DP second "
            "pass, kept apart from the fits before it):",
            "",
            "| ε | settings | seeds | quality | pair trends | TSTR AUC (min–max) "
            "| quality unmatched | pair trends unmatched | TSTR unmatched |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for (epsilon, shown), rs in groups.items():

            def mean(key, part="scores", rs=rs):
                return sum(r[part][key] for r in rs) / len(rs)

            tstr = [r["scores"]["tstr_auc"] for r in rs]
            lines.append(
                f"| {epsilon:g} | {shown} | {len(rs)} | {mean('quality'):.3f} | "
                f"{mean('column_pair_trends'):.3f} | {mean('tstr_auc'):.3f} "
                f"({min(tstr):.3f}–{max(tstr):.3f}) | "
                f"{mean('quality', 'scores_unmatched'):.3f} | "
                f"{mean('column_pair_trends', 'scores_unmatched'):.3f} | "
                f"{mean('tstr_auc', 'scores_unmatched'):.3f} |"
            )
    return [*lines, ""]


def _sweep_settings(record: dict) -> str:
    """The settings a sweep row changed, after *2nd* for fits of the DP second pass."""
    settings = dict(record["settings"])
    privacy = settings.pop("privacy")
    if privacy.get("max_grad_norm") != 1.0:
        settings["max_grad_norm"] = privacy["max_grad_norm"]
    if privacy.get("preprocessing_share", 0.1) != 0.1:
        settings["preprocessing_share"] = privacy["preprocessing_share"]
    if privacy.get("target"):
        settings["target"] = privacy["target"]
    shown = ", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
    return f"*2nd* {shown}" if record.get("pipeline") == "dp-second-pass" else shown


def _latest(part: str) -> dict | None:
    paths = sorted(RESULTS.glob(f"eval-{part}-*.json"))
    return json.loads(paths[-1].read_text()) if paths else None


def _eval_section() -> list[str]:
    """The evaluators: speed per part, the sanity table, and the 1M × 1M distance run."""
    lines: list[str] = []
    speed, sanity, scale = _latest("speed"), _latest("sanity"), _latest("scale")
    if not (speed or sanity or scale):
        return lines
    lines += ["## Evaluators", ""]
    if speed:
        r = speed["result"]
        best = dict(r["best"])
        total = best.pop("total")
        lines += [
            f"**Full evaluate() of Adult** ({speed['date'][:16]}, `{speed['command']}`; "
            f"{speed['machine']['cpu']}, {speed['machine']['cores']} cores): "
            f"{r['rows']['real']:,} real train, {r['rows']['synthetic']:,} synthetic, "
            f"{r['rows']['holdout']:,} holdout rows; target income, sensitive sex. "
            f"Best of {len(r['totals'])}: **{total:.1f} s** (all runs: "
            + ", ".join(f"{t:.1f}" for t in r["totals"])
            + " s; target ≤ 15 s). Per part: "
            + ", ".join(f"{k} {v:.2f}" for k, v in best.items())
            + " s.",
            "",
        ]
    if sanity:
        cases = sanity["result"]["cases"]
        keys = list(next(iter(cases.values())))
        lines += [
            f"**Sanity table** ({sanity['date'][:16]}, `{sanity['command']}`): Adult train is the "
            f"real table; the test split is cut in two, {sanity['result']['holdout_rows']:,} rows "
            "as the holdout and the rest as an independent real sample.",
            "",
            "| metric | " + " | ".join(cases) + " |",
            "|---|" + "---:|" * len(cases),
        ]
        for key in keys:
            lines.append(
                f"| {key} | " + " | ".join(_fmt(c.get(key)) for c in cases.values()) + " |"
            )
        lines.append("")
    if scale:
        r = scale["result"]
        seconds = ", ".join(f"{k.replace('_', ' ')} {v:,.0f} s" for k, v in r["seconds"].items())
        queried = r.get("distance_query_rows", r["rows"]["synthetic"])
        partial = (
            f" The distance pass was timed on the first {queried:,} synthetic rows against all "
            "real and holdout rows, and projected to all rows (it is linear in the query rows); "
            "every table was loaded and encoded at full size, so the memory figure is the "
            "full-size one."
            if queried < r["rows"]["synthetic"]
            else ""
        )
        lines += [
            f"**Distances at scale** ({scale['date'][:16]}, `{scale['command']}`): exact DCR share, "
            "copies, NNDR and both membership attacks on "
            f"{r['rows']['synthetic']:,} synthetic × {r['rows']['real']:,} real rows "
            f"(+ {r['rows']['holdout']:,} holdout), {r['source']}; {r['encoded_width']} encoded "
            f"columns ({r['encoded_mb']:,.0f} MB as float32). Peak resident memory "
            f"**{r['peak_rss_mb']:,.0f} MB** ({r['rss_after_reading_mb']:,.0f} MB after reading "
            f"the three tables). Time: {seconds}.{partial}",
            "",
        ]
    return lines


#: The gaps issue 6 asks for (data, TSTR model), drawn as vertical lines on the plot.
ISSUE_GAP_BOUNDS = (0.02, 0.05)

#: Fits before this reweighed nothing at sampling time; the plot shows the current method only.
REWEIGHED_SINCE = "2026-11-25T22"


def _fairness_plot(suite: str, rows: list[dict]) -> str:
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
    PLOTS.mkdir(exist_ok=True)
    path = PLOTS / f"fairness-{suite}.png"
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


def _fairness_section() -> list[str]:
    path = RESULTS / "fairness.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines()]
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
            f"![{suite} fairness trade-off]({_fairness_plot(suite, _newest_per_setting(group))})",
            "",
            "| date | λ | seed | ε (spent) | epochs | quality | TSTR AUC | gap synthetic | gap TSTR model | EO gap TSTR | gap real | gap TRTR model |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in group:
            sc = r["scores"]
            eps = f"{r['epsilon']:g} ({r['epsilon_spent']:.3f})" if r["epsilon"] else "–"
            eps += ", target declared" if r.get("dp_target") else ""
            lines.append(
                f"| {r['date'][:16]} | {r['weight']:g} | {r.get('seed', 0)} | {eps} | {r['epochs']} | {_fmt(sc.get('quality'))} | "
                f"{_fmt(sc.get('tstr_auc'))} | {_fmt(sc.get('dp_gap_synthetic'))} | {_fmt(sc.get('dp_gap_tstr'))} | "
                f"{_fmt(sc.get('eo_gap_tstr'))} | {_fmt(sc.get('dp_gap_real'))} | {_fmt(sc.get('dp_gap_trtr'))} |"
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


def write_results() -> Path:
    runs = [
        json.loads(p.read_text())
        for p in sorted(RESULTS.glob("*.json"))
        if not p.name.startswith(("dp-", "eval-"))
    ]
    latest: dict[tuple[str, int], dict] = {}
    for run in runs:  # files sort by date: keep the newest run per suite and epoch count
        latest[(run["suite"], run["settings"]["epochs"])] = run
    lines = [
        "# Benchmark results",
        "",
        "Generated by `python -m benchmarks report` from `benchmarks/results/*.json`; the notes at "
        "the end are written by hand in `benchmarks/notes.md`. Ratios are synthgan / reference, "
        "measured in the same run on the same machine.",
        "",
    ]
    lines += suite_section()
    if latest:
        lines += [
            "## synthgan against ctgan at full epochs (issue 3)",
            "",
            "Earlier two-tool runs of the same suite, kept for the 300-epoch figures.",
            "",
        ]
    for run in latest.values():
        lines += _speed_run_section(run)
    lines += _dp_section()
    lines += _eval_section()
    lines += _fairness_section()
    lines += [
        "## All two-tool runs (issue 3)",
        "",
        "| date | suite | tool | epochs | epoch s | quality | TSTR AUC |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        for name, tool in run["tools"].items():
            lines.append(
                f"| {run['date']} | {run['suite']} | {name} | {run['settings']['epochs']} | "
                f"{_fmt(_get(tool, ('fit', 'epoch_seconds')))} | {_fmt(_get(tool, ('scores', 'quality')))} | "
                f"{_fmt(_get(tool, ('scores', 'tstr_auc')))} |"
            )
    if NOTES.exists():
        lines += ["", NOTES.read_text().strip(), ""]
    PAGE.write_text("\n".join(lines) + "\n")
    return PAGE
