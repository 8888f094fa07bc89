"""The suite's part of RESULTS.md: per dataset, the latest seed-0 suite run's tables and plots,
the fidelity experiments, and the defaults over seeds against issue 19's targets."""

from __future__ import annotations

from pathlib import Path

from benchmarks.datasets import DATASETS
from benchmarks.records import Record
from benchmarks.suite import RUNS

HERE = Path(__file__).resolve().parent
PLOTS = HERE / "plots"
DP_TOOLS = ("synthgan", "mst", "aim", "dpctgan", "patectgan")
SPEED_TOOLS = ("synthgan", "ctgan", "tvae", "gaussiancopula")
SPEED = (  # (label, section, key)
    ("training time per epoch (s)", "fit", "epoch_seconds"),
    ("preprocessing (s)", "fit", "preprocess_seconds"),
    ("fit, all epochs (s)", "fit", "fit_seconds"),
    ("sampling 1,000,000 rows (s)", "sample", "seconds"),
    ("peak memory, sampling 1M rows (MB)", "sample", "peak_rss_mb"),
    ("peak memory, fitting (MB)", "fit", "peak_rss_mb"),
)


def fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if abs(value) < 100 else f"{value:,.0f}"


def _run(r: Record) -> str:
    return r.settings["run"]


def _section(r: Record, name: str) -> dict:
    """A suite record's fit or sample figures ({} where there are none)."""
    return r.timings.get(name) or {}


def _is_experiment(r: Record) -> bool:
    """A synthgan run away from its defaults (other epochs or parameters): shown among the
    fidelity experiments, not as the suite's synthgan row."""
    s = r.settings
    if r.tool != "synthgan":
        return False
    return bool(s.get("synthgan_params")) or s.get("synthgan_epochs", "auto") != "auto"


def _latest_by_dataset(records: list[Record]) -> dict[str, list[Record]]:
    """Each dataset's newest seed-0 record per run (records sort by name, hence by invocation
    time): every tool in a table from the same seed; other seeds are in the seeds section."""
    newest: dict[tuple[str, str], Record] = {}
    plain = [r for r in records if not _is_experiment(r) and r.seed in (0, None)]
    for r in sorted(plain, key=lambda r: r.details["invocation"]):
        newest[(r.dataset, _run(r))] = r
    known, order = list(DATASETS), list(RUNS)  # synthgan's variants first, then the references
    out: dict[str, list[dict]] = {}
    for dataset in sorted(
        {d for d, _ in newest}, key=lambda d: known.index(d) if d in known else len(known)
    ):
        out[dataset] = sorted(
            (r for (d, _), r in newest.items() if d == dataset),
            key=lambda r: order.index(_run(r)) if _run(r) in order else len(order),
        )
    return out


def _epsilon_text(r: Record) -> str:
    epsilon = r.settings.get("epsilon")
    if not epsilon:
        return "–"
    fit = _section(r, "fit")
    if fit.get("epsilon_spent") is not None:
        return f"{epsilon:g} ({fit['epsilon_spent']:.3f})"
    if fit.get("epsilon_lower_bound") is not None:
        return f"{epsilon:g} (≥ {fit['epsilon_lower_bound']:.3f})"
    return f"{epsilon:g} (?)"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _privacy_plot(dataset: str, runs: list[Record]) -> str | None:
    """ε against TSTR AUC and quality for every DP tool; non-DP synthgan and real data as lines."""
    dp = [r for r in runs if r.settings.get("epsilon") and not r.settings.get("fair")]
    if not dp:
        return None
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.4), dpi=90)
    for ax, key, label in zip(
        axes,
        ("tstr_auc", "quality"),
        ("TSTR ROC AUC on real test rows", "SDMetrics quality"),
        strict=True,
    ):
        series = [(t, t, False) for t in DP_TOOLS] + [
            ("synthgan", "synthgan, target declared", True)
        ]
        for tool, name, declared in series:
            points = sorted(
                (r.settings["epsilon"], r.scores.get(key))
                for r in dp
                if r.tool == tool and _run(r).endswith("-target") == declared
            )
            points = [(x, y) for x, y in points if y is not None]
            if points:
                ax.plot(*zip(*points, strict=True), "o-", label=name)
        for run, style in (("synthgan", "--"), ("ctgan", ":")):
            plain = next((r for r in runs if _run(r) == run), None)
            if plain and plain.scores.get(key) is not None:
                ax.axhline(plain.scores[key], ls=style, c="grey", lw=1, label=f"{run}, no DP")
        if key == "tstr_auc":
            trtr = next((r.scores.get("trtr_auc") for r in runs if "trtr_auc" in r.scores), None)
            if trtr is not None:
                ax.axhline(trtr, ls="-", c="black", lw=1, label="trained on real rows")
        ax.set_xlabel("ε (δ = 1e-6)")
        ax.set_ylabel(label)
        ax.set_xticks(sorted({r.settings["epsilon"] for r in dp}))
    fig.suptitle(f"{dataset}: privacy budget against utility", fontsize=10)
    fig.tight_layout(rect=(0, 0, 0.8, 1))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="center right", fontsize=7)
    return _save(fig, f"suite-{dataset}-privacy.png")


