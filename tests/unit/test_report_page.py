"""The HTML report's parts: how numbers are written, how histograms are binned, the sample rows
and the order of the page (the browser test renders the whole page)."""

from __future__ import annotations

import base64
import json
import re
import struct
from html import escape

import numpy as np
import pandas as pd
import pytest

from synthgan.evaluate import html, plots
from synthgan.evaluate.distributions import _edges, column_distributions
from synthgan.evaluate.formatting import format_reference, format_value, percent
from synthgan.evaluate.metrics import METRICS
from synthgan.evaluate.report import Report
from synthgan.evaluate.samples import SAMPLE_ROWS, sample_rows
from synthgan.evaluate.tables import prepare_tables


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("quality", 0.91234, "91.2%"),
        ("coverage", 1.0, "100.0%"),
        ("exact_copy_rate", 0.0, "0%"),
        ("exact_copy_rate", 0.0004, "0.04%"),
        ("label_share_error", 0.25, "25.0%"),  # a relative gap, unbounded: still a percentage
        ("detection_auc", 0.91234, "0.912"),  # ROC AUC is read as a decimal
        ("mia_distance_auc", 0.5, "0.500"),
        ("tstr_f1", 0.7964, "0.796"),
        ("tstr_r2", -0.2, "-0.200"),
        ("dp_ratio_real", 0.6871, "0.687"),
        ("augmentation_gain", 0.0023, "+0.002"),
        ("dcr_p5", 0.0341, "0.034"),
        ("dcr_p5", 1234.5, "1,234"),
        ("tstr_mae", 12.345, "12.3"),
        ("mia_density_ratio_tpr_at_1pct_fpr", 0.0123, "1.2%"),  # a share, as the other attack's
        ("mia_distance_tpr_at_1pct_fpr", 0.0123, "1.2%"),
        ("mia_density_ratio_auc", 0.5, "0.500"),
    ],
)
def test_each_score_is_written_as_a_percentage_or_a_short_decimal(key, value, expected):
    assert format_value(key, value) == expected


@pytest.mark.parametrize("value", [0.12345, 0.98765, 0.00123, 0.5])
def test_no_registered_score_is_written_as_a_four_decimal_fraction(value):
    for m in METRICS:
        assert not re.search(r"\d\.\d{4}", format_value(m.key, value)), m.key


def test_a_reference_is_written_in_its_scores_own_style():
    scores = {"holdout_coverage": 0.9821, "detection_lr_auc": 0.51234}
    assert format_reference("holdout {holdout_coverage:.3f}", scores) == "holdout 98.2%"
    assert format_reference("logistic {detection_lr_auc:.3f}", scores) == "logistic 0.512"
    assert format_reference("real {dp_gap_real:.3f}", scores) is None  # missing: caller falls back
    assert percent(0.5) == "50.0%"


def test_integer_columns_get_bins_on_half_integers_with_equal_counts_of_values():
    ages = np.random.default_rng(0).integers(18, 80, 3000).astype(float)
    edges, integer = _edges(ages)
    assert integer
    widths = np.diff(edges)
    assert np.all(widths == widths[0]) and widths[0] == round(widths[0]) and widths[0] > 1
    assert np.all(edges % 1 == 0.5)  # no integer on an edge: no comb of empty and double bins
    assert len(widths) <= 30 and edges[0] < ages.min() and edges[-1] > ages.max()


def test_few_integer_values_get_one_bin_each_over_their_whole_range():
    ratings = np.array([1.0] * 3 + [2, 3, 4] * 400 + [5.0] * 2)  # the ends rarer than 0.5%
    edges, integer = _edges(ratings)
    assert integer and edges.tolist() == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]


def test_fractional_values_get_equal_bins_over_the_middle_of_the_real_values():
    values = np.random.default_rng(0).normal(size=1000)
    edges, integer = _edges(values)
    assert not integer and len(edges) == 31
    assert np.allclose(edges[[0, -1]], np.quantile(values, [0.005, 0.995]))


