"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``, which .ci/run and
``make test`` install) renders it offline, logs nothing to the console, and takes a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FAST

from synthgan import Synthesizer, evaluate

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(page: Path, tmp_path: Path, *extra: str) -> tuple[str, str]:
    """Run headless Chromium on ``page``: (console lines, DOM after load).

    Headless Chromium exits once it has dumped the DOM or taken the screenshot.
    """
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: install Debian's 'chromium' package (make test does).")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
    ]
    if not any(flag.startswith("--screenshot") for flag in extra):
        flags.append("--dump-dom")
    result = subprocess.run(
        [CHROMIUM, *flags, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return "\n".join(console), result.stdout


@pytest.fixture(scope="module")
def report_page(tmp_path_factory, people) -> Path:
    rows = people(3000, seed=4)
    # A model that validated while training, for the model panel and its training curves.
    fast = {**FAST, "epochs": None, "max_steps": 100, "validation": 0.2}
    model = Synthesizer(seed=0, **fast).fit(rows.iloc[:1500])
    report = evaluate(
        rows.iloc[:1500],
        rows.iloc[1500:2500],
        holdout=rows.iloc[2500:],
        target="outcome",
        sensitive="sex",
        model=model,
        verbose=False,
    )
    return report.to_html(tmp_path_factory.mktemp("report") / "report.html")


def test_report_renders_in_chromium_without_console_messages(report_page, tmp_path):
    shot = tmp_path / "report.png"
    console, _ = chromium(report_page, tmp_path, f"--screenshot={shot}", "--window-size=1200,3000")
    assert console == ""
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page, not a blank


def test_report_dom_has_every_panel_and_its_figures(report_page, tmp_path):
    _, dom = chromium(report_page, tmp_path)
    for heading in (
        "Headline",
        "Quality",
        "Utility",
        "Privacy risk",
        "Membership inference",
        "Fairness",
        "Settings",
    ):
        assert f">{heading}</h" in dom
    images = re.findall(r'<img src="([^"]+)"', dom)
    assert len(images) >= 10 and all(src.startswith("data:image/png;base64,") for src in images)
    assert 'class="badge good"' in dom
    assert ">Model</h3>" in dom and "training curves (over" in dom  # the model's sparklines
    assert re.search(r'<img src="data:image/png;base64,[^"]+" alt="training curves">', dom)
    for group in ("F", "M"):  # each group's rate interval and rows, per table
        cell = r"<td>[01]\.\d{3} <small>\[[01]\.\d{3}, [01]\.\d{3}\], [\d,]+ rows</small></td>"
        assert re.search(rf"<td>{group}</td>({cell}){{5}}</tr>", dom)


def test_report_fetches_nothing_from_the_network(report_page, tmp_path):
    """No outside reference in the file, and its policy blocks one if it were added."""
    text = report_page.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', text)
    tampered = tmp_path / "tampered.html"
    tampered.write_text(text.replace("</body>", '<img src="http://example.invalid/x.png"></body>'))
    console, _ = chromium(tampered, tmp_path)
    assert "Content Security Policy" in console


def test_the_console_check_catches_a_broken_page(tmp_path):
    """The check above would see an error if the report had one."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    console, _ = chromium(page, tmp_path)
    assert "undefinedFunction" in console