def _speed_plot(dataset: str, runs: list[Record]) -> str | None:
    tools = [r for r in runs if _run(r) in SPEED_TOOLS]
    if not tools:
        return None
    plt = _plt()
    panels = [s for s in SPEED if s[2] in ("epoch_seconds", "preprocess_seconds", "seconds")]
    fig, axes = plt.subplots(1, len(panels), figsize=(10, 3.0), dpi=90)
    for ax, (label, section, key) in zip(axes, panels, strict=True):
        measured = [r for r in tools if _section(r, section).get(key) is not None]
        names = [_run(r) for r in measured]
        values = [_section(r, section)[key] for r in measured]
        colours = ["tab:blue" if n == "synthgan" else "tab:grey" for n in names]
        ax.barh(names, values, color=colours)
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:,.1f}", va="center", fontsize=7)
        ax.set_title(label, fontsize=9)
        ax.invert_yaxis()
        ax.margins(x=0.25)
    fig.suptitle(f"{dataset}: speed (seconds, shorter is better)", fontsize=10)
    fig.tight_layout()
    return _save(fig, f"suite-{dataset}-speed.png")


def _save(fig, name: str) -> str:
    PLOTS.mkdir(exist_ok=True)
    fig.savefig(PLOTS / name)
    _plt().close(fig)
    return f"plots/{name}"


def _synthgan_length(runs: list[Record]) -> str:
    """How long the non-DP synthgan run trained (records before its automatic length: the
    suite's epochs)."""
    r = next((r for r in runs if _run(r) == "synthgan" and "error" not in r.details), None)
    if r is None:
        return "–"
    epochs = r.settings.get("synthgan_epochs", r.settings.get("epochs"))
    fit = _section(r, "fit")
    if fit.get("steps") is None:
        return f"{epochs} epochs"
    return f"{epochs} epochs: {fit['steps']:,} steps, stopped by {fit['stopped_by']}" + (
        f", kept step {fit['best_step']:,}" if fit.get("best_step") else ""
    )


def _declared_groups(runs: list[Record]) -> str:
    """Which synthgan runs were told the documented fixed combinations (newer runs are)."""
    told = [r for r in runs if r.settings.get("fixed_combinations")]
    if not told:
        return ""
    groups = "; ".join(" + ".join(g) for g in told[0].settings["fixed_combinations"])
    commits = ", ".join(sorted({r.commit for r in told}))
    return f"synthgan runs at {commits} are told the documented fixed combinations ({groups}); "


def _reference_epochs(runs: list[Record]) -> str:
    """The epochs CTGAN and TVAE ran in these runs (fewer than 300 on a large table)."""
    epochs = sorted(
        {r.settings.get("epochs") for r in runs if r.settings["run"] in ("ctgan", "tvae")}
    )
    return " / ".join(str(e) for e in epochs) + (" (by run)" if len(epochs) > 1 else "")