def test_values_beyond_the_plotted_range_are_counted_apart_not_piled_into_the_end_bins():
    rng = np.random.default_rng(1)
    # 0.3% of the real values and 10% of the synthetic ones far out in the tail
    real = pd.DataFrame({"x": np.concatenate([rng.normal(size=997), np.full(3, 1000.0)])})
    fake = pd.DataFrame({"x": np.concatenate([rng.normal(size=900), np.full(100, 1000.0)])})
    column = column_distributions(prepare_tables(real, fake))[1]["columns"]["x"]
    assert column["edges"][-1] < 5
    assert column["tails"]["real"][1] == pytest.approx(
        0.005, abs=0.001
    )  # beyond the 99.5th centile
    assert column["tails"]["synthetic"][1] == pytest.approx(0.1, abs=0.005)
    assert column["synthetic"][-1] < 0.02  # no spike in the end bin
    for table in ("real", "synthetic"):
        assert sum(column[table]) + sum(column["tails"][table]) == pytest.approx(1.0)
    caption = html._column_caption(column)
    assert caption.startswith("Not plotted: values below") and "synthetic 10.1%)." in caption


def _png_size(uri: str) -> tuple[int, int]:
    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plots_are_drawn_at_the_width_the_page_shows_them():
    """Drawn at 370 px, a figure is never shrunk on a 400 px screen, so 9 pt text stays 12 px."""
    numeric = {
        "kind": "numeric",
        "edges": [0.5, 1.5, 2.5, 3.5],
        "integer": True,
        "real": [0.2, 0.5, 0.3],
        "synthetic": [0.3, 0.4, 0.3],
        "tails": {"real": [0, 0], "synthetic": [0, 0]},
        "missing": {"real": 0.0, "synthetic": 0.0},
    }
    labels = {"kind": "categorical", "labels": ["a", "b"], "real": [0.6, 0.4]}
    labels |= {"synthetic": [0.5, 0.5], "other_labels": 0, "missing": numeric["missing"]}
    for uri in (plots.column_plot("n", numeric), plots.column_plot("c", labels)):
        width, _ = _png_size(uri)
        assert width == round(plots.WIDTH * plots.DPI) <= 376
        assert len(uri) < 40_000  # a small PNG


def test_sample_rows_are_few_json_ready_and_drawn_with_the_seed():
    real = pd.DataFrame(
        {
            "n": np.arange(50.0),
            "when": pd.date_range("2020-01-01", periods=50, tz="UTC"),
            "c": ["a", None] * 25,
        }
    )
    real.loc[3, "n"] = np.nan
    first = sample_rows(real, real.head(3), ["n", "when", "c", "not there"], seed=0)
    assert first["columns"] == ["n", "when", "c"]
    assert len(first["real"]) == SAMPLE_ROWS and len(first["synthetic"]) == 3
    assert json.loads(json.dumps(first)) == first
    assert first == sample_rows(real, real.head(3), ["n", "when", "c"], seed=0)
    values = {type(v) for row in first["real"] for v in row}
    assert values <= {float, str, type(None)}


def _report() -> Report:
    scores = {
        "quality": 0.91234,
        "detection_auc": 0.71234,
        "exact_copy_rate": 0.0,
        "holdout_copy_rate": 0.0,
    }
    details = {"samples": {"columns": ["x"], "real": [[1.5]], "synthetic": [[None]]}}
    settings = {"rows": {"real": 100, "synthetic": 100}, "columns": {"x": "numeric"}}
    return Report(scores, {}, details, settings | {"ignored": [], "seed": 0}, {"quality": 1.0})


def test_the_page_opens_with_the_overall_verdict_then_the_areas_then_their_lines():
    page = _report().to_html()
    body = page[page.index("<main>") :]
    first = re.search(r'<section id="([^"]+)"', body)[1]
    assert first == "verdict"
    order = [body.index(s) for s in ('class="overall fair"', 'class="cards"', 'class="lines"')]
    assert order == sorted(order)
    assert "Overall: fair" in page and "91.2%" in page and "0.712" in page
    assert "0.9123" not in page and "0.7123" not in page
    links = re.findall(r'<nav class="toc".*?</nav>', page, re.S)[0]
    for target in re.findall(r'href="#([^"]+)"', links):
        assert f'id="{target}"' in page
    assert "<pre>{" not in page  # the settings are a table, not raw JSON
    assert re.search(r"<td>seed</td><td>0</td>", page)
    assert re.search(r"<td>columns left out</td><td>none</td>", page)


def test_the_notebook_headline_has_the_overall_and_each_areas_verdict():
    report = _report()
    headline = report._repr_html_()
    assert "Overall: fair" in headline and "<table" in headline
    assert all(escape(a.summary) in headline for a in report.areas)
    assert '<div class="synthgan">' in headline and "<style>" in headline
