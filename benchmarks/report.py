"""Rewrite benchmarks/RESULTS.md from the JSON records in benchmarks/results/."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
NOTES = HERE / "notes.md"
PAGE = HERE / "RESULTS.md"

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


def _suite_section(run: dict) -> list[str]:
    tools = run["tools"]
    ours, ref = tools.get("synthgan", {}), tools.get("ctgan", {})
    s = run["settings"]
    lines = [
        f"## {run['suite']}, {run['settings']['epochs']} epochs — {run['date']}",
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
        lines += [
            "### DP settings sweep (Adult, seed 0)",
            "",
            "`python -m benchmarks.dp_sweep --epsilon E --grid '[...]'`; each row changes the DP "
            "defaults of its time as listed.",
            "",
            "| date | ε | settings | σ | steps | epoch s | quality | pair trends | TSTR AUC |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        for line in sweep.read_text().splitlines():
            r = json.loads(line)
            settings = dict(r["settings"])
            privacy = settings.pop("privacy")
            if privacy.get("max_grad_norm") != 1.0:
                settings["max_grad_norm"] = privacy["max_grad_norm"]
            shown = ", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
            lines.append(
                f"| {r['date'][:16]} | {r['epsilon']:g} | {shown} | {r['noise_multiplier']:.2f} | "
                f"{r['steps']} | {r['epoch_seconds']:.2f} | {r['scores']['quality']:.3f} | "
                f"{r['scores']['column_pair_trends']:.3f} | {r['scores']['tstr_auc']:.3f} |"
            )
        lines.append("")
    return lines


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
        seconds = ", ".join(f"{k} {v:,.0f} s" for k, v in r["seconds"].items())
        lines += [
            f"**Distances at scale** ({scale['date'][:16]}, `{scale['command']}`): exact DCR share, "
            "copies, NNDR and both membership attacks on "
            f"{r['rows']['synthetic']:,} synthetic × {r['rows']['real']:,} real rows "
            f"(+ {r['rows']['holdout']:,} holdout), {r['source']}; {r['encoded_width']} encoded "
            f"columns ({r['encoded_mb']:,.0f} MB as float32). Peak resident memory "
            f"**{r['peak_rss_mb']:,.0f} MB** ({r['rss_after_reading_mb']:,.0f} MB after reading "
            f"the three tables). Time: {seconds}.",
            "",
        ]
    return lines


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
    for run in latest.values():
        lines += _suite_section(run)
    lines += _dp_section()
    lines += _eval_section()
    lines += [
        "## All runs",
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
