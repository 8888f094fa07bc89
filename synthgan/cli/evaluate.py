"""``synthgan evaluate``: score a synthetic table against the real rows it was learned from."""

from __future__ import annotations

from pathlib import Path

import click

from synthgan.cli.app import handle_errors, setup_logging

__all__ = ["evaluate"]


@click.command()
@click.argument("real", type=click.Path(path_type=Path))
@click.argument("synthetic", type=click.Path(path_type=Path))
@click.option(
    "--holdout",
    type=click.Path(path_type=Path),
    default=None,
    help="Real rows the generator never saw (needed for utility, DCR share and attacks).",
)
@click.option("--target", default=None, help="Column to predict (utility; fairness).")
@click.option(
    "--sensitive",
    multiple=True,
    help="Sensitive attribute (fairness); twice or more for intersectional groups.",
)
@click.option("--positive", default=None, help="Class of interest of a two-class target.")
@click.option("--ignore", multiple=True, help="Column to leave out (e.g. an ID); repeatable.")
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The .sgm file that made SYNTHETIC: adds its settings and DP ledger to the report.",
)
@click.option("--html", "html_path", type=click.Path(path_type=Path), default=None)
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or log lines.")
@handle_errors
def evaluate(
    real: Path,
    synthetic: Path,
    holdout: Path | None,
    target: str | None,
    sensitive: tuple[str, ...],
    positive: str | None,
    ignore: tuple[str, ...],
    model_path: Path | None,
    html_path: Path | None,
    json_path: Path | None,
    seed: int,
    quiet: bool,
) -> None:
    """Compare SYNTHETIC with the REAL rows it was learned from (CSV or Parquet files)."""
    from synthgan.evaluate import evaluate as run_evaluation
    from synthgan.io import read_table

    setup_logging(quiet)
    report = run_evaluation(
        read_table(real),
        read_table(synthetic),
        None if holdout is None else read_table(holdout),
        target=target,
        sensitive=list(sensitive) or None,
        positive=positive,
        ignore=ignore,
        model=model_path,
        seed=seed,
        verbose=not quiet,
    )
    if json_path is not None:
        report.to_json(json_path)
    if html_path is not None:
        report.to_html(html_path)
    click.echo(report.summary())
