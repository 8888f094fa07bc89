"""``synthgan sample``: generate rows from a saved model, optionally under conditions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from synthgan.cli.app import handle_errors, setup_logging
from synthgan.cli.options import parse_conditions

__all__ = ["sample"]


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.option("-n", "--rows", type=click.IntRange(min=0), required=True, help="Rows to generate.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV or Parquet file to write (streamed in chunks); CSV on stdout if omitted.",
)
@click.option(
    "--where",
    multiple=True,
    metavar="COL=VALUE",
    help="Condition every row: COL=value, COL=low..high for numbers, COL= for missing.",
)
@click.option("--seed", type=click.IntRange(min=0), default=None)
@click.option("-q", "--quiet", is_flag=True)
@handle_errors
def sample(
    model_path: Path,
    rows: int,
    output: Path | None,
    where: tuple[str, ...],
    seed: int | None,
    quiet: bool,
) -> None:
    """Generate rows from a saved MODEL."""
    from synthgan.io import check_writable
    from synthgan.synthesizer import Synthesizer

    setup_logging(quiet)
    if output is not None:
        check_writable(output)
    model = Synthesizer.load(model_path)
    model.verbose = not quiet
    conditions = parse_conditions(where) or None
    if output is None:
        model.sample(rows, conditions=conditions, seed=seed).to_csv(sys.stdout, index=False)
        return
    model.sample_to(output, rows, conditions=conditions, seed=seed)
    if not quiet:
        click.echo(f"Wrote {rows:,} rows to {output}", err=True)
