"""``synthgan audit``: check a DP pipeline's claim empirically, on the user's own table."""

from __future__ import annotations

import json
from pathlib import Path

import click

from synthgan.cli.app import handle_errors, setup_logging
from synthgan.cli.options import (
    override_options,
    parse_overrides,
    privacy_from,
    privacy_options,
    with_options,
)

__all__ = ["audit"]


@click.command()
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--epsilon", type=float, required=True, help="The DP claim to check: the fit's total budget."
)
@with_options(privacy_options)
@with_options(override_options)
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="As for fit.")
@click.option("--batch-size", type=click.IntRange(min=2), default=None, help="As for fit.")
@click.option(
    "--canaries",
    type=click.IntRange(min=10),
    default=1000,
    show_default=True,
    help="Canaries per run for each kind of attack, each in the training table with "
    "probability 1/2. More canaries: a higher bound is possible.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Independent fits whose guesses are pooled: a stronger audit, N times the time.",
)
@click.option(
    "--rows",
    type=click.IntRange(min=0),
    default=5000,
    show_default=True,
    help="Rows of DATA each run trains on besides its canaries (0: every row).",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Fix the canaries.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the result as JSON.",
)
@click.option("-q", "--quiet", is_flag=True, help="No log lines; the result only.")
@handle_errors
def audit(
    data: Path,
    epsilon: float,
    delta: float | None,
    public_file: Path | None,
    accountant: str,
    dp_target: str | None,
    override: tuple[str, ...],
    overrides_file: Path | None,
    epochs: int | None,
    batch_size: int | None,
    canaries: int,
    runs: int,
    rows: int,
    seed: int | None,
    output: Path | None,
    quiet: bool,
) -> None:
    """Audit the DP pipeline on the table in DATA: fit it with canary rows in or out, guess
    which were in, and turn the guesses into a lower bound on epsilon beside the claim.

    The audit reads DATA without privacy and its result describes DATA: share it as you would
    share facts about the table."""
    from synthgan.auditing import audit as run_audit
    from synthgan.io import atomic_path, check_writable, read_table
    from synthgan.synthesizer import Synthesizer

    setup_logging(quiet)
    if output is not None:
        check_writable(output, reading=data)
    pipeline = Synthesizer(
        epochs=epochs,
        batch_size=batch_size,
        overrides=parse_overrides(override, overrides_file) or None,
        privacy=privacy_from(epsilon, delta, public_file, accountant, dp_target),
        verbose=False,
    )
    result = run_audit(
        read_table(data), pipeline, canaries=canaries, runs=runs, rows=rows or None, seed=seed
    )
    if output is not None:
        with atomic_path(output) as tmp:
            tmp.write_text(json.dumps(result.to_dict(), indent=2))
    click.echo(result.summary())
