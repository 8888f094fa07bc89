"""Options shared by several commands, and the parsing of their ``COL=VALUE`` and JSON values."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = [
    "override_options",
    "parse_conditions",
    "parse_overrides",
    "parse_pairs",
    "privacy_from",
    "privacy_options",
    "read_json",
    "with_options",
]


def parse_pairs(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected COLUMN=VALUE, got {pair!r}", param_hint=option)
        out[name] = value
    return out


def parse_conditions(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``col=value``, ``col=low..high`` (numeric range) or ``col=`` (missing)."""
    conditions: dict[str, Any] = {}
    for name, value in parse_pairs(pairs, "--where").items():
        if value == "":
            conditions[name] = None
        elif ".." in value:
            low, _, high = value.partition("..")
            conditions[name] = (low, high)
        else:
            conditions[name] = value
    return conditions


def read_json(path: Path, option: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise click.BadParameter(f"cannot read {path}: {e}", param_hint=option) from e
    if not isinstance(value, dict):
        raise click.BadParameter(f"{path} must hold a JSON object", param_hint=option)
    return value


def parse_overrides(pairs: tuple[str, ...], overrides_file: Path | None) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if overrides_file is not None:
        overrides.update(read_json(overrides_file, "--overrides"))
    overrides.update(parse_pairs(pairs, "--override"))
    return overrides


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


#: The DP settings besides epsilon, shared by fit and audit.
privacy_options = [
    click.option(
        "--delta",
        type=float,
        default=None,
        help="DP delta [default: 1e-6, for tables of up to a million rows].",
    ),
    click.option(
        "--public",
        "public_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help='JSON of what is public under DP: {"age": [17, 90], "sex": ["Female", "Male"]}.',
    ),
    click.option(
        "--accountant",
        type=click.Choice(["prv", "rdp"]),
        default=None,
        help="DP accountant [default: prv].",
    ),
    click.option(
        "--dp-target",
        default=None,
        help="DP: the column models will predict from the sample; its two-way tables with "
        "every other column are measured and matched (better ML utility, same budget).",
    ),
]


def privacy_from(
    epsilon: float,
    delta: float | None,
    public_file: Path | None,
    accountant: str | None,
    target: str | None,
) -> Any:
    """The ``Privacy`` the DP options ask for."""
    from synthgan.privacy import Privacy

    public = read_json(public_file, "--public") if public_file is not None else {}
    return Privacy(
        epsilon=epsilon, delta=delta, public=public, accountant=accountant or "prv", target=target
    )


def with_options(options: list[Callable[..., Any]]) -> Callable[..., Any]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate
