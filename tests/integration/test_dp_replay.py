"""Neighbouring-dataset replay: nothing but DP releases leaves a DP fit.

For a generated table D and single-row changes x, the whole DP pipeline runs on D and on D + x
with the same seed. The DP releases of the run on D (every noisy count and histogram, every noisy
gradient) are recorded and handed to the run on D + x in place of its own. Everything else that
leaves the pipeline (the schema, the model file, printed output, log records, warnings, errors
and a seeded sample) is then a function of public inputs and releases only, so it must be
identical; any difference is something that depends on the rows outside DP. The last tests break
one rule at a time and check that the replay catches it.
"""

from __future__ import annotations

import json
import logging
import math
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import synthgan.postprocess.processor
import synthgan.prepare
from synthgan import Privacy, Synthesizer
from synthgan.cli import main
from synthgan.persist import read_model
from synthgan.privacy import mechanisms
from synthgan.privacy.statistics import PrivateStatistics
from synthgan.train.dp import DPGANTrainer

KINDS = {
    "age": "integer",
    "income": "numeric",
    "city": "categorical",
    "sex": "categorical",
    "member": "boolean",
    "joined": "datetime",
    "notes": "categorical",
    "stamp": "datetime",
    "uid": {"kind": "integer", "role": "id"},
    "code": {"kind": "categorical", "role": "id"},
    "zoned": "datetime",
    "size": "categorical",
}
PUBLIC = {"age": [18, 90], "sex": ["F", "M"]}
SMALL = dict(
    epochs=2,
    batch_size=100,
    embedding_dim=8,
    generator_dim=(16,),
    discriminator_dim=(16,),
    seed=0,
)


def _table(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": np.round(rng.lognormal(10, 0.5, n), 2),
            "city": rng.choice(["Oslo", "Lima", "Pune"], n, p=[0.5, 0.3, 0.2]),
            "sex": rng.choice(["F", "M"], n),
            "member": rng.random(n) < 0.4,
            "joined": (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"))
            .strftime("%Y-%m-%d")
            .to_numpy(),
            "notes": [None] * n,  # all missing
            # as Parquet's timestamp[us] reads: a unit of its own, not pandas' nanoseconds
            "stamp": np.datetime64("2024-01-01T00:00", "us")
            + rng.integers(0, 10**6, n).astype("timedelta64[s]"),
            "uid": np.arange(1000, 1000 + n),
            # dtypes and ID formats a non-DP fit gives back: under DP, none is read
            "code": [f"C-{i:04d}" for i in range(n)],
            "zoned": pd.Series(pd.Timestamp("2024-01-01", tz="Europe/Berlin"), index=range(n))
            + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
            "size": pd.Categorical(rng.choice(["S", "M"], n), categories=["S", "M", "L"]),
        }
    )
    df.loc[rng.random(n) < 0.1, "income"] = np.nan
    return df


def _row(**values: Any) -> dict[str, Any]:
    """A typical row of the table, with ``values`` changed."""
    base = {
        "age": 40,
        "income": 25000.0,
        "city": "Oslo",
        "sex": "F",
        "member": True,
        "joined": "2021-03-04",
        "notes": None,
        "stamp": np.datetime64("2024-02-01T12:00", "us"),
        "uid": 99999,
        "code": "C-9999",
        "zoned": pd.Timestamp("2024-02-01 12:00", tz="Europe/Berlin"),
        "size": "S",
    }
    return base | values


#: Single-row changes: each is added to D as one more row.
CHANGES: dict[str, dict[str, Any] | str | None] = {
    "a new category": _row(city="Atlantis"),
    "an extreme number": _row(income=1e15),
    "a non-integer in an integer column": _row(age=33.5),
    "an impossible date": _row(joined="2020-13-45"),
    "a missing value in every column": {k: None for k in KINDS},
    "a duplicate row": None,  # the first row again
    "a value outside declared bounds": _row(age=150),
    "a value outside declared categories": _row(sex="X"),
    "a word in a number column": _row(income="n/a"),
    "infinity": _row(income=math.inf),
    "a value in an all-missing column": _row(notes="hello"),
    "a date with a time zone": _row(joined="2021-06-01T12:00:00+05:00"),
    "a word in a boolean column": _row(member="maybe"),
    "a number in a text column": _row(city=42),
    "a negative amount": _row(income=-5000.0),
    "a date out of range": _row(joined="9999-12-31"),
    "a date in ISO's basic format": _row(joined="20200102T100000Z"),
    "a time zone with the hour only": _row(joined="2020-01-02T10+05"),
    "a timestamp pandas cannot hold": _row(stamp=np.datetime64("9999-12-31", "us")),
    "a complex number": _row(income=1 + 0j),
    "a duplicate index label": "same label",
    "an ID below the others": _row(uid=5),
    "an ID in another format": _row(code="X-1"),
    "a time in another zone": _row(zoned=pd.Timestamp("2024-01-01", tz="Asia/Tokyo")),
    "a new level of a pandas categorical": _row(size="XL"),
}


