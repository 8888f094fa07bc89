"""``synthgan info`` and ``synthgan schema``: describe a model file, or how a table would be
modelled, without fitting anything."""

from __future__ import annotations

import json
from pathlib import Path

import click

from synthgan.cli.app import handle_errors, setup_logging
from synthgan.cli.options import override_options, parse_overrides, with_options

__all__ = ["info", "schema"]


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full description as JSON.")
@handle_errors
def info(model_path: Path, as_json: bool) -> None:
    """Show what a model file holds: schema, settings, training, versions, and the privacy
    audit kept beside it (MODEL.audit.json), if one was run."""
    from synthgan.auditing.result import read_sidecar
    from synthgan.persist import read_model
    from synthgan.report_text import describe_model

    manifest, _ = read_model(model_path)
    audit = read_sidecar(model_path)  # kept beside the file by `synthgan audit --model`
    if as_json:
        manifest.pop("transformer", None)
        click.echo(json.dumps(manifest | {"audit": audit}, indent=2))
    else:
        click.echo(describe_model(manifest, audit))


@click.command()
@click.argument("data", type=click.Path(path_type=Path))
@with_options(override_options)
@click.option("--json", "as_json", is_flag=True, help="Print the schema as JSON.")
@click.option(
    "--declare",
    is_flag=True,
    help="Print each column's kind and role as a JSON declaration for `fit --schema`, which "
    "differential privacy needs. It is read from every value of DATA, without privacy: review "
    "it, or write it from the table's documentation.",
)
@handle_errors
def schema(
    data: Path,
    override: tuple[str, ...],
    overrides_file: Path | None,
    as_json: bool,
    declare: bool,
) -> None:
    """Show how the table in DATA would be modelled (kinds, roles, domains)."""
    from synthgan import infer_schema
    from synthgan.io import read_table
    from synthgan.report_text import schema_table

    setup_logging(False)
    inferred = infer_schema(read_table(data), parse_overrides(override, overrides_file))
    if declare:
        click.echo(json.dumps(inferred.declaration(), indent=2))
    elif as_json:
        click.echo(json.dumps(inferred.to_dict(), indent=2))
    else:
        click.echo(schema_table(inferred.to_dict()))
