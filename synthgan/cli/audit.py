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
    "--epsilon",
    type=float,
    default=None,
    help="The DP claim to check: the fit's total budget (or give --model).",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Audit the pipeline that made this DP model (its settings) and record the result in "
    "it: `synthgan info` and the evaluation report then show it beside the ledger.",
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
@click.option(
    "--synthetic",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Instead: attack this synthetic table, made from DATA by any tool, with shadow models "
    "(needs --holdout: real rows of the same population that DATA does not hold).",
)
@click.option("--holdout", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--shadows",
    type=click.IntRange(min=2),
    default=6,
    show_default=True,
    help="With --synthetic: shadow tables the attack learns from (each one synthgan fit).",
)
@click.option(
    "--shadow-rows",
    type=click.IntRange(min=50),
    default=None,
    help="With --synthetic: rows of each shadow table [default: as many as DATA, or as many "
    "as the holdout allows].",
)
@click.option(
    "--shadow-steps",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="With --synthetic: training steps of each shadow fit.",
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
    epsilon: float | None,
    model_path: Path | None,
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
    synthetic: Path | None,
    holdout: Path | None,
    shadows: int,
    shadow_rows: int | None,
    shadow_steps: int,
    seed: int | None,
    output: Path | None,
    quiet: bool,
) -> None:
    """Audit the DP pipeline on the table in DATA: fit it with canary rows in or out, guess
    which were in, and turn the guesses into a lower bound on epsilon beside the claim. With
    --synthetic, attack a synthetic table made from DATA instead (shadow models).

    The audit reads DATA without privacy and its result describes DATA: share it as you would
    share facts about the table."""
    from synthgan.auditing.audit import audit as run_audit
    from synthgan.io import atomic_path, check_writable, read_table
    from synthgan.synthesizer import Synthesizer, load

    setup_logging(quiet)
    if (synthetic is None) != (holdout is None):
        raise click.UsageError("--synthetic and --holdout go together.")
    if synthetic is not None:
        if epsilon is not None or model_path is not None:
            raise click.UsageError(
                "--synthetic attacks a table: --epsilon and --model do not apply."
            )
        _attack_table(data, synthetic, holdout, (shadows, shadow_rows, shadow_steps), seed, output)
        return
    settings = {
        "--epsilon": epsilon, "--delta": delta, "--public": public_file, "--dp-target": dp_target,
        "--epochs": epochs, "--batch-size": batch_size, "--override": override or None,
        "--overrides": overrides_file,
    }  # fmt: skip
    given = [name for name, value in settings.items() if value is not None]
    if model_path is not None and given:
        raise click.UsageError(f"{', '.join(given)}: --model audits the model's own settings.")
    if model_path is None and epsilon is None:
        raise click.UsageError("Give the claim to check (--epsilon) or a DP model (--model).")
    for path in (output, model_path):
        if path is not None:
            check_writable(path, reading=data)
    if model_path is not None:
        pipeline = load(model_path)
    else:
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
    if model_path is not None:
        pipeline.save(model_path)  # now with the audit
    click.echo(result.summary())


def _attack_table(
    data: Path,
    synthetic: Path,
    holdout: Path,
    shadow: tuple[int, int | None, int],
    seed: int | None,
    output: Path | None,
) -> None:
    """The shadow-model attack on a synthetic table (tables, count, rows and steps)."""
    from synthgan.auditing.shadow import shadow_attack, synthgan_generator
    from synthgan.io import atomic_path, check_writable, read_table

    if output is not None:
        check_writable(output, reading=data)
    result = shadow_attack(
        read_table(data),
        read_table(synthetic),
        read_table(holdout),
        generator=synthgan_generator(shadow[2]),
        shadows=shadow[0],
        shadow_rows=shadow[1],
        seed=seed,
    )
    if output is not None:
        with atomic_path(output) as tmp:
            tmp.write_text(json.dumps(result.to_dict(), indent=2))
    click.echo(result.summary())
