"""The HTML report: one self-contained file, readable offline.

Figures are inline PNG data URIs, the style sheet is inline, there is no script, and a
Content-Security-Policy forbids the page from fetching anything, so opening it cannot leak data.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

from synthgan.evaluate import plots
from synthgan.evaluate.metrics import metric, table_metrics
from synthgan.evaluate.statements import NOT_DP_STATEMENT, PRIVACY_STATEMENT, audit_text

if TYPE_CHECKING:  # for the annotation only: report.py imports this module, never the reverse
    from synthgan.evaluate.report import Report

__all__ = ["headline_html", "render"]

#: Distribution plots beyond this many columns are left out (the page says so).
MAX_COLUMN_PLOTS = 60
#: The pair table lists the worst pairs only; the heatmap shows them all.
MAX_PAIR_ROWS = 20

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem;
       margin-top: 2rem; }
.sub { color: #666; margin-top: 0; }
.notice { background: #fff4e5; border-left: 4px solid #e69500; padding: 0.5em 0.8em; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #eee; padding: 0.3rem 0.7rem; text-align: left; }
th { background: #f6f6f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { padding: 0.1rem 0.5rem; border-radius: 0.6rem; font-size: 0.8rem; font-weight: 600; }
.good { background: #d8f0dc; color: #1d6b2c; } .fair { background: #fff0c2; color: #7a5a00; }
.poor { background: #f8d5d5; color: #8a1f1f; } .info { background: #e4ecf7; color: #2c4d7a; }
.grid { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.note { background: #f4f6fa; border-left: 4px solid #7a93bd; padding: 0.6rem 0.9rem; }
pre { background: #f7f7f7; padding: 0.7rem; overflow-x: auto; font-size: 0.8rem; }
img { max-width: 100%; }
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def render(report: Report) -> str:
    s, d = report.scores, report.details
    settings = report.settings
    rows = ", ".join(f"{v:,} {k}" for k, v in settings.get("rows", {}).items())
    body = [
        "<h1>Synthetic data evaluation</h1>",
        f'<p class="notice"><strong>Not differentially private.</strong> '
        f"{escape(NOT_DP_STATEMENT)}</p>",
        f'<p class="sub">{escape(rows)} rows · evaluated {escape(str(settings.get("evaluated_at", "")))}'
        f" · synthgan {escape(str(settings.get('synthgan_version', '')))}</p>",
        "<h2>Headline</h2>",
        _verdicts(report),
        _not_applicable(report.not_applicable),
        _quality(s, d),
        _utility(s, d),
        _privacy(report),
        _fairness(s, d),
        "<h2>Settings</h2>",
        f"<pre>{escape(json.dumps(settings, indent=2))}</pre>",
        "<h2>Timings (seconds)</h2>",
        _table(["part", "seconds"], [[k, f"{v:.2f}"] for k, v in report.timings.items()]),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>synthgan evaluation</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body></html>\n"
    )


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, float):
                cells.append(f'<td class="num">{cell:.4f}</td>')
            elif isinstance(cell, _Raw):
                cells.append(f"<td>{cell.html}</td>")
            else:
                cells.append(f"<td>{escape(str(cell))}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


class _Raw:
    """Markup that the table writes as is (already escaped)."""

    def __init__(self, html: str) -> None:
        self.html = html


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{escape(alt)}">'


def _scores(s: dict[str, float], section: str) -> str:
    """The section's score table: the registry's metrics for it that this report has."""
    rows = [[m.label, s[m.key]] for m in table_metrics(section) if m.key in s]
    return _table(["metric", "value"], rows) if rows else ""


def _verdicts(report: Report) -> str:
    rows = [
        [
            v.area,
            v.label,
            v.value,
            v.reference,
            _Raw(f'<span class="badge {v.verdict}">{v.verdict}</span>'),
            _Raw(
                escape(v.meaning) + (f"<br><small>{escape(v.caveat)}</small>" if v.caveat else "")
            ),
        ]
        for v in report.verdicts
    ]
    return _table(["area", "metric", "value", "compare with", "verdict", "what it means"], rows)


def headline_html(report: Report) -> str:
    """The headline verdicts as an HTML table, for a notebook cell."""
    return f"<div><h3>synthgan evaluation</h3>{_verdicts(report)}</div>"


def _not_applicable(reasons: dict[str, str]) -> str:
    if not reasons:
        return ""
    return "<h3>Not applicable</h3>" + _table(
        ["metric", "why"], [[k, v] for k, v in reasons.items()]
    )


def _quality(s: dict[str, float], d: dict[str, Any]) -> str:
    out = [
        "<h2>Quality</h2>",
        _scores(s, "quality"),
    ]
    columns = d.get("distributions", {}).get("columns", {})
    pairs = d.get("quality", {}).get("column_pairs", [])
    if pairs:
        out += [
            "<h3>Pairwise association difference</h3>",
            "<p>1 − the pair-trend score: 0 where a pair's correlation or contingency "
            "table is reproduced, up to 1 where it is lost. Every pair counts; SDMetrics' own "
            "report counts only those whose real association passes its thresholds.</p>",
            _img(
                plots.pair_heatmap(
                    list(columns) or sorted({p["columns"][0] for p in pairs}),
                    [(*p["columns"], p["score"]) for p in pairs],
                ),
                "pair heatmap",
            ),
            _pair_table(pairs),
        ]
    if columns:
        names = list(columns)[:MAX_COLUMN_PLOTS]
        out += ["<h3>Columns: real against synthetic</h3>", '<div class="grid">']
        out += [
            _img(plots.column_plot(name, columns[name]), f"distribution of {name}")
            for name in names
        ]
        out.append("</div>")
        if len(columns) > len(names):
            out.append(f"<p>{len(columns) - len(names)} more columns are not plotted.</p>")
        shapes = d.get("quality", {}).get("column_shapes", {})
        rows = [
            [
                c,
                shapes.get(c, "n/a"),
                columns[c]["missing"]["real"],
                columns[c]["missing"]["synthetic"],
            ]
            for c in columns
        ]
        out.append(_table(["column", "shape score", "missing (real)", "missing (synthetic)"], rows))
    return "\n".join(out)


def _pair_table(pairs: list[dict[str, Any]]) -> str:
    """The pairs, worst first, with the real association beside each score."""
    worst = sorted(pairs, key=lambda p: p["score"])[:MAX_PAIR_ROWS]
    rows = [
        [
            " × ".join(p["columns"]),
            p["score"],
            p["metric"],
            p["real_association"],
            "yes" if p["sdmetrics_counts"] else "no",
        ]
        for p in worst
    ]
    note = (
        f"<p>The {len(worst)} worst of {len(pairs)} pairs.</p>" if len(pairs) > len(worst) else ""
    )
    header = ["pair", "trend score", "compared", "real association", "SDMetrics counts it"]
    return note + _table(header, rows)


def _utility(s: dict[str, float], d: dict[str, Any]) -> str:
    details = d.get("utility")
    if not details:
        return ""
    rows = []
    for key, metrics in details.items():
        if isinstance(metrics, dict):
            trained, model = key.split("_", 1)
            rows += [
                [
                    {"trtr": "real", "tstr": "synthetic", "augmented": "real + synthetic"}.get(
                        trained, trained
                    ),
                    model,
                    m,
                    v,
                ]
                for m, v in metrics.items()
            ]
    out = [
        "<h2>Utility</h2>",
        f"<p>Models trained on each table, scored on the {details['test_rows']:,} real holdout rows "
        f"({escape(str(details['task']))} task).</p>",
        _table(["trained on", "model", "metric", "value on holdout"], rows),
    ]
    if "augmentation_gain" in s:
        label = metric("augmentation_gain").label
        out.append(f"<p>{escape(label[:1].upper() + label[1:])}: {s['augmentation_gain']:+.4f}</p>")
    out.append(_img(plots.utility_plot(details), "utility"))
    return "\n".join(out)


def _privacy(report: Report) -> str:
    s, d = report.scores, report.details
    out = ["<h2>Privacy risk</h2>", f'<p class="note">{escape(PRIVACY_STATEMENT)}</p>']
    if report.ledger:
        from synthgan.privacy import PrivacyLedger

        text = PrivacyLedger.from_dict(report.ledger).report()
        out += [
            "<h3>Differential-privacy guarantee of the model</h3>",
            f"<pre>{escape(text)}</pre>",
        ]
        if report.audit:
            out += [
                '<h3 id="audit">Empirical privacy audit of the pipeline</h3>',
                f"<pre>{escape(audit_text(report.audit))}</pre>",
            ]
    elif report.model_summary:
        out.append(
            "<p>The model that made this table was trained without differential privacy.</p>"
        )
    if report.model_summary:
        out += ["<h3>Model</h3>", f"<pre>{escape(report.model_summary)}</pre>"]
    curves = d.get("model", {}).get("training_curves")
    if curves and any(curves.get(k) for k in ("loss_g", "val_fidelity")):
        out.append(_img(plots.training_plot(curves), "training curves"))
    out.append(_scores(s, "privacy"))
    distances = d.get("privacy", {})
    measured, rows = distances.get("synthetic_rows_measured"), distances.get("synthetic_rows")
    if measured is not None and measured < rows:
        out.append(
            f"<p>Distances were measured for a uniform sample of {measured:,} of the {rows:,} "
            "synthetic rows, each searched against every real row: the shares and quantiles "
            "above are estimates from that sample; exact copies were counted on every row.</p>"
        )
    quantiles = distances.get("dcr_quantiles")
    if quantiles:
        out.append(_img(plots.dcr_plot(quantiles), "distance to closest record"))
    membership = d.get("membership")
    if membership:
        rows = []
        for name in ("distance", "density_ratio"):
            a = membership[name]
            rows.append(
                [name]
                + [
                    _Raw(
                        f"{a[k]:.4f} <small>[{a[k + '_ci'][0]:.3f}, {a[k + '_ci'][1]:.3f}]</small>"
                    )
                    for k in ("auc", "tpr_at_1pct_fpr", "tpr_at_0_1pct_fpr")
                ]
            )
        out += [
            "<h3>Membership inference</h3>",
            f"<p>{membership['members']:,} training rows (members) against {membership['non_members']:,} "
            f"holdout rows (non-members); {membership['reference_rows']:,} other holdout rows are the "
            "attacker's sample of the population. 95% bootstrap intervals in brackets.</p>",
            _table(["attack", "ROC AUC", "TPR at 1% FPR", "TPR at 0.1% FPR"], rows),
            _img(plots.mia_plot(membership), "membership attack ROC"),
        ]
    return "\n".join(out)


def _fairness(s: dict[str, float], d: dict[str, Any]) -> str:
    details = d.get("fairness")
    if not details:
        return ""
    return "\n".join(
        [
            "<h2>Fairness</h2>",
            f"<p>Rates of the positive class ({escape(str(details['positive']))}) by sensitive group; "
            "trtr / tstr are boosting models trained on real / synthetic rows, predicting the holdout.</p>",
            _scores(s, "fairness"),
            _group_table(details["rates"], details["groups"]),
            _img(
                plots.fairness_plot(details["rates"], str(details["positive"]), details["groups"]),
                "fairness",
            ),
        ]
    )


def _group_table(rates: dict[str, dict[str, float]], groups: dict[str, dict[str, Any]]) -> str:
    """Each group's rate with its 95% interval and row count, per table and model."""
    names = sorted({g for table in groups.values() for g in table})
    rows = []
    for g in names:
        cells: list[Any] = [g]
        for name, table in groups.items():
            if g not in table:
                cells.append("")
                continue
            low, high = table[g]["interval"]
            rows_behind = f"[{low:.3f}, {high:.3f}], {table[g]['rows']:,} rows"
            cells.append(_Raw(f"{rates[name][g]:.3f} <small>{rows_behind}</small>"))
        rows.append(cells)
    return (
        "<p>Each group's rate, its 95% interval (Wilson) and the rows behind it: a small "
        "group's rate is uncertain, and so is any gap it sets.</p>"
        + _table(["group", *groups], rows)
    )
