"""``synthgan demo``: fit, sample, evaluate and report on a bundled real table in one go."""

from __future__ import annotations

from pathlib import Path

import click

from synthgan.cli.app import handle_errors, setup_logging

__all__ = ["demo"]


@click.command()
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="Your own CSV/Parquet table instead of the bundled CPS1988.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
)
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--rows",
    type=click.IntRange(min=1),
    default=None,
    help="Rows to sample (default: as many as the real table).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--target", default=None, help="With --data: the column the evaluation predicts.")
@click.option("--sensitive", default=None, help="With --data: the attribute fairness compares.")
@click.option(
    "--ignore",
    multiple=True,
    help="A column to leave out of the model and the evaluation (an ID, free text); repeatable.",
)
@click.option("-q", "--quiet", is_flag=True)
@handle_errors
def demo(
    data: Path | None,
    out_dir: Path,
    epochs: int,
    rows: int | None,
    seed: int,
    target: str | None,
    sensitive: str | None,
    ignore: tuple[str, ...],
    quiet: bool,
) -> None:
    """Fit -> sample -> evaluate -> HTML report on a bundled real table (or --data)."""
    from synthgan.demo import run_demo

    setup_logging(quiet)
    summary = run_demo(
        data=data,
        out_dir=out_dir,
        epochs=epochs,
        rows=rows,
        seed=seed,
        verbose=not quiet,
        target=target,
        sensitive=sensitive,
        ignore=ignore,
    )
    click.echo(summary)