def _neighbour(df: pd.DataFrame, change: str) -> pd.DataFrame:
    row = CHANGES[change]
    if row == "same label":  # a typical row whose index label is already taken
        return pd.concat([df, pd.DataFrame([_row()], index=[0])])
    extra = df.iloc[[0]] if row is None else pd.DataFrame([row])
    return pd.concat([df, extra], ignore_index=True)


class Releases:
    """Records a run's DP releases in order, then gives them back, in order, to the next run."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, Any]] = []
        self.replaying = False
        self.position = 0

    def __call__(self, kind: str, release: Any) -> Any:
        if not self.replaying:
            self.recorded.append((kind, release))
            return release
        if self.position >= len(self.recorded):
            raise AssertionError(f"the run makes more DP releases than recorded ({kind})")
        recorded_kind, value = self.recorded[self.position]
        self.position += 1
        if recorded_kind != kind:
            raise AssertionError(f"DP release {self.position} is a {kind}, not a {recorded_kind}")
        return value

    def replay(self) -> None:
        self.replaying, self.position = True, 0


@pytest.fixture
def releases(monkeypatch) -> Releases:
    """Route every DP release through a recorder: the Gaussian mechanism, the sparse histogram
    and DP-SGD's noisy gradient (the only places noise is added)."""
    hub = Releases()
    gaussian = mechanisms.Releases._gaussian
    sparse = mechanisms.Releases._sparse_release
    gradient = DPGANTrainer.noisy_real_gradient
    monkeypatch.setattr(
        mechanisms.Releases,
        "_gaussian",
        lambda self, exact: hub(f"gaussian {np.shape(exact)}", gaussian(self, exact)),
    )
    monkeypatch.setattr(
        mechanisms.Releases,
        "_sparse_release",
        lambda self, counts, threshold: hub("sparse histogram", sparse(self, counts, threshold)),
    )
    monkeypatch.setattr(
        DPGANTrainer,
        "noisy_real_gradient",
        lambda self, rows, fake: hub("noisy gradient", gradient(self, rows, fake)),
    )
    # Post-processing pools, smaller for speed (the same in both runs).
    monkeypatch.setattr(synthgan.postprocess.processor, "RAKING_POOL_ROWS", 5_000)
    monkeypatch.setattr(synthgan.postprocess.processor, "MARGINAL_MAP_ROWS", 2_000)
    return hub


def _observe(run: Callable[[], Any], capsys, caplog) -> dict[str, Any]:
    """What leaves ``run``: its result or error, printed output, log records and warnings."""
    capsys.readouterr()
    caplog.clear()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        try:
            outcome: Any = run()
        except Exception as e:  # any error is an output; its text too
            outcome = f"{type(e).__name__}: {e}"
    printed = capsys.readouterr()
    return {
        "outcome": outcome,
        "stdout": printed.out,
        "stderr": printed.err,
        "logs": [(r.name, r.levelname, r.getMessage()) for r in caplog.records],
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }


def _model_file(path: Path) -> dict[str, Any]:
    """A model file's contents and its zip entries' metadata (their dates, say), but for the
    day the fit started (public) and the checksums (which cover that day)."""
    manifest, tensors = read_model(path)
    manifest.pop("checksums")
    manifest["fit"].pop("fitted_at")
    with zipfile.ZipFile(path) as zf:
        entries = [
            (i.filename, i.date_time, i.compress_type, i.external_attr) for i in zf.infolist()
        ]
    return {
        "manifest": manifest,
        "weights": {k: v.numpy().tobytes() for k, v in tensors.items()},
        "entries": entries,
    }


def _fit(df: pd.DataFrame, folder: Path) -> dict[str, Any]:
    """The Python API end to end: fit, save, the file, the ledger and a seeded sample."""
    privacy = Privacy(epsilon=2.0, public=PUBLIC)
    # City and membership learned as one column: its values are one DP release.
    groups = [("city", "member")]
    model = Synthesizer(
        privacy=privacy, overrides=KINDS, fixed_combinations=groups, verbose=True, **SMALL
    ).fit(df)
    path = model.save(folder / "model.sgm")
    return {
        "schema": model.schema_.to_dict(),
        "file": _model_file(path),
        "report": model.privacy_report(),
        "sample": _as_text(model.sample(300, seed=1)),
    }


def _as_text(frame: pd.DataFrame) -> tuple[str, list[str]]:
    """A frame as CSV text and dtypes: comparable exactly, missing values included (NaN is not
    equal to itself, and each run makes its own NaN objects)."""
    return frame.to_csv(index=False), [str(t) for t in frame.dtypes]


