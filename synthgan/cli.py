"""The ``synthgan`` command line: fit, sample, evaluate, info, schema, demo."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from synthgan._version import __version__
from synthgan.errors import SynthganError

__all__ = ["main"]


def _handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a :class:`SynthganError` into a one-line message and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SynthganError as e:
            raise click.ClickException(f"{type(e).__name__}: {e}") from e

    return wrapper


def _parse_pairs(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected COLUMN=VALUE, got {pair!r}", param_hint=option)
        out[name] = value
    return out


def _conditions(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``col=value``, ``col=low..high`` (numeric range) or ``col=`` (missing)."""
    conditions: dict[str, Any] = {}
    for name, value in _parse_pairs(pairs, "--where").items():
        if value == "":
            conditions[name] = None
        elif ".." in value:
            low, _, high = value.partition("..")
            conditions[name] = (low, high)
        else:
            conditions[name] = value
    return conditions


def _read_json(path: Path, option: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise click.BadParameter(f"cannot read {path}: {e}", param_hint=option) from e
    if not isinstance(value, dict):
        raise click.BadParameter(f"{path} must hold a JSON object", param_hint=option)
    return value


def _overrides(pairs: tuple[str, ...], overrides_file: Path | None) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if overrides_file is not None:
        overrides.update(_read_json(overrides_file, "--overrides"))
    overrides.update(_parse_pairs(pairs, "--override"))
    return overrides


def _setup_logging(quiet: bool) -> None:
    """Log records on stderr as plain lines. ``force``: Opacus gives the root logger a
    timestamped format when it is imported, and under DP the time of each line would tell how
    long a stage took."""
    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", force=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="synthgan")
def main() -> None:
    """synthgan: learn a table, generate synthetic rows, with honest privacy."""


override_options = [
    click.option(
        "--override",
        "override",
        multiple=True,
        metavar="COL=KIND|ROLE",
        help="Correct the inferred schema, e.g. --override zip=categorical --override id=id.",
    ),
    click.option(
        "--overrides",
        "--schema",
        "overrides_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="JSON file of per-column declarations (kind, role, bounds, categories), e.g. from "
        "`synthgan schema DATA --declare`; with --epsilon every column's kind must be declared.",
    ),
]


def _with(options: list[Callable[..., Any]]) -> Callable[..., Any]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@main.command()
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
    help="Passes over the data [default: 300; with --epsilon, the DP default].",
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
@_with(override_options)
@click.option(
    "--epsilon",
    type=float,
    default=None,
    help="Train with (epsilon, delta)-differential privacy (per row); the total budget.",
)
@click.option(
    "--delta",
    type=float,
    default=None,
    help="DP delta [default: 1e-6, for tables of up to a million rows].",
)
@click.option(
    "--public",
    "public_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='JSON of what is public under DP: {"age": [17, 90], "sex": ["Female", "Male"]}.',
)
@click.option("--accountant", type=click.Choice(["prv", "rdp"]), default="prv", show_default=True)
@click.option(
    "--dp-target",
    default=None,
    help="DP: the column models will predict from the sample; its two-way tables with every "
    "other column are measured and matched (better ML utility, same budget).",
)
@click.option("--fair-sensitive", default=None, help="Fairness: the sensitive attribute.")
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
@_handle_errors
def fit(
    data: Path,
    output: Path,
    epochs: int | None,
    batch_size: int | None,
    max_categories: int,
    seed: int | None,
    device: str,
    override: tuple[str, ...],
    overrides_file: Path | None,
    epsilon: float | None,
    delta: float | None,
    public_file: Path | None,
    accountant: str,
    dp_target: str | None,
    fair_sensitive: str | None,
    fair_target: str | None,
    fair_criterion: str,
    fair_weight: float,
    quiet: bool,
) -> None:
    """Learn the table in DATA (CSV or Parquet) and save the model."""
    from synthgan.fairness import Fairness
    from synthgan.io import check_writable, read_table
    from synthgan.privacy import Privacy
    from synthgan.synthesizer import Synthesizer

    _setup_logging(quiet)
    check_writable(output, reading=data)  # before the work: a DP fit would spend the budget
    if epsilon is None and (delta, public_file, dp_target) != (None, None, None):
        raise click.UsageError(
            "--delta, --public and --dp-target need --epsilon (differential privacy)."
        )
    privacy = None
    if epsilon is not None:
        public = _read_json(public_file, "--public") if public_file is not None else {}
        privacy = Privacy(
            epsilon=epsilon, delta=delta, public=public, accountant=accountant, target=dp_target
        )
    fairness = None
    if (fair_sensitive is None) != (fair_target is None):
        raise click.UsageError("--fair-sensitive and --fair-target go together.")
    if fair_sensitive is not None:
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
        overrides=_overrides(override, overrides_file) or None,
        verbose=not quiet,
        privacy=privacy,
        fairness=fairness,
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
    else:  # the exact row count and the time taken are not DP releases
        click.echo(
            f"Fitted about {model.fit_info_['rows']:,} rows (DP count) x {df.shape[1]} columns; "
            f"model written to {output}",
            err=True,
        )
        click.echo(model.privacy_report(), err=True)


@main.command()
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
@_handle_errors
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

    _setup_logging(quiet)
    if output is not None:
        check_writable(output)
    model = Synthesizer.load(model_path)
    model.verbose = not quiet
    conditions = _conditions(where) or None
    if output is None:
        model.sample(rows, conditions=conditions, seed=seed).to_csv(sys.stdout, index=False)
        return
    model.sample_to(output, rows, conditions=conditions, seed=seed)
    if not quiet:
        click.echo(f"Wrote {rows:,} rows to {output}", err=True)


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full description as JSON.")
@_handle_errors
def info(model_path: Path, as_json: bool) -> None:
    """Show what a model file holds: schema, settings, training, versions."""
    from synthgan.persist import read_model
    from synthgan.report_text import describe_model

    manifest, _ = read_model(model_path)
    if as_json:
        manifest.pop("transformer", None)
        click.echo(json.dumps(manifest, indent=2))
    else:
        click.echo(describe_model(manifest))


@main.command()
@click.argument("data", type=click.Path(path_type=Path))
@_with(override_options)
@click.option("--json", "as_json", is_flag=True, help="Print the schema as JSON.")
@click.option(
    "--declare",
    is_flag=True,
    help="Print each column's kind and role as a JSON declaration for `fit --schema`, which "
    "differential privacy needs. It is read from every value of DATA, without privacy: review "
    "it, or write it from the table's documentation.",
)
@_handle_errors
def schema(
    data: Path,
    override: tuple[str, ...],
    overrides_file: Path | None,
    as_json: bool,
    declare: bool,
) -> None:
    """Show how the table in DATA would be modelled (kinds, roles, domains)."""
    from synthgan.io import read_table
    from synthgan.report_text import schema_table
    from synthgan.schema import infer_schema

    _setup_logging(False)
    inferred = infer_schema(read_table(data), _overrides(override, overrides_file))
    if declare:
        click.echo(json.dumps(inferred.declaration(), indent=2))
    elif as_json:
        click.echo(json.dumps(inferred.to_dict(), indent=2))
    else:
        click.echo(schema_table(inferred.to_dict()))


@main.command()
@click.argument("real", type=click.Path(path_type=Path))
@click.argument("synthetic", type=click.Path(path_type=Path))
@click.option(
    "--holdout",
    type=click.Path(path_type=Path),
    default=None,
    help="Real rows the generator never saw (needed for utility, DCR share and attacks).",
)
@click.option("--target", default=None, help="Column to predict (utility; fairness).")
@click.option("--sensitive", default=None, help="Sensitive attribute (fairness).")
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
@_handle_errors
def evaluate(
    real: Path,
    synthetic: Path,
    holdout: Path | None,
    target: str | None,
    sensitive: str | None,
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

    _setup_logging(quiet)
    report = run_evaluation(
        read_table(real),
        read_table(synthetic),
        None if holdout is None else read_table(holdout),
        target=target,
        sensitive=sensitive,
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


@main.command()
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
@click.option("-q", "--quiet", is_flag=True)
@_handle_errors
def demo(
    data: Path | None,
    out_dir: Path,
    epochs: int,
    rows: int | None,
    seed: int,
    target: str | None,
    sensitive: str | None,
    quiet: bool,
) -> None:
    """Fit -> sample -> evaluate -> HTML report on a bundled real table (or --data)."""
    from synthgan.demo import run_demo

    _setup_logging(quiet)
    summary = run_demo(
        data=data,
        out_dir=out_dir,
        epochs=epochs,
        rows=rows,
        seed=seed,
        verbose=not quiet,
        target=target,
        sensitive=sensitive,
    )
    click.echo(summary)


if __name__ == "__main__":  # pragma: no cover
    main()
