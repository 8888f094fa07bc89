"""The HTML report: one self-contained file, readable offline and on a phone.

The verdict comes first (overall, then one card per area, then the lines behind them), then one
section per area, a few sample rows and the settings; a sticky bar links to each section.
Figures are inline PNG data URIs, the style sheet is inline, there is no script, and a
Content-Security-Policy forbids the page from fetching anything, so opening it cannot leak data.
Wide tables scroll inside their own box, so the page itself never scrolls sideways.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from synthgan.datetimes import seconds_text
from synthgan.evaluate import plots
from synthgan.evaluate.formatting import decimal, format_value, percent
from synthgan.evaluate.metrics import metric, table_metrics
from synthgan.evaluate.page_style import STYLE, VERDICT_STYLE
from synthgan.evaluate.statements import NOT_DP_STATEMENT, PRIVACY_STATEMENT, audit_text

if TYPE_CHECKING:  # for the annotation only: report.py imports this module, never the reverse
    from synthgan.evaluate.report import Report
    from synthgan.evaluate.verdicts import AreaVerdict, Verdict

__all__ = ["headline_html", "render"]

#: Distribution plots beyond this many columns are left out (the page says so).
MAX_COLUMN_PLOTS = 60
#: The pair table lists the worst pairs only; the heatmap shows them all.
MAX_PAIR_ROWS = 20
#: Each area's section: its id (the link target) and heading.
SECTIONS = {
    "quality": "Quality",
    "utility": "Utility",
    "privacy": "Privacy risk",
    "fairness": "Fairness",
}

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def render(report: Report) -> str:
    s, d = report.scores, report.details
    areas = {a.area: a for a in report.areas}
    sections = [
        ("verdict", "Verdict", _verdict_section(report)),
        ("quality", SECTIONS["quality"], _quality(s, d)),
        ("utility", SECTIONS["utility"], _utility(s, d)),
        ("privacy", SECTIONS["privacy"], _privacy(report)),
        ("fairness", SECTIONS["fairness"], _fairness(s, d)),
        ("rows", "Sample rows", _samples(d.get("samples"))),
        ("settings", "Settings", _settings(report.settings, report.timings)),
    ]
    sections = [(key, title, html) for key, title, html in sections if html]
    nav = "".join(f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title, _ in sections)
    body = [
        f"<header><h1>Synthetic data evaluation</h1>{_subtitle(report.settings)}</header>",
        f'<nav class="toc" aria-label="sections"><ul>{nav}</ul></nav>',
        "<main>",
        *(
            f'<section id="{key}"><h2>{escape(title)}{_area_badge(areas.get(key))}</h2>\n'
            f"{html}\n</section>"
            for key, title, html in sections
        ),
        "</main>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>synthgan evaluation</title><style>{STYLE}</style></head>\n<body class="synthgan">\n'
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def headline_html(report: Report) -> str:
    """The overall verdict, the area cards and the verdict lines, for a notebook cell."""
    return (
        f'<div class="synthgan"><style>{VERDICT_STYLE}</style>'
        f"<h3>synthgan evaluation</h3>{_overall(report.overall)}{_cards(report.areas, False)}"
        f"{_lines(report)}</div>"
    )


# --- building blocks -------------------------------------------------------------------------


class _Raw:
    """Markup that the table writes as is (already escaped)."""

    def __init__(self, html: str) -> None:
        self.html = html


class _Num(str):
    """Text of a number, right-aligned in its column."""


def _table(header: list[str], rows: list[list[Any]]) -> str:
    """A table in its own scrolling box: on a narrow screen it scrolls, the page does not."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    lines = ["<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in rows]
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(lines)}</tbody></table></div>"
    )


def _cell(cell: Any) -> str:
    if isinstance(cell, _Raw):
        return f"<td>{cell.html}</td>"
    if isinstance(cell, _Num):
        return f'<td class="num">{escape(cell)}</td>'
    if isinstance(cell, float):
        return f'<td class="num">{escape(decimal(cell))}</td>'
    if cell is None:
        return '<td class="missing">missing</td>'
    return f"<td>{escape(str(cell))}</td>"


def _img(uri: str, alt: str, caption: str = "") -> str:
    caption = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{escape(alt)}">{caption}</figure>'


def _css(verdict: str) -> str:
    return verdict.replace(" ", "-")


def _badge(verdict: str) -> str:
    return f'<span class="badge {_css(verdict)}">{escape(verdict)}</span>'


def _area_badge(area: AreaVerdict | None) -> str:
    return f" {_badge(area.verdict)}" if area else ""