def _differences(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    return [key for key in first if first[key] != second[key]]


def _replay(releases: Releases, run: Callable[[pd.DataFrame], Any], capsys, caplog, changes):
    """Run on D (recording), then on each D + x (replaying): the changes whose outputs differ."""
    table = _table()
    original = _observe(lambda: run(table), capsys, caplog)
    assert not isinstance(original["outcome"], str), original["outcome"]
    failures = {}
    for change in changes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas' notes on concatenating odd rows
            frame = _neighbour(table, change)
        releases.replay()
        neighbour = _observe(lambda f=frame: run(f), capsys, caplog)
        differing = _differences(original, neighbour)
        if differing:
            failures[change] = {key: neighbour[key] for key in differing}
    return failures


def test_nothing_but_dp_releases_leaves_a_fit(releases, capsys, caplog, tmp_path):
    failures = _replay(releases, lambda df: _fit(df, tmp_path), capsys, caplog, CHANGES)
    assert not failures, json.dumps(failures, indent=1, default=str)[:3000]


def _cli(df: pd.DataFrame, folder: Path) -> dict[str, Any]:
    """``synthgan fit`` on a CSV of ``df``: exit code, what it printed, the model file."""
    data, kinds, public = folder / "data.csv", folder / "kinds.json", folder / "public.json"
    df.to_csv(data, index=False)
    kinds.write_text(json.dumps(KINDS))
    public.write_text(json.dumps(PUBLIC))
    args = ["fit", str(data), "-o", str(folder / "m.sgm"), "--epsilon", "2", "--seed", "0"]
    args += ["--schema", str(kinds), "--public", str(public), "--epochs", "2"]
    args += ["--batch-size", "100"]
    result = CliRunner().invoke(main, args)
    model = _model_file(folder / "m.sgm") if result.exit_code == 0 else None
    return {"exit": result.exit_code, "output": result.output, "model": model}


@pytest.mark.parametrize(
    "changes",
    [
        [
            "a new category",
            "a non-integer in an integer column",
            "an impossible date",
            "a word in a number column",
            "a missing value in every column",
        ]
    ],
)
def test_nothing_but_dp_releases_leaves_the_command_line(
    releases, capsys, caplog, tmp_path, changes
):
    """The CSV is read as text under DP: pandas' type guessing would look at every value."""
    failures = _replay(releases, lambda df: _cli(df, tmp_path), capsys, caplog, changes)
    assert not failures, json.dumps(failures, indent=1, default=str)[:3000]


# -- the replay catches a broken rule ------------------------------------------------------------


def _caught(releases, capsys, caplog, tmp_path, change: str) -> bool:
    failures = _replay(releases, lambda df: _fit(df, tmp_path), capsys, caplog, [change])
    return change in failures


def test_the_replay_catches_an_exact_count_in_the_log(
    releases, capsys, caplog, tmp_path, monkeypatch
):
    count = PrivateStatistics.count

    def leaky(self, df):
        logging.getLogger("synthgan").info("Read %d rows", len(df))
        return count(self, df)

    monkeypatch.setattr(PrivateStatistics, "count", leaky)
    assert _caught(releases, capsys, caplog, tmp_path, "a duplicate row")


def test_the_replay_catches_kinds_inferred_from_the_values(
    releases, capsys, caplog, tmp_path, monkeypatch
):
    """As before declarations were required: each kind read from the column's dtype."""
    from synthgan.inference import _infer_kind

    infer = synthgan.prepare.infer_schema

    def from_dtypes(df, overrides=None, *, private=False):
        guessed = {}
        for name, value in (overrides or {}).items():
            try:
                kind = _infer_kind(df[name], df[name].dropna())
            except Exception:  # an all-missing or mixed column: as main took it, a category
                kind = "categorical"
            guessed[name] = (value if isinstance(value, dict) else {}) | {"kind": kind}
        return infer(df, guessed, private=private)

    monkeypatch.setattr(synthgan.prepare, "infer_schema", from_dtypes)
    assert _caught(releases, capsys, caplog, tmp_path, "a word in a number column")


def test_the_replay_catches_values_read_without_the_fixed_rules(
    releases, capsys, caplog, tmp_path, monkeypatch
):
    """Without the per-value conversion, a bad date reaches pandas' parser, which raises."""
    monkeypatch.setattr(synthgan.prepare, "coerce_table", lambda df, schema: df)
    assert _caught(releases, capsys, caplog, tmp_path, "an impossible date")


def test_the_replay_catches_timings_in_the_model_file(
    releases, capsys, caplog, tmp_path, monkeypatch
):
    manifest = Synthesizer.manifest

    def timed(self):
        out = manifest(self)
        out["fit"]["fit_seconds"] = round(time.perf_counter(), 3)
        return out

    monkeypatch.setattr(Synthesizer, "manifest", timed)
    assert _caught(releases, capsys, caplog, tmp_path, "a duplicate row")


def test_the_replay_catches_an_id_format_read_from_the_values(
    releases, capsys, caplog, tmp_path, monkeypatch
):
    """As a non-DP fit does it: the regenerated IDs start at the least real one."""
    import dataclasses

    from synthgan.inference import _read_id_format
    from synthgan.schema import Schema

    infer = synthgan.prepare.infer_schema

    def reading_ids(df, overrides=None, *, private=False):
        schema = infer(df, overrides, private=private)
        return Schema(
            tuple(
                dataclasses.replace(c, id_format=_read_id_format(df[c.name].dropna(), c.kind))
                if c.role == "id"
                else c
                for c in schema.columns
            )
        )

    monkeypatch.setattr(synthgan.prepare, "infer_schema", reading_ids)
    assert _caught(releases, capsys, caplog, tmp_path, "an ID below the others")
