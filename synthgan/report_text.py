"""Plain-text views of a schema and a model file, for the terminal (and a notebook's cell)."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = [
    "describe_model",
    "model_html",
    "schema_table",
    "sparkline",
    "training_curves",
    "training_line",
    "training_series",
]

BARS = "▁▂▃▄▅▆▇█"
#: Points per curve in `synthgan info` (longer series are averaged down to this many).
CURVE_POINTS = 48


def _domain(column: dict[str, Any]) -> str:
    if column.get("categories") is not None:
        values = column["categories"]
        shown = ", ".join(str(v) for v in values[:6])
        return f"{len(values)} values: {shown}" + (", ..." if len(values) > 6 else "")
    if column.get("bounds") is not None:
        lo, hi = column["bounds"]
        if column.get("kind") == "datetime":  # held as seconds since the epoch
            from synthgan.datetimes import seconds_text

            return f"[{seconds_text(lo)}, {seconds_text(hi)}] (UTC)"
        return f"[{lo:g}, {hi:g}]"
    if column.get("id_format"):
        from synthgan.schema import IdFormat

        ids = IdFormat.from_dict(column["name"], column["id_format"])
        made = ids.strings(0, 1) if column.get("kind") == "categorical" else ids.numbers(0, 1)
        return f"regenerated like {made[0]}"
    return ""


def _schema_rows(schema: dict[str, Any]) -> list[tuple[str, ...]]:
    """A header, then per column: name, kind, role, missing values, domain and its source."""
    rows = [("column", "kind", "role", "nulls", "domain (source)")]
    for c in schema["columns"]:
        domain = _domain(c)
        nulls = "yes" if c["nullable"] else "no"
        rows.append(
            (c["name"], c["kind"], c["role"], nulls, f"{domain} ({c['source']})" * bool(domain))
        )
    return rows


def schema_table(schema: dict[str, Any]) -> str:
    """One line per column: name, kind, role, missing values, domain and its source."""
    rows = _schema_rows(schema)
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        for r in rows
    ]
    return "\n".join(lines)


def training_line(training: dict[str, Any]) -> str:
    """How long a fit trained, why it stopped and what validation kept."""
    validation = training.get("validation", "off")
    if "steps" not in training:  # under DP: the ledger has the steps
        return f"validation {validation}"
    line = f"trained {training['steps']:,} steps (stopped by {training['stopped_by']})"
    if isinstance(validation, dict) and validation.get("best"):
        best = validation["best"]
        line += (
            f"; kept the generator of step {best['step']:,}: validation fidelity "
            f"{best['fidelity']:.3f} (detection AUC {best['detection_auc']:.3f}) on "
            f"{validation['rows']:,} held-out rows"
        )
        if best.get("lost_categories"):
            lost = best["lost_categories"]
            line += f"; categories it rarely makes: {', '.join(lost[:5])}" + (
                ", ..." if len(lost) > 5 else ""
            )
    else:
        line += "; no validation"
    return line


def sparkline(values: list[float], points: int = CURVE_POINTS) -> str:
    """A curve in one line of block characters, low to high (series longer than ``points`` are
    averaged in equal chunks)."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    if len(v) > points:
        v = np.array([chunk.mean() for chunk in np.array_split(v, points)])
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:
        return BARS[0] * len(v)
    return "".join(BARS[round((x - lo) / (hi - lo) * (len(BARS) - 1))] for x in v)


def training_series(history: list[dict[str, Any]], fit: dict[str, Any]) -> dict[str, Any]:
    """Per epoch, the losses and the generator's gradient norm; per validation, its step and
    fidelity, and the step whose generator was kept (empty where the model has none)."""
    series: dict[str, Any] = {
        key: [h[key] for h in history if key in h] for key in ("loss_g", "loss_d", "grad_g")
    }
    validation = fit.get("training", {}).get("validation")
    records = validation.get("records", []) if isinstance(validation, dict) else []
    series["validation_step"] = [r["step"] for r in records]
    series["val_fidelity"] = [r["fidelity"] for r in records]
    series["best_step"] = validation.get("best_step") if records else None
    return series


def training_curves(history: list[dict[str, Any]], fit: dict[str, Any]) -> list[str]:
    """The losses, the generator's gradient norm and the validation fidelity as sparklines."""
    series = training_series(history, fit)
    del series["validation_step"], series["best_step"]
    lines = []
    for key, values in series.items():
        if len(values) >= 2:
            lines.append(
                f"    {key:<13} {sparkline(values)}  {min(values):.3g} .. {max(values):.3g}, "
                f"last {values[-1]:.3g}"
            )
    if lines:
        lines.insert(
            0, f"  training curves (over {len(history)} epochs; validations for val_fidelity):"
        )
    return lines


def diagnostics_lines(diagnostics: dict[str, Any]) -> list[str]:
    """Coverage, duplicates and the fit's warnings."""
    coverage = diagnostics.get("coverage") or {}
    line = "  diagnostics: "
    if coverage:
        worst = min(coverage, key=coverage.get)
        line += (
            "the generator makes every category and numeric mode with 0.1 % of the rows; "
            if coverage[worst] == 1
            else f"of the categories and numeric modes with 0.1 % of the rows, it makes "
            f"{coverage[worst]:.0%} of {worst}'s (the lowest); "
        )
    line += f"duplicate rows {diagnostics['duplicate_rate']:.2%}"
    if diagnostics.get("real_duplicate_rate") is not None:
        line += f" (real {diagnostics['real_duplicate_rate']:.2%})"
    lines = [line]
    lines += [f"  warning: {w}" for w in diagnostics.get("warnings", [])]
    return lines


