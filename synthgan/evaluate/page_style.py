"""The report page's style sheet: inline (the page fetches nothing), readable from a phone's
400 px up, the verdict colours shared with the notebook headline."""

from __future__ import annotations

__all__ = ["STYLE", "VERDICT_STYLE"]

#: The verdict's look, shared by the page and the notebook headline (scoped to .synthgan).
VERDICT_STYLE = """
.synthgan .badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 0.7rem;
  font-size: 0.8rem; font-weight: 600; white-space: nowrap; }
.synthgan .good { background: #d8f0dc; color: #1d6b2c; --tone: #2e8b45; }
.synthgan .fair { background: #fff0c2; color: #7a5a00; --tone: #d9a400; }
.synthgan .poor { background: #f8d5d5; color: #8a1f1f; --tone: #c0392b; }
.synthgan .info { background: #e4ecf7; color: #2c4d7a; --tone: #7a93bd; }
.synthgan .not-informative { background: #ececec; color: #444; --tone: #999; }
.synthgan .overall { border-left: 8px solid var(--tone); border-radius: 6px;
  padding: 0.7rem 1rem; margin: 1rem 0; }
.synthgan .overall .big { font-size: 1.9rem; font-weight: 700; line-height: 1.2; }
.synthgan .overall p { margin: 0.3rem 0 0; font-size: 1.05rem; color: #222; }
.synthgan .cards { display: grid; gap: 0.8rem; margin: 1rem 0;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 230px), 1fr)); }
.synthgan .card { border: 1px solid #ddd; border-top: 5px solid var(--tone); border-radius: 6px;
  padding: 0.5rem 0.8rem; background: #fff; color: #222; }
.synthgan .card h3 a { color: inherit; }
.synthgan .card h3 { margin: 0 0 0.3rem; font-size: 1.05rem; display: flex;
  justify-content: space-between; align-items: center; gap: 0.5rem; }
.synthgan .card p { margin: 0; font-size: 0.92rem; }
.synthgan table.lines td { vertical-align: top; }
.synthgan table.lines tr.group th { background: none; padding-top: 0.8rem; font-size: 1rem; }
"""

STYLE = (
    """
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222;
  line-height: 1.45; }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 1rem; }
header h1 { margin: 1.2rem 0 0.2rem; font-size: 1.8rem; }
nav.toc { position: sticky; top: 0; z-index: 1; background: #fff; border-bottom: 1px solid #ddd; }
nav.toc ul { max-width: 1200px; margin: 0 auto; padding: 0.45rem 1rem; list-style: none;
  display: flex; flex-wrap: wrap; gap: 0.2rem 1.2rem; }
nav.toc a { white-space: nowrap; }
nav.toc a { color: #2c4d7a; text-decoration: none; font-weight: 600; }
section, [id] { scroll-margin-top: 3rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem;
  display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap; }
h2 .badge { font-size: 0.85rem; }
.sub { color: #666; margin-top: 0; }
.notice { background: #fff4e5; border-left: 4px solid #e69500; padding: 0.5em 0.8em; }
.note { background: #f4f6fa; border-left: 4px solid #7a93bd; padding: 0.6rem 0.9rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #eee; padding: 0.3rem 0.7rem; text-align: left; }
th { background: #f6f6f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.missing { color: #999; font-style: italic; }
small { color: #555; }
pre { background: #f7f7f7; padding: 0.7rem; overflow-x: auto; font-size: 0.8rem; }
img { max-width: 100%; height: auto; }
.scroll img { max-width: none; }  /* a wide heatmap scrolls rather than shrink its labels */
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0.5rem 0; flex: 0 1 370px; min-width: 0; }
figcaption { font-size: 0.85rem; color: #555; }
@media (max-width: 700px) {
  header, main, nav.toc ul { padding: 0 0.75rem; }
  nav.toc ul { padding-top: 0.35rem; padding-bottom: 0.35rem; gap: 0.1rem 0.9rem; }
  section, [id] { scroll-margin-top: 4.5rem; }
  table.lines thead { display: none; }
  table.lines tr { display: block; border-bottom: 1px solid #ddd; padding: 0.4rem 0; }
  table.lines td, table.lines th { display: inline; border: 0; padding: 0 0.4rem 0 0; }
  table.lines td.meaning { display: block; margin-top: 0.2rem; }
  table.lines td.ref::before { content: "vs "; color: #777; }
}
"""
    + VERDICT_STYLE
)