def _scores(s: dict[str, float], section: str) -> str:
    """The section's score table: the registry's metrics for it that this report has."""
    rows = [
        [m.label, _Num(format_value(m.key, s[m.key]))] for m in table_metrics(section) if m.key in s
    ]
    return _table(["metric", "value"], rows) if rows else ""


def _subtitle(settings: dict[str, Any]) -> str:
    rows = " · ".join(f"{v:,} {k}" for k, v in settings.get("rows", {}).items())
    when = str(settings.get("evaluated_at", "")).replace("T", " ")
    return (
        f'<p class="sub">{escape(rows)} rows · evaluated {escape(when)} · synthgan '
        f"{escape(str(settings.get('synthgan_version', '')))}</p>"
    )


# --- the verdict ---------------------------------------------------------------------------


def _verdict_section(report: Report) -> str:
    return "\n".join(
        [
            _overall(report.overall),
            _cards(report.areas, True),
            f'<p class="notice"><strong>Not differentially private.</strong> '
            f"{escape(NOT_DP_STATEMENT)}</p>",
            "<h3>The figures behind each verdict</h3>",
            _lines(report),
            _not_applicable(report.not_applicable),
        ]
    )


def _overall(overall: AreaVerdict) -> str:
    return (
        f'<div class="overall {_css(overall.verdict)}"><div class="big">Overall: '
        f"{escape(overall.verdict)}</div><p>{escape(overall.summary)}</p></div>"
    )