def model_html(manifest: dict[str, Any], audit: dict[str, Any] | None = None) -> str:
    """A fitted model in a notebook: its privacy first, then the columns as a table, then the
    training summary (``synthgan info``'s text)."""
    if manifest.get("privacy"):
        ledger = manifest["privacy"]
        privacy = (
            f"differentially private: ε = {ledger['epsilon_spent']:.3g} "
            f"(of {ledger['epsilon_target']:g}), δ = {ledger['delta_target']:.3g}"
        )
    else:
        privacy = "no differential privacy (the model can memorise rows)"
    header, *rows = _schema_rows(manifest["schema"])
    table = "".join(
        "<tr>" + "".join(f"<{tag}>{escape(str(v))}</{tag}>" for v in row) + "</tr>"
        for tag, row in [("th", header), *[("td", r) for r in rows]]
    )
    summary = describe_model(manifest, audit, schema=False)
    return (
        f"<div><strong>synthgan Synthesizer</strong>, fitted; {escape(privacy)}"
        f"<table>{table}</table>"
        f"<details><summary>training and settings</summary><pre>{escape(summary)}</pre>"
        "</details></div>"
    )


def describe_model(
    manifest: dict[str, Any], audit: dict[str, Any] | None = None, *, schema: bool = True
) -> str:
    """A readable summary of a model file's manifest, and of the audit kept beside it."""
    fit = manifest.get("fit", {})
    config = manifest.get("config", {})
    history = manifest.get("history", [])
    versions = manifest.get("versions", {})
    settings = {**config, **fit.get("settings", {})}  # auto parameters as resolved at fit
    lines = [
        "synthgan model ("
        + (f"format {manifest['format_version']}, " if "format_version" in manifest else "")
        + f"written by synthgan {manifest.get('synthgan_version')})",
        f"  trained on {'about ' if fit.get('rows_are_dp_estimate') else ''}"
        f"{fit.get('rows', '?'):,} rows"
        + (" (DP count)" if fit.get("rows_are_dp_estimate") else "")
        + f", {fit.get('encoded_dim', '?')} encoded features, on {fit.get('device', '?')}"
        + (f" ({settings['precision']})" if "precision" in settings else "")
        + (f" in {fit['fit_seconds']:.1f}s" if "fit_seconds" in fit else "")
        + f" (started {fit.get('fitted_at', '?')})",
        f"  epochs {settings.get('epochs')}, batch {settings.get('batch_size')}, "
        f"pac {settings.get('pac')}, generator {config.get('generator_dim')}, "
        f"critic {settings.get('discriminator_dim')}, "
        + (f"weight average {settings['ema']:g}, " if settings.get("ema") else "")
        + f"seed {config.get('seed')}",
    ]
    if "training" in fit:
        lines.append("  " + training_line(fit["training"]))
    lines += training_curves(history, fit)
    if "diagnostics" in fit:
        lines += diagnostics_lines(fit["diagnostics"])
    if history:
        last = history[-1]
        lines.append(
            f"  final epoch {last['epoch']}: loss_g {last['loss_g']:.3f}, "
            + (f"loss_d {last['loss_d']:.3f}, " if "loss_d" in last else "")
            + f"condition loss {last['loss_cond']:.3f}"
        )
    groups = (manifest.get("combinations") or {}).get("groups", [])
    if groups:
        names = "; ".join(" + ".join(g["columns"]) for g in groups)
        lines.append(f"  fixed combinations (each learned as one column): {names}")
    if config.get("fairness"):
        f = config["fairness"]
        lines.append(
            f"  fairness: {f['criterion']} of {f['target']!r} across "
            + " × ".join(
                map(repr, f["sensitive"] if isinstance(f["sensitive"], list) else [f["sensitive"]])
            )
            + f", weight {f['weight']:g}"
        )
    if manifest.get("privacy"):
        from synthgan.privacy import PrivacyLedger

        report = PrivacyLedger.from_dict(manifest["privacy"]).report()
        lines.append("  privacy: " + report.replace("\n", "\n  "))
        if audit:
            from synthgan.evaluate.statements import audit_text

            lines.append("  " + audit_text(audit).replace("\n", "\n  "))
    else:
        lines.append("  privacy: none (no differential privacy; the model can memorise rows)")
    post = manifest.get("postprocess") or {}
    if post.get("raking"):
        raking = post["raking"]
        if post.get("cells"):
            target = config["privacy"]["target"]
            aims = [f"DP two-way tables of {target!r} with every other column"]
        else:
            aims = ["DP marginals" if manifest.get("privacy") else "real marginals"]
        if config.get("fairness") and config["fairness"]["weight"] > 0:
            aims.append("demographic parity")
        lines.append(
            f"  sample reweighed to the {' and '.join(aims)} (raking on generated rows; sampling "
            f"keeps {raking['acceptance']:.0%} of them)"
            + ("; numeric columns mapped onto their DP histograms" if post.get("marginals") else "")
        )
    if post.get("density_ratio"):
        lines.append(
            "  sample filtered by a classifier of real against generated rows (density-ratio "
            f"rejection; sampling keeps {post['density_ratio']['acceptance']:.0%} of them)"
        )
    lines.append("  versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    if schema:
        lines += ["", schema_table(manifest["schema"])]
    return "\n".join(lines)
