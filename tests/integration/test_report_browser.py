"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``, which .ci/run and
``make test`` install) renders it offline, logs nothing to the console, and takes a screenshot."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from html import escape, unescape
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


#: A host page that lays the report out in a frame ``width`` pixels wide (a window narrower than
#: 500 px is widened by headless Chromium when it dumps the DOM; a frame is not) and writes what
#: a reader would see into its own DOM, for --dump-dom to return. The report itself has no script
#: and its policy forbids one, so the probe lives outside it.
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" style="width:WIDTHpx;height:900px;border:0" srcdoc="PAGE"></iframe>
<script>
window.addEventListener("load", () => {
  const win = document.getElementById("page").contentWindow, doc = win.document;
  const root = doc.documentElement;
  const links = [...doc.querySelectorAll("nav.toc a")].map(a => a.getAttribute("href"));
  const shrunk = [...doc.images].filter(i => i.width < 0.9 * i.naturalWidth);
  const wide = [...doc.querySelectorAll("main *, header *")].filter(e =>
      e.getBoundingClientRect().right > win.innerWidth + 1 && !e.closest(".scroll, pre"));
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    fits: root.scrollWidth <= win.innerWidth,
    scrollWidth: root.scrollWidth,
    innerWidth: win.innerWidth,
    sections: [...doc.querySelectorAll("main > section")].map(s => s.id),
    first: doc.querySelector("main > section > h2 + *").className,
    broken: links.filter(href => !doc.getElementById(href.slice(1))),
    links: links.length,
    images: doc.images.length,
    shrunk: shrunk.map(i => i.alt + " " + i.width + "/" + i.naturalWidth),
    wide: wide.slice(0, 5).map(e => e.tagName + "." + e.className),
  });
  document.body.appendChild(probe);
});
</script></body></html>"""


def measure(page: Path, tmp_path: Path, width: int) -> dict:
    """Lay the page out ``width`` pixels wide in Chromium and return what :data:`PROBE` found."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    host = tmp_path / f"probe-{width}.html"
    host.write_text(
        PROBE.replace("WIDTH", str(width)).replace("PAGE", escape(text, quote=True)),
        encoding="utf-8",
    )
    console, dom = chromium(host, tmp_path, "--window-size=1400,1000")
    assert console == ""
    return json.loads(unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)[1]))


@pytest.mark.parametrize("width", [1280, 400])
def test_report_reads_at_a_glance_at_desktop_and_phone_widths(report_page, tmp_path, width):
    """Screenshots are kept under tmp_path (look at them when the page changes)."""
    shot = tmp_path / f"report-{width}.png"
    console, _ = chromium(
        report_page, tmp_path, f"--screenshot={shot}", f"--window-size={width},3000"
    )
    assert console == ""
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page, not a blank
    assert struct.unpack(">I", data[16:20])[0] == width

    seen = measure(report_page, tmp_path, width)
    assert seen["fits"], seen  # no sideways scrolling of the page; wide tables scroll in a box
    assert seen["wide"] == [], seen
    assert seen["innerWidth"] == width
    assert seen["sections"][0] == "verdict" and seen["first"].startswith("overall")
    assert {"quality", "utility", "privacy", "fairness", "rows", "settings"} <= {*seen["sections"]}
    assert seen["links"] == len(seen["sections"]) and seen["broken"] == []
    assert seen["images"] >= 10 and seen["shrunk"] == []  # drawn at the size shown: text legible


def test_the_width_check_catches_a_page_that_scrolls_sideways(report_page, tmp_path):
    wide = tmp_path / "wide.html"
    text = report_page.read_text(encoding="utf-8")
    wide.write_text(text.replace("</main>", '<p style="width:600px">x</p></main>'))
    assert not measure(wide, tmp_path, 400)["fits"]


def test_report_dom_has_every_panel_and_its_figures(report_page, tmp_path):
    _, dom = chromium(report_page, tmp_path)
    for heading in (
        "Verdict",
        "Quality",
        "Utility",
        "Privacy risk",
        "Membership inference",
        "Fairness",
        "Sample rows",
        "Settings",
    ):
        assert f">{heading}</h" in dom or f">{heading} <span" in dom
    assert re.search(r'<div class="overall \w+"><div class="big">Overall: \w+</div>', dom)
    assert len(re.findall(r'<div class="card [\w-]+"><h3>', dom)) == 4  # one card per area
    images = re.findall(r'<img src="([^"]+)"', dom)
    assert len(images) >= 10 and all(src.startswith("data:image/png;base64,") for src in images)
    assert 'class="badge good"' in dom
    assert ">Model</h3>" in dom and "training curves (over" in dom  # the model's sparklines
    assert re.search(r'<img src="data:image/png;base64,[^"]+" alt="training curves">', dom)
    for group in ("F", "M"):  # each group's rate, its interval and rows, per table
        cell = r"<td>[\d.]+%<br><small>[\d.]+% – [\d.]+%, [\d,]+ rows</small></td>"
        assert re.search(rf"<td>{group}</td>({cell}){{5}}</tr>", dom)
    assert re.search(r'<span class="badge info">real</span></td>(<td[^>]*>[^<]*</td>){6}', dom)
    assert "<td>seed</td><td>0</td>" in dom  # settings as a table, not JSON
    assert not re.search(r">[^<]*\b0\.\d{4}", dom)  # no 4-decimal fractions in the text


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