def _cards(areas: list[AreaVerdict], linked: bool) -> str:
    cards = []
    for a in areas:
        title = escape(SECTIONS.get(a.area, a.area.capitalize()))
        if linked and a.area in SECTIONS:
            title = f'<a href="#{a.area}">{title}</a>'
        cards.append(
            f'<div class="card {_css(a.verdict)}"><h3>{title}{_badge(a.verdict)}</h3>'
            f"<p>{escape(a.summary)}</p></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _lines(report: Report) -> str:
    """Every headline line under its area: verdict, figure, what to compare it with, meaning."""
    rows, area = [], None
    for v in report.verdicts:
        if v.area != area:
            area = v.area
            title = SECTIONS.get(area, area.capitalize())
            rows.append(f'<tr class="group"><th colspan="5">{escape(title)}</th></tr>')
        rows.append(_line(v))
    head = "".join(
        f"<th>{h}</th>" for h in ("verdict", "figure", "value", "compare with", "what it means")
    )
    return (
        f'<div class="scroll"><table class="lines"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _line(v: Verdict) -> str:
    caveat = f"<br><small>{escape(v.caveat)}</small>" if v.caveat else ""
    return (
        f"<tr><td>{_badge(v.verdict)}</td><td><strong>{escape(v.label)}</strong></td>"
        f'<td class="num">{escape(format_value(v.metric, v.value))}</td>'
        f'<td class="ref">{escape(v.reference)}</td>'
        f'<td class="meaning">{escape(v.meaning)}{caveat}</td></tr>'
    )


def _not_applicable(reasons: dict[str, str]) -> str:
    if not reasons:
        return ""
    items = "".join(
        f"<li><strong>{escape(k)}</strong>: {escape(v)}</li>" for k, v in reasons.items()
    )
    return f"<h3>Not computed</h3><ul>{items}</ul>"


# --- the areas -----------------------------------------------------------------------------


def _quality(s: dict[str, float], d: dict[str, Any]) -> str:
    columns = d.get("distributions", {}).get("columns", {})
    pairs = d.get("quality", {}).get("column_pairs", [])
    out = [_scores(s, "quality")]
    if columns:
        names = list(columns)[:MAX_COLUMN_PLOTS]
        out += [
            "<h3>Columns: real against synthetic</h3>",
            '<div class="figures">',
            *(
                _img(
                    plots.column_plot(name, columns[name]),
                    f"distribution of {name}",
                    _column_caption(columns[name]),
                )
                for name in names
            ),
            "</div>",
        ]
        if len(columns) > len(names):
            out.append(f"<p>{len(columns) - len(names)} more columns are not plotted.</p>")
        shapes = d.get("quality", {}).get("column_shapes", {})
        rows = [
            [
                c,
                _Num(percent(shapes[c])) if c in shapes else "n/a",
                _Num(percent(columns[c]["missing"]["real"])),
                _Num(percent(columns[c]["missing"]["synthetic"])),
            ]
            for c in columns
        ]
        out.append(_table(["column", "shape score", "missing (real)", "missing (synthetic)"], rows))
    if pairs:
        out += [
            "<h3>Pairwise association difference</h3>",
            "<p>100% − the pair-trend score: 0% where a pair's correlation or contingency "
            "table is reproduced, up to 100% where it is lost. Every pair counts; SDMetrics' own "
            "report counts only those whose real association passes its thresholds.</p>",
            '<div class="scroll">',
            _img(
                plots.pair_heatmap(
                    list(columns) or sorted({p["columns"][0] for p in pairs}),
                    [(*p["columns"], p["score"]) for p in pairs],
                ),
                "pair heatmap",
            ),
            "</div>",
            _pair_table(pairs),
        ]
    return "\n".join(out)


def _column_caption(column: dict[str, Any]) -> str:
    """What the figure does not show: values beyond its range, missing values, rarer labels."""
    parts = []
    if column["kind"] == "numeric":
        tails = column.get("tails")
        if tails:
            edges, step = column["edges"], 0.5 if column.get("integer") else 0.0
            for i, side, edge in ((0, "below", edges[0] + step), (1, "above", edges[-1] - step)):
                real, fake = tails["real"][i], tails["synthetic"][i]
                if real or fake:
                    shown = seconds_text(edge) if column.get("dates") else decimal(edge)
                    parts.append(
                        f"{side} {shown} (real {percent(real)}, synthetic {percent(fake)})"
                    )
        if parts:
            parts = ["Not plotted: values " + " and ".join(parts) + "."]
        missing = column["missing"]
        if missing["real"] or missing["synthetic"]:
            parts.append(
                f"Missing: real {percent(missing['real'])}, "
                f"synthetic {percent(missing['synthetic'])}."
            )
    elif column.get("other_labels"):
        parts.append(
            f"The {len(column['labels'])} commonest real labels; "
            f"{column['other_labels']:,} rarer ones are not shown."
        )
    return " ".join(parts)


def _pair_table(pairs: list[dict[str, Any]]) -> str:
    """The pairs, worst first, with the real association beside each score."""
    worst = sorted(pairs, key=lambda p: p["score"])[:MAX_PAIR_ROWS]
    rows = [
        [
            " × ".join(p["columns"]),
            _Num(percent(p["score"])),
            p["metric"],
            _Num(decimal(p["real_association"])),
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
    trained_on = {"trtr": "real", "tstr": "synthetic", "augmented": "real + synthetic"}
    models = {"hgb": "boosting", "linear": "linear"}
    rows = []
    for model, shown in models.items():
        measures = next(
            (details[f"{t}_{model}"] for t in trained_on if f"{t}_{model}" in details), {}
        )
        for name in measures:
            cells = [details.get(f"{t}_{model}", {}).get(name) for t in trained_on]
            rows.append(
                [
                    shown,
                    metric(f"trtr_{name}").label.split(",")[0],
                    *(
                        _Num(format_value(f"trtr_{name}", v) if v is not None else "")
                        for v in cells
                    ),
                ]
            )
    out = [
        f"<p>Models trained on each table, scored on the {details['test_rows']:,} real holdout "
        f"rows ({escape(str(details['task']))} task); each column names the rows a model was "
        "trained on. Accuracy is a share of rows; ROC AUC, F1 and R² are on their usual 0–1 "
        "scale.</p>",
        _table(["model", "metric", *trained_on.values()], rows),
    ]
    if "augmentation_gain" in s:
        label = metric("augmentation_gain").label
        out.append(
            f"<p>{escape(label[:1].upper() + label[1:])}: "
            f"{format_value('augmentation_gain', s['augmentation_gain'])}</p>"
        )
    out.append(_img(plots.utility_plot(details), "utility"))
    return "\n".join(out)


def _privacy(report: Report) -> str:
    s, d = report.scores, report.details
    out = [f'<p class="note">{escape(PRIVACY_STATEMENT)}</p>']
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
    out.append(_scores(s, "privacy"))
    distances = d.get("privacy", {})
    measured, rows = distances.get("synthetic_rows_measured"), distances.get("synthetic_rows")
    if measured is not None and measured < rows:
        out.append(
            f"<p>Distances were measured for a uniform sample of {measured:,} of the {rows:,} "
            "synthetic rows, each searched against every real row: the shares and quantiles "
            "above are estimates from that sample; exact copies were counted on every row.</p>"
        )
    figures = []
    quantiles = distances.get("dcr_quantiles")
    if quantiles:
        figures.append(_img(plots.dcr_plot(quantiles), "distance to closest record"))
    membership = d.get("membership")
    if membership:
        figures.append(_img(plots.mia_plot(membership), "membership attack ROC"))
    out.append(f'<div class="figures">{"".join(figures)}</div>')
    if membership:
        out += [
            "<h3>Membership inference</h3>",
            f"<p>{membership['members']:,} training rows (members) against "
            f"{membership['non_members']:,} holdout rows (non-members); "
            f"{membership['reference_rows']:,} other holdout rows are the attacker's sample of "
            "the population. Under each figure, its 95% bootstrap interval.</p>",
            _membership_table(membership),
        ]
    if report.model_summary:
        out += ["<h3>Model</h3>", f"<pre>{escape(report.model_summary)}</pre>"]
    curves = d.get("model", {}).get("training_curves")
    if curves and any(curves.get(k) for k in ("loss_g", "val_fidelity")):
        alts = ["training curves", "validation fidelity"]
        uris = plots.training_plots(curves)
        figures = [_img(uri, alt) for uri, alt in zip(uris, alts, strict=False)]
        out.append(f'<div class="figures">{"".join(figures)}</div>')
    return "\n".join(out)


def _membership_table(membership: dict[str, Any]) -> str:
    rows = []
    for name in ("distance", "density_ratio"):
        a = membership[name]
        cells: list[Any] = [name.replace("_", "-")]
        for key, write in (
            ("auc", decimal),
            ("tpr_at_1pct_fpr", percent),
            ("tpr_at_0_1pct_fpr", percent),
        ):
            low, high = a[key + "_ci"]
            cells.append(_Raw(f"{write(a[key])}<br><small>{write(low)} – {write(high)}</small>"))
        rows.append(cells)
    return _table(["attack", "ROC AUC", "TPR at 1% FPR", "TPR at 0.1% FPR"], rows)


def _fairness(s: dict[str, float], d: dict[str, Any]) -> str:
    details = d.get("fairness")
    if not details:
        return ""
    return "\n".join(
        [
            f"<p>Rates of the positive class ({escape(str(details['positive']))}) by sensitive "
            "group; trtr / tstr predictions are boosting models trained on real / synthetic "
            "rows, predicting the holdout. Gaps are differences of rates, in percentage "
            "points.</p>",
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
            behind = f"{percent(low)} – {percent(high)}, {table[g]['rows']:,} rows"
            cells.append(_Raw(f"{percent(rates[name][g])}<br><small>{escape(behind)}</small>"))
        rows.append(cells)
    return (
        "<p>Each group's rate, its 95% interval (Wilson) and the rows behind it: a small "
        "group's rate is uncertain, and so is any gap it sets.</p>"
        + _table(["group", *(n.replace("_", " ") for n in groups)], rows)
    )


# --- rows and settings ---------------------------------------------------------------------


def _samples(samples: dict[str, Any] | None) -> str:
    """A few real rows above a few synthetic rows, in the same columns, to compare by eye."""
    if not samples or not samples.get("columns"):
        return ""
    rows = []
    for name in ("real", "synthetic"):
        tag = _Raw(f'<span class="badge {"info" if name == "real" else "fair"}">{name}</span>')
        rows += [[tag, *(_sample_value(v) for v in row)] for row in samples.get(name, [])]
    return (
        "<p>Rows drawn at random from each table. The real rows are shown as they are: this page "
        "is as private as the real table.</p>" + _table(["table", *samples["columns"]], rows)
    )


def _sample_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value if value is None else str(value)  # a bool is an int to isinstance
    if isinstance(value, float):
        return _Num(format(value, ",.6g"))
    if isinstance(value, int):
        return _Num(str(value))
    return str(value)


#: The settings a reader may not know the meaning of by their key.
SETTING_LABELS = {
    "rows": "rows",
    "columns": "columns evaluated",
    "target": "target column",
    "task": "task",
    "positive": "positive class",
    "sensitive": "sensitive column",
    "ignored": "columns left out",
    "seed": "seed",
    "synthgan_version": "synthgan version",
    "evaluated_at": "evaluated at",
}


def _settings(settings: dict[str, Any], timings: dict[str, float]) -> str:
    rows = [
        [SETTING_LABELS.get(k, k.replace("_", " ")), _setting(k, v)] for k, v in settings.items()
    ]
    if timings:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
        rows.append(["time taken", f"{sum(timings.values()):.1f} s ({parts})"])
    return _table(["setting", "value"], rows)


def _setting(key: str, value: Any) -> str:
    """A setting as a phrase: counts with separators, columns grouped by kind, none for empty."""
    if key == "rows" and isinstance(value, dict):
        return " · ".join(f"{n:,} {name}" for name, n in value.items())
    if key == "columns" and isinstance(value, dict):
        kinds: dict[str, list[str]] = {}
        for column, kind in value.items():
            kinds.setdefault(str(kind), []).append(str(column))
        return "; ".join(f"{kind}: {', '.join(names)}" for kind, names in kinds.items())
    if value is None or value == [] or value == {}:
        return "none"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if key == "evaluated_at":
        return str(value).replace("T", " ")
    return str(value)
