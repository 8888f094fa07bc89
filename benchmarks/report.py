"""Rewrite benchmarks/RESULTS.md from the records in benchmarks/results/ (benchmarks.records)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.fairness_report import fairness_section
from benchmarks.records import Record, load
from benchmarks.suite_report import fmt, suite_section

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


def _tool_figures(record: Record) -> dict:
    """A tool-pair record's figures as the tables read them: timings and scores side by side."""
    return record.timings | {"scores": record.scores}


def _speed_run_section(run: list[Record]) -> list[str]:
    """The earlier two-tool speed runs (synthgan against ctgan at full epochs)."""
    tools = {r.tool: _tool_figures(r) for r in run}
    ours, ref = tools.get("synthgan", {}), tools.get("ctgan", {})
    first = run[0]
    s = first.settings
    machine = first.environment["machine"]
    lines = [
        f"### {first.dataset}, {s['epochs']} epochs — {first.date}",
        "",
        f"`{first.command}` · {s['train_rows']:,} train rows, {s['test_rows']:,} test rows · "
        f"epochs {s['epochs']}, batch {s['batch_size']}, seed {s['seed']}, same network sizes "
        "(CTGAN defaults) for both tools.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gb']} GB, Python {machine['python']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in first.environment["versions"].items()),
        "",
        "| speed | synthgan | ctgan | ratio | target | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for label, path, target in SPEED:
        a, b = _get(ours, path), _get(ref, path)
        ratio = a / b if a is not None and b else None
        met = "" if target is None or ratio is None else ("yes" if ratio <= target else "no")
        target_text = f"≤ {target}" if target else ""
        lines.append(f"| {label} | {fmt(a)} | {fmt(b)} | {fmt(ratio)} | {target_text} | {met} |")
    lines += [
        "",
        f"| quality (on {s['train_rows']:,} synthetic rows) | synthgan | ctgan | real data |",
        "|---|---:|---:|---:|",
    ]
    for label, key in QUALITY:
        real = first.scores["trtr_auc"] if key == "tstr_auc" else None
        lines.append(
            f"| {label} | {fmt(_get(ours, ('scores', key)))} | {fmt(_get(ref, ('scores', key)))} "
            f"| {fmt(real)} |"
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


def _dp_section(records: list[Record]) -> list[str]:
    """The latest DP comparison, the DP speed figure, and the DP settings sweep."""
    runs = [r for r in records if r.what == "dp-compare"]
    lines: list[str] = []
    if runs:
        first = runs[0]
        machine = first.environment["machine"]
        lines += [
            f"## Differential privacy: {first.dataset}",
            "",
            f"δ = {first.settings['delta']:g} for every tool; ε includes each tool's DP "
            "preprocessing. Scores as above, on as many synthetic rows as real training rows; real "
            f"data TSTR ROC AUC {first.scores['trtr_auc']:.3f}. Machine: {machine['cpu']}, "
            f"{machine['cores']} cores. Versions: "
            + ", ".join(f"{k} {v}" for k, v in first.environment["versions"].items()),
            "",
            "| run | tool | ε target | ε spent | quality | shapes | pair trends | TSTR AUC | fit s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for r in runs:
        epsilon = r.settings["epsilon"]
        if "skipped" in r.details:
            lines.append(f"| {r.date[:16]} | {r.tool} | {epsilon:g} | skipped |")
            continue
        sc, fit = r.scores, r.timings["fit"]
        epochs = fit.get("epochs")
        name = r.tool + (
            f" ({epochs} epochs)" if epochs else " (its defaults)" if r.tool == "dpctgan" else ""
        )
        lines.append(
            f"| {r.date[:16]} | {name} | {epsilon:g} | "
            f"{fmt(fit.get('epsilon_spent'))} | {fmt(sc['quality'])} | "
            f"{fmt(sc['column_shapes'])} | {fmt(sc['column_pair_trends'])} | "
            f"{fmt(sc['tstr_auc'])} | {fmt(fit['fit_seconds'])} |"
        )
    if runs:
        commands = sorted({r.command for r in runs})
        lines += ["", "Commands: " + "; ".join(f"`{c}`" for c in commands), ""]
    speed = [r for r in records if r.what == "dp-speed"]
    if speed:
        last = speed[-1]
        e = last.timings["epoch_seconds"]
        lines += [
            f"**Time per epoch under DP** ({last.date}, `python -m benchmarks.dp_sweep "
            f"--speed`): {e['dp']:.2f} s with DP vs {e['non_dp']:.2f} s without, at the same "
            f"expected batch size {last.settings['batch_size']} → ratio "
            f"{last.details['ratio']:.2f} (target ≤ 2). {last.details['note']}.",
            "",
        ]
    sweep = [r for r in records if r.what == "dp-sweep"]
    if sweep:
        lines += _sweep_section(sweep)
    return lines


def _sweep_section(records: list[Record]) -> list[str]:
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
    groups: dict[tuple, list[Record]] = {}
    latest: dict[tuple, Record] = {}
    for r in records:
        shown = _sweep_settings(r)
        raw, d, epsilon = r.details.get("scores_unmatched"), r.details, r.settings["epsilon"]
        lines.append(
            f"| {r.date[:16]} | {epsilon:g} | {shown} | {r.seed} | "
            f"{d['noise_multiplier']:.2f} | {d['steps']} | {r.timings['fit_seconds']:.0f} | "
            f"{r.scores['quality']:.3f} | {r.scores['column_pair_trends']:.3f} | "
            f"{r.scores['tstr_auc']:.3f} | "
            + (f"{raw['quality']:.3f} | {raw['tstr_auc']:.3f} |" if raw else "— | — |")
        )
        if raw:  # the newest fit of each seed counts: the means describe the current code
            latest[(epsilon, shown, r.seed)] = r
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

            def mean(key, unmatched=False, rs=rs):
                return sum(
                    (r.details["scores_unmatched"] if unmatched else r.scores)[key] for r in rs
                ) / len(rs)

            tstr = [r.scores["tstr_auc"] for r in rs]
            lines.append(
                f"| {epsilon:g} | {shown} | {len(rs)} | {mean('quality'):.3f} | "
                f"{mean('column_pair_trends'):.3f} | {mean('tstr_auc'):.3f} "
                f"({min(tstr):.3f}–{max(tstr):.3f}) | "
                f"{mean('quality', True):.3f} | "
                f"{mean('column_pair_trends', True):.3f} | "
                f"{mean('tstr_auc', True):.3f} |"
            )
    return [*lines, ""]


def _sweep_settings(record: Record) -> str:
    """The settings a sweep row changed, after *2nd* for fits of the DP second pass."""
    settings = dict(record.settings["synthesizer"])
    privacy = settings.pop("privacy")
    if privacy.get("max_grad_norm") != 1.0:
        settings["max_grad_norm"] = privacy["max_grad_norm"]
    if privacy.get("preprocessing_share", 0.1) != 0.1:
        settings["preprocessing_share"] = privacy["preprocessing_share"]
    if privacy.get("target"):
        settings["target"] = privacy["target"]
    shown = ", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
    return f"*2nd* {shown}" if record.details.get("pipeline") == "dp-second-pass" else shown


def _latest(records: list[Record], part: str) -> Record | None:
    found = [r for r in records if r.what == f"eval-{part}"]
    return found[-1] if found else None


def _eval_section(records: list[Record]) -> list[str]:
    """The evaluators: speed per part, the sanity table, and the 1M × 1M distance run."""
    lines: list[str] = []
    speed, sanity, scale = (_latest(records, p) for p in ("speed", "sanity", "scale"))
    if not (speed or sanity or scale):
        return lines
    lines += ["## Evaluators", ""]
    if speed:
        r, machine = speed.details, speed.environment["machine"]
        best = dict(r["best"])
        total = best.pop("total")
        lines += [
            f"**Full evaluate() of Adult** ({speed.date[:16]}, `{speed.command}`; "
            f"{machine['cpu']}, {machine['cores']} cores): "
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
        cases = sanity.details["cases"]
        keys = list(next(iter(cases.values())))
        lines += [
            f"**Sanity table** ({sanity.date[:16]}, `{sanity.command}`): Adult train is the "
            f"real table; the test split is cut in two, {sanity.details['holdout_rows']:,} rows "
            "as the holdout and the rest as an independent real sample.",
            "",
            "| metric | " + " | ".join(cases) + " |",
            "|---|" + "---:|" * len(cases),
        ]
        for key in keys:
            lines.append(f"| {key} | " + " | ".join(fmt(c.get(key)) for c in cases.values()) + " |")
        lines.append("")
    for scale in [r for r in records if r.what == "eval-scale"]:
        lines += _distances_at_scale(scale)
    return lines


def _distances_at_scale(scale: Record) -> list[str]:
    """One 1M × 1M run of the privacy parts: its tables, memory and time per part."""
    r = scale.details
    seconds = ", ".join(f"{k.replace('_', ' ')} {v:,.0f} s" for k, v in r["seconds"].items())
    queried = r.get("distance_query_rows", r["rows"]["synthetic"])
    how = "exact DCR share, copies, NNDR"
    partial = ""
    if "distance_rows_measured" in r:
        how = "DCR share, copies, NNDR"
        partial = (
            f" As `evaluate` does it: the distances of a uniform sample of "
            f"{r['distance_rows_measured']:,} synthetic rows, each searched against every real "
            f"and holdout row (DCR share {r['scores']['dcr_share']:.3f} ± "
            f"{r['dcr_share_margin']:.3f}, 95 %); copies counted on every row."
        )
    elif queried < r["rows"]["synthetic"]:
        partial = (
            f" The distance pass was timed on the first {queried:,} synthetic rows against all "
            "real and holdout rows, and projected to all rows (it is linear in the query rows); "
            "every table was loaded and encoded at full size, so the memory figure is the "
            "full-size one."
        )
    return [
        f"**Distances at scale** ({scale.date[:16]}, `{scale.command}`"
        + (f", {scale.commit}" if scale.commit else "")
        + f"): {how} "
        "and both membership attacks on "
        f"{r['rows']['synthetic']:,} synthetic × {r['rows']['real']:,} real rows "
        f"(+ {r['rows']['holdout']:,} holdout), {r['source']}; {r['encoded_width']} encoded "
        f"columns ({r['encoded_mb']:,.0f} MB as float32). Peak resident memory "
        f"**{r['peak_rss_mb']:,.0f} MB** ({r['rss_after_reading_mb']:,.0f} MB after reading "
        f"the three tables). Time: {seconds}.{partial}",
        "",
    ]


def _scale_section(records: list[Record]) -> list[str]:
    """Peak memory of default fits on ACS resampled to millions of rows (``benchmarks.scale``)."""
    processes = _processes_lines([r for r in records if r.what == "fit-processes"])
    processes += _private_processes_lines([r for r in records if r.what == "fit-processes-dp"])
    processes += _stream_lines([r for r in records if r.what == "sample-stream"])
    runs = [r for r in records if r.what == "fit-scale"]
    if not runs:
        return processes
    machine = runs[-1].environment["machine"]
    lines = [
        "## Fitting large tables: memory (issue 20)",
        "",
        "ACS's training split resampled with replacement to each row count, text columns as "
        "pandas categoricals; default settings with a short step budget (memory does not grow "
        "with steps). Peak resident memory of the fitting process, the table's own included. "
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB.",
        "",
        "| rows | table MB | encoded features | steps | peak MB after reading | peak MB, fit "
        "| fit s | preprocessing s | commit | date | command |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in runs:
        t = r.timings
        lines.append(
            f"| {t['rows']:,} | {t['table_mb']:,.0f} | {t['encoded_dim']} | {t['steps']} | "
            f"{t['peak_rss_after_reading_mb']:,.0f} | **{t['peak_rss_mb']:,.0f}** | "
            f"{t['fit_seconds']:,.0f} | {t['preprocess_seconds']:,.1f} | {r.commit} | "
            f"{r.date[:16]} | `{r.command}` |"
        )
    return [*lines, "", *processes]


def _processes_lines(runs: list[Record]) -> list[str]:
    """Adult's time per step in one and several data-parallel processes (``benchmarks.scale``)."""
    if not runs:
        return []
    machine = runs[-1].environment["machine"]
    lines = [
        "## Data-parallel processes: time per step (issue 20)",
        "",
        "Adult, default settings but no validation and no density ratio, a fixed step budget; "
        "`Synthesizer(distributed=N)` starts N processes on this machine, each with its share "
        f"of the 500-row batch and cores / N threads. {machine['cpu']}, {machine['cores']} "
        "cores. Runs alternate between the process counts.",
        "",
        "| processes | steps | s / step | s / epoch | fit s (rank 0) | wall s | final loss_d "
        "| final loss_g | commit | date | command |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in runs:
        t = r.timings
        lines.append(
            f"| {t['processes']} | {t['steps']} | {t['seconds_per_step']:.4f} | "
            f"{t['seconds_per_epoch']:.2f} | {t['fit_seconds']:,.0f} | {t['wall_seconds']:,.0f} | "
            f"{t['final_losses']['loss_d']:.3f} | {t['final_losses']['loss_g']:.3f} | "
            f"{r.commit} | {r.date[:16]} | `{r.command}` |"
        )
    return [*lines, ""]


def _stream_lines(runs: list[Record]) -> list[str]:
    """Streaming a large sample to Parquet with ``sample_to`` (``benchmarks.scale --sample``)."""
    if not runs:
        return []
    lines = [
        "## Streaming a large sample (issue 20)",
        "",
        "An Adult model (default settings, a short step budget, density ratio on) streams rows "
        "to Parquet with `sample_to` in a fresh process; peak resident memory of that process.",
        "",
        "| rows | rows written | s | peak MB | MB after imports | file MB | commit | date | "
        "command |",
        "|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in runs:
        t = r.timings
        lines.append(
            f"| {t['rows']:,} | {t['rows_written']:,} | {t['seconds']:,.0f} | "
            f"**{t['peak_rss_mb']:,.0f}** | {t['import_rss_mb']:,.0f} | {t['file_mb']:,.0f} | "
            f"{r.commit} | {r.date[:16]} | `{r.command}` |"
        )
    return [*lines, ""]


def _private_processes_lines(runs: list[Record]) -> list[str]:
    """DP fits of Adult in one and several processes: the same ε, steps and loss curves."""
    if not runs:
        return []
    lines = [
        "## Data-parallel processes under DP (issue 20)",
        "",
        "Adult at the DP defaults (30 epochs, expected batch 1,000), δ = 1e-6, seed 0; with N "
        "processes each Poisson-samples its shard of the rows at the global rate and rank 0 "
        "alone adds the noise. The secret randomness differs between runs, so the DP row count "
        "(and with it σ and the steps) may differ by a step or so from run to run. loss_g: the "
        "generator's loss at the first, middle and last epoch.",
        "",
        "| processes | ε | ε spent | σ | q | steps | loss_g (first, middle, last) | loss_cond, "
        "last | wall s | commit | date | command |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---|---|",
    ]
    for r in runs:
        t = r.timings
        curve = t["loss_g"]
        points = ", ".join(f"{curve[i]:.3f}" for i in (0, len(curve) // 2, -1))
        lines.append(
            f"| {t['processes']} | {t['epsilon']:g} | {t['epsilon_spent']:.4f} | "
            f"{t['noise_multiplier']:.3f} | {t['sample_rate']:.5f} | {t['steps']} | {points} | "
            f"{t['loss_cond'][-1]:.3f} | {t['wall_seconds']:,.0f} | {r.commit} | "
            f"{r.date[:16]} | `{r.command}` |"
        )
    return [*lines, ""]


def _epoch_speed_section(records: list[Record]) -> list[str]:
    """The newest ``benchmarks.speed`` run: Adult's time per epoch against CTGAN, per repeat."""
    if not records:
        return []
    newest = records[-1].settings["run"]
    run = [r for r in records if r.settings["run"] == newest]
    repeats: dict[int, dict[str, float]] = {}
    for r in run:
        repeats.setdefault(r.timings["repeat"], {})[r.tool] = r.timings["epoch_seconds"]
    tools = [t for t in ("synthgan", "synthgan-float32") if any(t in v for v in repeats.values())]
    first = run[0]
    machine = first.environment["machine"]
    precision = next((r.timings["precision"] for r in run if r.tool == "synthgan"), "?")
    lines = [
        "## Time per epoch against CTGAN, one run (issue 20)",
        "",
        f"`{first.command}` · {first.date[:16]} · commit {first.commit} · Adult, "
        f"{first.settings['epochs']} epochs each, batch {first.settings['batch_size']}, "
        "CTGAN's network sizes (synthgan's defaults); synthgan without validation. Each repeat "
        "fits the three one after another; ratios are within a repeat. The synthgan column "
        f"ran precision='auto', which resolved to {precision} at that commit. {machine['cpu']}, "
        f"{machine['cores']} cores.",
        "",
        "| repeat | ctgan s / epoch | "
        + " | ".join(f"{t} s / epoch | {t} / ctgan" for t in tools)
        + " |",
        "|---:|---:|" + "---:|---:|" * len(tools),
    ]
    ratios: dict[str, list[float]] = {t: [] for t in tools}
    for repeat, times in sorted(repeats.items()):
        cells = []
        for t in tools:
            ratio = times[t] / times["ctgan"]
            ratios[t].append(ratio)
            cells += [f"{times[t]:.2f}", f"{ratio:.3f}"]
        lines.append(f"| {repeat} | {times['ctgan']:.2f} | " + " | ".join(cells) + " |")
    medians = ", ".join(f"{t} {sorted(v)[len(v) // 2]:.3f}" for t, v in ratios.items())
    return [*lines, "", f"Median ratio (target ≤ 0.25): {medians}.", ""]


def _startup_section(records: list[Record]) -> list[str]:
    """The newest ``benchmarks.startup`` run: how fast the command line answers."""
    if not records:
        return []
    newest = records[-1].settings["run"]
    run = [r for r in records if r.settings["run"] == newest]
    first = run[0]
    machine = first.environment["machine"]
    lines = [
        "## How fast the command line answers (issue 22)",
        "",
        f"`{first.command}` · {first.date[:16]} · commit {first.commit} · each a fresh process, "
        f"the median of {len(first.timings['runs'])} runs; target: `--help` under a second. "
        f"{machine['cpu']}, {machine['cores']} cores.",
        "",
        "| command | median s |",
        "|---|---:|",
    ]
    lines += [f"| `{r.settings['case']}` | {r.timings['median_seconds']:.2f} |" for r in run]
    return [*lines, ""]


def _audit_section(records: list[Record]) -> list[str]:
    """``benchmarks.audit``: the ε lower bounds beside the claims, the broken pipelines, and how
    often an audit of the correct pipeline passed its claim (never, if the audit is sound)."""
    if not records:
        return []
    newest: dict[tuple, Record] = {}  # the latest audit of each (part, claim, seed, fault)
    for r in records:
        s = r.settings
        newest[(s["part"], r.dataset, s["epsilon"], r.seed, s["fault"])] = r
    audits = list(newest.values())
    first = audits[0]
    machine = first.environment["machine"]

    def attack(r: Record, prefix: str) -> float:
        return max(
            a["epsilon_lower_bound"] for a in r.details["attacks"] if a["attack"].startswith(prefix)
        )

    lines = [
        "## Privacy audit (issue 21)",
        "",
        f"`{first.command}` and reruns · from {first.date[:16]} · commit {first.commit} · "
        f"{machine['cpu']}, {machine['cores']} cores. One-run ε lower bounds at 95 % confidence "
        "(Bonferroni over the four attacks), 1,000 canaries of each kind (white-box: gradient "
        "canaries; black-box: the sample's distance and density ratio) on a 5,000-row "
        "subsample of Adult's training table, Adult's DP defaults and declared kinds.",
        "",
        "| claimed ε | seeds | white-box bound (each seed) | black-box bound (each seed) | "
        "white-box / claim (mean) | white-box AUC (mean) | seconds (mean) |",
        "|---:|---|---|---|---:|---:|---:|",
    ]
    adult = [r for r in audits if r.settings["part"] == "adult"]
    for eps in sorted({r.settings["epsilon"] for r in adult}):
        rs = sorted((r for r in adult if r.settings["epsilon"] == eps), key=lambda r: r.seed)
        white = [attack(r, "white-box") for r in rs]
        black = [attack(r, "black-box") for r in rs]
        auc = [
            a["auc"]
            for r in rs
            for a in r.details["attacks"]
            if a["attack"] == "white-box: gradient canaries"
        ]
        lines.append(
            f"| {eps:g} | {', '.join(str(r.seed) for r in rs)} | "
            f"{', '.join(f'{w:.2f}' for w in white)} | {', '.join(f'{b:.2f}' for b in black)} | "
            f"{sum(white) / len(white) / eps:.2f} | {sum(auc) / len(auc):.3f} | "
            f"{sum(r.details['seconds'] for r in rs) / len(rs):.0f} |"
        )
    for r in (r for r in audits if r.settings["part"] == "pooled"):
        lines += [
            "",
            f"Pooled, {r.settings['runs']} runs at ε = {r.settings['epsilon']:g} (seed {r.seed}): "
            f"white-box {attack(r, 'white-box'):.2f}, black-box {attack(r, 'black-box'):.2f}, "
            f"{r.details['seconds']:.0f} s.",
        ]
    faults = [r for r in audits if r.settings["fault"]]
    if faults:
        lines += [
            "",
            "Broken pipelines (`benchmarks/audit_faults.py`) on Adult, each claiming the ε below:",
            "",
            "| broken rule | claimed ε | lower bound | proven false | by |",
            "|---|---:|---:|---|---|",
        ]
        for r in faults:
            best = max(r.details["attacks"], key=lambda a: a["epsilon_lower_bound"])
            lines.append(
                f"| {r.settings['fault']} | {r.settings['epsilon']:g} | "
                f"{r.details['epsilon_lower_bound']:.2f} | {'yes' if r.details['violated'] else 'no'} | "
                f"{best['attack']} |"
            )
    correct = [r for r in audits if not r.settings["fault"]]
    passed = [r for r in correct if r.details["violated"]]
    by_data = ", ".join(
        f"{sum(1 for r in correct if r.dataset == d)} on {d}"
        for d in sorted({r.dataset for r in correct})
    )
    lines += [
        "",
        f"Audits of the correct pipeline: {len(correct)} ({by_data}; claims "
        f"{', '.join(f'{e:g}' for e in sorted({r.settings['epsilon'] for r in correct}))}); "
        f"bound above the claim in {len(passed)}.",
        "",
    ]
    return lines


def _shadow_section(records: list[Record]) -> list[str]:
    """The newest shadow-model attack on each Adult-made table."""
    if not records:
        return []
    run = list({r.tool: r for r in records}.values())
    first = run[0]
    lines = [
        "### Shadow-model membership attack on third-party tables (issue 21)",
        "",
        " and ".join(f"`{c}`" for c in dict.fromkeys(r.command for r in run))
        + f" · {first.date[:16]} · commit {first.commit} · tables made from "
        f"{first.settings['rows']:,} of Adult's training rows (the members), Adult's test rows "
        "as the holdout (half the non-members, half the attacker's population sample); "
        f"{first.details['shadows']} shadow tables of {first.details['shadow_rows']:,} rows, made "
        "by synthgan (2,000 steps) or, where said, the way the table was made. 95 % bootstrap "
        "intervals.",
        "",
        "| table attacked | ROC AUC | TPR at 1 % FPR | TPR at 0.1 % FPR | seconds |",
        "|---|---|---|---|---:|",
    ]
    for r in run:
        m = r.details["metrics"]
        cells = [
            f"{m[k]:.3f} [{m[k + '_ci'][0]:.3f}, {m[k + '_ci'][1]:.3f}]"
            for k in ("auc", "tpr_at_1pct_fpr", "tpr_at_0_1pct_fpr")
        ]
        lines.append(f"| {r.tool} | {' | '.join(cells)} | {r.details['seconds']:.0f} |")
    return [*lines, ""]


def _tool_pairs(records: list[Record]) -> list[list[Record]]:
    """The two-tool runs, each a list of its tools' records (one run: one date)."""
    runs: dict[str, list[Record]] = {}
    for r in records:
        if r.what == "tool-pair":
            runs.setdefault(r.date, []).append(r)
    return list(runs.values())


def write_results() -> Path:
    records = load(RESULTS)
    runs = _tool_pairs(records)
    latest: dict[tuple[str, int], list[Record]] = {}
    for run in runs:  # files sort by date: keep the newest run per suite and epoch count
        latest[(run[0].dataset, run[0].settings["epochs"])] = run
    lines = [
        "# Benchmark results",
        "",
        "Generated by `python -m benchmarks report` from `benchmarks/results/*.json`; the notes at "
        "the end are written by hand in `benchmarks/notes.md`. Ratios are synthgan / reference, "
        "measured in the same run on the same machine.",
        "",
    ]
    lines += suite_section([r for r in records if r.what == "suite"])
    if latest:
        lines += [
            "## synthgan against ctgan at full epochs (issue 3)",
            "",
            "Earlier two-tool runs of the same suite, kept for the 300-epoch figures.",
            "",
        ]
    for run in latest.values():
        lines += _speed_run_section(run)
    lines += _dp_section(records)
    lines += _eval_section(records)
    lines += _scale_section(records)
    lines += _epoch_speed_section([r for r in records if r.what == "epoch-speed"])
    lines += fairness_section([r for r in records if r.what == "fairness"], PLOTS)
    lines += _startup_section([r for r in records if r.what == "startup"])
    lines += _audit_section([r for r in records if r.what == "audit"])
    lines += _shadow_section([r for r in records if r.what == "audit-shadow"])
    lines += [
        "## All two-tool runs (issue 3)",
        "",
        "| date | suite | tool | epochs | epoch s | quality | TSTR AUC |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        for r in run:
            tool = _tool_figures(r)
            lines.append(
                f"| {r.date} | {r.dataset} | {r.tool} | {r.settings['epochs']} | "
                f"{fmt(_get(tool, ('fit', 'epoch_seconds')))} | {fmt(_get(tool, ('scores', 'quality')))} | "
                f"{fmt(_get(tool, ('scores', 'tstr_auc')))} |"
            )
    if NOTES.exists():
        lines += ["", NOTES.read_text().strip(), ""]
    PAGE.write_text("\n".join(lines) + "\n")
    return PAGE