def _dataset_section(dataset: str, runs: list[Record]) -> list[str]:
    ok = [r for r in runs if "error" not in r.details]
    first = runs[0]
    s = ok[0].settings if ok else {}
    machine = first.environment["machine"]
    commands = sorted({(r.details["invocation"], r.command) for r in runs})
    lines = [
        f"### {dataset} — {first.date[:16]}",
        "",
        " · ".join(f"`{c}` ({i[:13]})" for i, c in commands)
        + f" · {s.get('train_rows', 0):,} training rows, "
        f"{s.get('test_rows', 0):,} test rows (the holdout for utility and privacy)"
        + (f"; scored on {s['score_rows']:,}-row subsamples" if s.get("score_rows") else "")
        + f" · CTGAN/TVAE epochs {_reference_epochs(ok) or s.get('epochs')}, synthgan "
        f"{_synthgan_length(runs)}, batch "
        f"{s.get('batch_size')}, seed {s.get('seed')}; synthgan under DP uses its DP defaults; "
        + _declared_groups(runs)
        + "smartnoise DPCTGAN/PATECTGAN "
        f"{s.get('dp_gan_epochs')} epochs"
        + (f", AIM {s['aim_rounds']} rounds" if s.get("aim_rounds") else "")
        + ".",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, Python "
        f"{machine['python']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in first.environment["versions"].items()),
        "",
    ]
    for plot in (_privacy_plot(dataset, ok), _speed_plot(dataset, ok)):
        if plot:
            lines += [f"![{dataset}]({plot})", ""]
    lines += [
        "| run | ε (spent) | quality | detection AUC | TSTR AUC | DCR share (expected) | "
        "MIA AUC | parity gap: data | parity gap: TSTR model | fit s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    real = next((r.scores for r in ok), {})
    if real:
        lines.append(
            f"| *real data* | – | – | – | {fmt(real.get('trtr_auc'))} | – | – | "
            f"{fmt(real.get('dp_gap_real'))} | {fmt(real.get('dp_gap_trtr'))} | – |"
        )
    for r in runs:
        if "error" in r.details:
            lines.append(f"| {_run(r)} | failed: {r.details['error'][-1][:120]} |")
            continue
        sc = r.scores
        lines.append(
            f"| {_run(r)} | {_epsilon_text(r)} | {fmt(sc.get('quality'))} | "
            f"{fmt(sc.get('detection_auc'))} | {fmt(sc.get('tstr_auc'))} | "
            f"{fmt(sc.get('dcr_share'))} ({fmt(sc.get('dcr_share_expected'))}) | "
            f"{fmt(sc.get('mia_auc'))} | {fmt(sc.get('dp_gap_synthetic'))} | "
            f"{fmt(sc.get('dp_gap_tstr'))} | {fmt(_section(r, 'fit').get('fit_seconds'), 0)} |"
        )
    lines += _fidelity_table(runs)
    speed = [r for r in ok if _run(r) in SPEED_TOOLS]
    ref = next((r for r in speed if _run(r) == "ctgan"), None)
    if speed:
        lines += [
            "",
            "| speed | " + " | ".join(_run(r) for r in speed) + " | synthgan / ctgan |",
            "|---|" + "---:|" * (len(speed) + 1),
        ]
        ours = next((r for r in speed if _run(r) == "synthgan"), None)
        for label, section, key in SPEED:
            values = [_section(r, section).get(key) for r in speed]
            a = _section(ours, section).get(key) if ours else None
            b = _section(ref, section).get(key) if ref else None
            ratio = a / b if a is not None and b else None
            lines.append(
                f"| {label} | " + " | ".join(fmt(v) for v in values) + f" | {fmt(ratio)} |"
            )
    return [*lines, ""]


FIDELITY = (  # (header, score key)
    ("pair trends: every pair", "column_pair_trends"),
    ("pair trends: SDMetrics' pairs", "column_pair_trends_sdmetrics"),
    ("detection AUC: boosting", "detection_auc"),
    ("detection AUC: logistic", "detection_lr_auc"),
    ("coverage", "coverage"),
    ("category coverage", "category_coverage"),
    ("duplicates", "synthetic_duplicate_rate"),
    ("TSTR AUC", "tstr_auc"),
    ("TSTR macro-F1", "tstr_f1"),
    ("TSTR accuracy", "tstr_accuracy"),
    ("class share error", "label_share_error"),
    ("predicted positive", "tstr_positive_rate"),
)


def _fidelity_table(runs: list[Record]) -> list[str]:
    """The fidelity measures of issue 19 (records made before them have none: left out)."""
    scored = [r for r in runs if "detection_lr_auc" in r.scores]
    if not scored:
        return []
    real = scored[0].scores
    baseline = {
        "coverage": real.get("holdout_coverage"),
        "synthetic_duplicate_rate": real.get("real_duplicate_rate"),
        "tstr_auc": real.get("trtr_auc"),
        "tstr_f1": real.get("trtr_f1"),
        "tstr_accuracy": real.get("trtr_accuracy"),
        "tstr_positive_rate": real.get("holdout_positive_rate"),
    }
    lines = [
        "",
        "| fidelity | " + " | ".join(h for h, _ in FIDELITY) + " |",
        "|---|" + "---:|" * len(FIDELITY),
        "| *real data (holdout)* | "
        + " | ".join(fmt(baseline.get(k)) if k in baseline else "–" for _, k in FIDELITY)
        + " |",
    ]
    lines += [
        f"| {_run(r)} | " + " | ".join(fmt(r.scores.get(k)) for _, k in FIDELITY) + " |"
        for r in scored
    ]
    return lines


def suite_section(records: list[Record]) -> list[str]:
    if not records:
        return []
    lines = [
        "## Benchmark suite: every tool, same data, same seed, same scoring",
        "",
        "`python -m benchmarks run --suite adult|compas|acs|all` (`make bench` installs the "
        "reference tools; `make bench-smartnoise` the smartnoise environment). Every synthetic "
        "table (as many rows as the training split) is scored by `synthgan.evaluate` against the "
        "training split, with the test split as the holdout: SDMetrics quality; detection (ROC AUC "
        "of a classifier telling synthetic from real: 0.5 is ideal); TSTR (HistGradientBoosting "
        "trained on synthetic rows, ROC AUC on real test rows); DCR share (share of synthetic rows "
        "closer to a training row than to a holdout row, against its no-leak expectation); the "
        "stronger of two membership-inference attacks (0.5 = no signal); demographic-parity gaps "
        "of the target between sensitive groups, in the synthetic data and in the TSTR model's "
        "predictions. ε spent is each tool's own account, preprocessing included (PATECTGAN "
        "exposes only a lower bound). Speed rows: each tool's own figures from the same run; "
        "sampling is timed in a fresh process from the saved model.",
        "",
    ]
    for dataset, runs in _latest_by_dataset(records).items():
        lines += _dataset_section(dataset, runs)
    return lines + seeds_section(records) + experiments_section(records)


SEED_RUNS = ("synthgan", "synthgan-dp1", "synthgan-dp1-target", "ctgan", "tvae")
SEED_SCORES = (  # (header, score key)
    ("detection AUC", "detection_auc"),
    ("TSTR AUC", "tstr_auc"),
    ("TSTR macro-F1", "tstr_f1"),
    ("class share error", "label_share_error"),
    ("pair trends", "column_pair_trends"),
    ("DCR share − expected", "dcr_excess"),
)
#: Issue 19's targets: (run, score key, "max" or "min", bound); a bound that is a run's name
#: means that run's mean. synthgan-dp1 is DP at ε = 1 without a declared target.
TARGETS = {
    "adult": (
        ("synthgan", "detection_auc", "max", 0.70),
        ("synthgan", "tstr_auc", "min", 0.905),
        ("synthgan", "tstr_f1", "min", "ctgan"),
        ("synthgan", "label_share_error", "max", 0.10),
        ("synthgan", "column_pair_trends", "min", 0.95),
        ("synthgan-dp1", "detection_auc", "max", 0.95),
    ),
    "compas": (
        ("synthgan", "tstr_auc", "min", "tvae"),
        ("synthgan", "detection_auc", "max", 0.85),
    ),
    "acs": (
        ("synthgan", "fit_seconds", "max", 1800),
        ("synthgan", "tstr_auc", "min", 0.84),
        ("synthgan", "detection_auc", "max", 0.85),
    ),
}


def _value(r: Record, key: str) -> float | None:
    if key == "fit_seconds":
        return _section(r, "fit").get(key)
    if key == "dcr_excess":
        share, expected = r.scores.get("dcr_share"), r.scores.get("dcr_share_expected")
        return None if share is None or expected is None else share - expected
    return r.scores.get(key)


def _by_seed(records: list[Record], dataset: str, run: str) -> list[Record]:
    """The newest default record per seed; synthgan's only from its newest commit's runs, so that
    the seeds describe one version of the code."""
    runs = [
        r
        for r in records
        if r.dataset == dataset
        and _run(r) == run
        and not _is_experiment(r)
        and "error" not in r.details
        and "detection_lr_auc" in r.scores
    ]
    runs.sort(key=lambda r: r.details["invocation"])
    if run.startswith("synthgan") and runs:
        runs = [r for r in runs if r.commit == runs[-1].commit]
    return list({r.seed: r for r in runs}.values())


def _spread(values: list[float | None], digits: int = 3) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return fmt(mean, digits)
    return f"{fmt(mean, digits)} ({fmt(min(values), digits)}–{fmt(max(values), digits)})"


def seeds_section(records: list[Record]) -> list[str]:
    """synthgan's defaults and the reference GANs over seeds (mean, range), and whether every
    seed meets issue 19's targets."""
    lines = [
        "## Defaults over seeds, against issue 19's targets",
        "",
        "Each tool's newest default suite run per seed (synthgan: the runs of its newest commit), "
        "scored as above; mean (lowest–highest). A target is met when every seed meets it.",
        "",
    ]
    found = False
    for dataset in DATASETS:
        groups = {run: _by_seed(records, dataset, run) for run in SEED_RUNS}
        groups = {run: rs for run, rs in groups.items() if rs}
        if "synthgan" not in groups:
            continue
        found = True
        lines += [
            f"### {dataset}",
            "",
            "| run | seeds | commits | " + " | ".join(h for h, _ in SEED_SCORES) + " | fit s |",
            "|---|---|---|" + "---:|" * (len(SEED_SCORES) + 1),
        ]
        for run, rs in groups.items():
            seeds = ", ".join(str(r.seed) for r in sorted(rs, key=lambda r: r.seed))
            commits = ", ".join(sorted({r.commit or "–" for r in rs}))
            cells = [_spread([_value(r, k) for r in rs]) for _, k in SEED_SCORES]
            fit = _spread([_value(r, "fit_seconds") for r in rs], 0)
            lines.append(f"| {run} | {seeds} | {commits} | " + " | ".join(cells) + f" | {fit} |")
        lines += ["", "| run | target | every seed | met |", "|---|---|---|:---:|"]
        for run, key, side, bound in TARGETS.get(dataset, ()):
            sign = "≤" if side == "max" else "≥"
            if isinstance(bound, str):
                refs = [_value(r, key) for r in groups.get(bound, [])]
                refs = [v for v in refs if v is not None]
                if not refs:
                    lines.append(
                        f"| {run} | {key} {sign} {bound}'s | – | no {bound} run with these measures |"
                    )
                    continue
                mean = sum(refs) / len(refs)
                bound_text, bound = f"{bound}'s mean {fmt(mean)}", mean
            else:
                bound_text = fmt(bound)
            ours = [v for v in (_value(r, key) for r in groups.get(run, [])) if v is not None]
            met = bool(ours) and all(v <= bound if side == "max" else v >= bound for v in ours)
            lines.append(
                f"| {run} | {key} {sign} {bound_text} | {', '.join(fmt(v) for v in ours) or '–'} | "
                f"{'yes' if met else 'no'} |"
            )
        lines.append("")
    return lines if found else []


EXPERIMENT_SCORES = (
    "detection_auc",
    "detection_lr_auc",
    "tstr_auc",
    "tstr_f1",
    "label_share_error",
    "column_pair_trends",
    "column_shapes",
    "coverage",
)


def experiments_section(records: list[Record]) -> list[str]:
    """Every synthgan run scored with issue 19's measures, defaults and variants, so
    that what each change moved can be read side by side (same dataset, seed and scoring)."""
    runs = [
        r
        for r in records
        if r.tool == "synthgan" and not r.settings.get("fair") and "detection_lr_auc" in r.scores
    ]
    if not runs:
        return []
    lines = [
        "## Fidelity experiments (issue 19)",
        "",
        "Every synthgan run (fair ones aside) scored with the corrected measures, in run order "
        "per dataset: "
        "the defaults of the day and each variant measured against them (its parameters in the "
        "second column; a default changes with the commit). Same scoring as the suite tables "
        "above.",
        "",
        "| dataset | run | seed | steps (stopped by) | "
        + " | ".join(EXPERIMENT_SCORES)
        + " | fit s | commit | date |",
        "|---|---|---:|---|" + "---:|" * len(EXPERIMENT_SCORES) + "---:|---|---|",
    ]
    for r in sorted(runs, key=lambda r: (r.dataset, r.details["invocation"])):
        s, fit = r.settings, _section(r, "fit")
        variant = s["run"]
        if not s.get("epsilon"):
            variant += f", epochs {s.get('synthgan_epochs', s.get('epochs'))}"
        if s.get("synthgan_params"):
            variant += ", " + ", ".join(f"{k}={v}" for k, v in s["synthgan_params"].items())
        stopped = f"{fit['steps']:,} ({fit['stopped_by']})" if fit.get("steps") is not None else "–"
        lines.append(
            f"| {r.dataset} | {variant} | {r.seed} | {stopped} | "
            + " | ".join(fmt(r.scores.get(k)) for k in EXPERIMENT_SCORES)
            + f" | {fmt(fit.get('fit_seconds'), 0)} | {r.commit or '–'} | {r.date[:10]} |"
        )
    return [*lines, ""]
