"""``synthgan fit``: learn a table, with differential privacy or fairness if asked, and save it."""

from __future__ import annotations

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
from synthgan.report_text import training_line

__all__ = ["fit"]


@click.command()
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Model file to write (.sgm).",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=None,
    help="Passes over the data [default: 300, but at least 10,000 and at most 20,000 steps; "
    "with --epsilon, the DP default].",
)
@click.option(
    "--validation",
    type=click.FloatRange(0, 0.5),
    default=None,
    metavar="SHARE",
    help="Share of the rows held out to score the generator on while training (0: none) "
    "[default: a tenth, at most 5,000 rows, for tables of 10,000+ rows; none with "
    "--epsilon]. The best generator is kept.",
)
@click.option(
    "--validation-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A table (CSV or Parquet) to validate on instead; every row of DATA is trained on.",
)
@click.option(
    "--patience",
    type=click.IntRange(min=1),
    default=None,
    help="Validations without improvement that stop training [default: 10].",
)
@click.option(
    "--max-steps", type=click.IntRange(min=1), default=None, help="Stop after this many steps."
)
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop training after this much wall-clock time.",
)
@click.option(
    "--ema",
    type=click.FloatRange(0, 1, max_open=True),
    default=None,
    help="Decay of the generator's weight average, the generator kept (0: off) "
    "[default: 0.999; off with --epsilon].",
)
@click.option(
    "--density-ratio/--no-density-ratio",
    default=None,
    help="Keep generated rows a real-vs-generated classifier finds realistic more often "
    "[default: on; off with --epsilon or a fairness head].",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=2),
    default=None,
    help="Rows per step (expected rows under DP) [default: 500; with --epsilon, the DP default].",
)
@click.option(
    "--max-categories",
    type=click.IntRange(min=2),
    default=100,
    show_default=True,
    help="Widest one-hot per discrete column; rarer values share a slot.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Fix the model and its samples."
)
@click.option(
    "--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True
)
@click.option(
    "--nproc",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Train data-parallel in N processes on this machine (torch.distributed: gloo on CPU, "
    "one GPU each with --device cuda). Several machines: torchrun, see the README.",
)
@click.option(
    "--precision",
    type=click.Choice(["auto", "float32", "bfloat16"]),
    default="auto",
    show_default=True,
    help="Matrix products in training: auto is bfloat16 on wide tables where the CPU or GPU "
    "computes it in hardware (about twice as fast there), float32 elsewhere and with --epsilon.",
)
@with_options(override_options)
@click.option(
    "--fixed-combination",
    "fixed_combinations",
    multiple=True,
    metavar="COL,COL[,...]",
    help="Columns whose rows keep only combinations the table has (a code and its label), "
    "e.g. --fixed-combination education,education-num.",
)
@click.option(
    "--epsilon",
    type=float,
    default=None,
    help="Train with (epsilon, delta)-differential privacy (per row); the total budget.",
)
@with_options(privacy_options)
@click.option(
    "--fair-sensitive",
    multiple=True,
    help="Fairness: the sensitive attribute; twice or more for intersectional groups "
    "(--fair-sensitive sex --fair-sensitive race).",
)
@click.option(
    "--fair-target", default=None, help="Fairness: the target that must not depend on it."
)
@click.option(
    "--fair-criterion",
    type=click.Choice(["demographic_parity"]),
    default="demographic_parity",
    show_default=True,
)
@click.option("--fair-weight", type=float, default=1.0, show_default=True, help="Fairness: λ.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or log lines.")
@handle_errors
def fit(
    data: Path,
    output: Path,
    epochs: int | None,
    validation: float | None,
    validation_file: Path | None,
    patience: int | None,
    max_steps: int | None,
    max_seconds: float | None,
    ema: float | None,
    density_ratio: bool | None,
    batch_size: int | None,
    max_categories: int,
    seed: int | None,
    device: str,
    nproc: int,
    precision: str,
    override: tuple[str, ...],
    overrides_file: Path | None,
    fixed_combinations: tuple[str, ...],
    epsilon: float | None,
    delta: float | None,
    public_file: Path | None,
    accountant: str | None,
    dp_target: str | None,
    fair_sensitive: tuple[str, ...],
    fair_target: str | None,
    fair_criterion: str,
    fair_weight: float,
    quiet: bool,
) -> None:
    """Learn the table in DATA (CSV or Parquet) and save the model."""
    from synthgan.fairness import Fairness
    from synthgan.io import check_writable, read_table
    from synthgan.synthesizer import Synthesizer

    setup_logging(quiet)
    check_writable(output, reading=data)  # before the work: a DP fit would spend the budget
    if validation is not None and validation_file is not None:
        raise click.UsageError("--validation and --validation-file are alternatives.")
    training_checks = {
        "--validation": validation or None,  # 0 (none) is what DP does anyway
        "--validation-file": validation_file,
        "--patience": patience,
        "--max-steps": max_steps,
        "--max-seconds": max_seconds,
    }
    refused = [name for name, value in training_checks.items() if value is not None]
    if epsilon is not None and refused:  # before any file is read
        raise click.UsageError(
            f"{', '.join(refused)} cannot be used with --epsilon: the DP plan fixes the steps, "
            "and scoring on real rows would happen outside the privacy accounting."
        )
    if epsilon is None and (delta, public_file, dp_target, accountant) != (None,) * 4:
        raise click.UsageError(
            "--delta, --public, --accountant and --dp-target need --epsilon (differential privacy)."
        )
    privacy = None
    if epsilon is not None:
        privacy = privacy_from(epsilon, delta, public_file, accountant, dp_target)
    fairness = None
    if bool(fair_sensitive) != (fair_target is not None):
        raise click.UsageError("--fair-sensitive and --fair-target go together.")
    if fair_sensitive:
        fairness = Fairness(fair_sensitive, fair_target, fair_criterion, fair_weight)
    # Under DP the CSV is read as text: pandas' type inference looks at every value, so the
    # declared kinds convert it instead.
    df = read_table(data, as_text=privacy is not None)
    model = Synthesizer(
        epochs=epochs,
        batch_size=batch_size,
        max_categories=max_categories,
        seed=seed,
        device=device,
        overrides=parse_overrides(override, overrides_file) or None,
        fixed_combinations=[group.split(",") for group in fixed_combinations] or None,
        verbose=not quiet,
        privacy=privacy,
        fairness=fairness,
        validation=validation if validation_file is None else read_table(validation_file),
        patience=patience,
        max_steps=max_steps,
        max_seconds=max_seconds,
        ema=ema,
        density_ratio=density_ratio,
        distributed=nproc if nproc > 1 else None,
        precision=precision,
    ).fit(df)
    model.save(output)
    if quiet:
        return
    if privacy is None:
        click.echo(
            f"Fitted {len(df):,} rows x {df.shape[1]} columns in "
            f"{model.fit_info_['fit_seconds']:.1f}s; model written to {output}",
            err=True,
        )
        click.echo(training_line(model.fit_info_["training"]), err=True)
    else:  # the exact row count and the time taken are not DP releases
        click.echo(
            f"Fitted about {model.fit_info_['rows']:,} rows (DP count) x {df.shape[1]} columns; "
            f"model written to {output}",
            err=True,
        )
        click.echo(model.privacy_report(), err=True)
