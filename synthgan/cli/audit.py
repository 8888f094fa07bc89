"""``synthgan audit``: check a DP pipeline's claim empirically, on the user's own table."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.core import ParameterSource

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
    help="Audit the pipeline that made this DP model (its settings) and keep the result beside "
    "it, in MODEL.audit.json: `synthgan info` and `evaluate --model` then show it beside the "
    "ledger (never inside the model file: the audit is not a DP release).",
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
    accountant: str | None,
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
    from synthgan.auditing.result import sidecar
    from synthgan.io import check_writable, read_table
    from synthgan.synthesizer import Synthesizer, load

    setup_logging(quiet)
    if (synthetic is None) != (holdout is None):
        raise click.UsageError("--synthetic and --holdout go together.")
    if synthetic is not None:
        _refuse(DP_OPTIONS | MODEL_OPTIONS | CANARY_OPTIONS, "--synthetic attacks a table.")
        _attack_table(data, synthetic, holdout, (shadows, shadow_rows, shadow_steps), seed, output)
        return
    _refuse(SHADOW_OPTIONS, "they go with --synthetic.")
    if model_path is not None:
        _refuse(DP_OPTIONS, "--model audits the model's own settings.")
    elif epsilon is None:
        raise click.UsageError("Give the claim to check (--epsilon) or a DP model (--model).")
    for path in (output, None if model_path is None else sidecar(model_path)):
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
        _write_json(output, result.to_dict())
    if model_path is not None:  # beside the model, never in it: the audit is not a DP release
        _write_json(sidecar(model_path), result.to_dict())
    click.echo(result.summary())


#: Options by what they go with, to refuse those given where they do not apply.
DP_OPTIONS = {"epsilon", "delta", "public_file", "accountant", "dp_target", "override",
              "overrides_file", "epochs", "batch_size"}  # fmt: skip
MODEL_OPTIONS = {"model_path"}
CANARY_OPTIONS = {"canaries", "runs", "rows"}
SHADOW_OPTIONS = {"shadows", "shadow_rows", "shadow_steps"}


def _refuse(names: set[str], why: str) -> None:
    """A usage error naming the options in ``names`` given on the command line."""
    ctx = click.get_current_context()
    given = [
        p.opts[0]
        for p in ctx.command.params
        if p.name in names and ctx.get_parameter_source(p.name) is ParameterSource.COMMANDLINE
    ]
    if given:
        raise click.UsageError(f"{', '.join(given)} do(es) not apply here: {why}")


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
    from synthgan.io import check_writable, read_table

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
        _write_json(output, result.to_dict())
    click.echo(result.summary())


def _write_json(path: Path, data: dict) -> None:
    from synthgan.io import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2))
