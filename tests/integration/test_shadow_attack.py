"""The shadow-model attack on third-party tables: it sees copies, it sees nothing in a table
that owes nothing to its training rows, and the CLI runs it with synthgan's shadows."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import make_population

from synthgan import DataError
from synthgan.auditing.shadow import shadow_attack
from synthgan.cli import main


def _copies(table: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """A generator that memorises: its rows are its training rows."""
    return table.sample(n, replace=True, random_state=seed).reset_index(drop=True)


def _split(n: int = 6000, seed: int = 0):
    """A sixth of the people are the training rows, the rest the holdout: room for shadow
    tables as large as the training table."""
    people = make_population(n, seed=seed)
    real, holdout = people.iloc[: n // 6], people.iloc[n // 6 :]
    return real.reset_index(drop=True), holdout.reset_index(drop=True)


def test_a_table_of_copies_is_caught_at_low_false_positive_rates():
    real, holdout = _split()
    result = shadow_attack(
        real, _copies(real, len(real), 1), holdout, generator=_copies, shadows=4, seed=0
    )
    assert result.shadow_rows == len(real)
    # Drawn with replacement, 1 - 1/e = 63 % of the members have a copy in the table: the best
    # attack finds those and no others (TPR 0.63 at any FPR, AUC 0.63 + 0.37 / 2 = 0.82).
    assert result.metrics["auc"] > 0.75
    assert result.metrics["tpr_at_1pct_fpr"] > 0.55
    assert result.metrics["tpr_at_0_1pct_fpr"] > 0.5
    low, high = result.metrics["tpr_at_1pct_fpr_ci"]
    assert low <= result.metrics["tpr_at_1pct_fpr"] <= high
    assert "TPR at 1% FPR" in result.summary()


def test_a_table_independent_of_its_training_rows_gives_the_attack_nothing():
    real, holdout = _split()
    fresh = make_population(len(real), seed=99)  # the same population, none of the rows
    result = shadow_attack(real, fresh, holdout, generator=_copies, shadows=3, seed=0)
    low, high = result.metrics["auc_ci"]
    assert low < 0.5 < high or abs(result.metrics["auc"] - 0.5) < 0.03


def test_a_holdout_too_small_for_the_attack_is_refused():
    real, holdout = _split(1500)
    with pytest.raises(DataError, match="holdout"):
        shadow_attack(real, real, holdout.iloc[:300], shadow_rows=300)
    with pytest.raises(DataError, match="holdout"):
        shadow_attack(real, real, holdout.iloc[:500])  # no room even for the smallest tables


def test_the_cli_attacks_a_synthetic_table_with_synthgan_shadows(tmp_path):
    real, holdout = _split(3600)
    paths = {}
    for name, frame in {"real": real, "synthetic": real.sample(500, random_state=0),
                        "holdout": holdout}.items():  # fmt: skip
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    out = tmp_path / "attack.json"
    result = CliRunner().invoke(
        main,
        ["audit", str(paths["real"]), "--synthetic", str(paths["synthetic"]), "--holdout",
         str(paths["holdout"]), "--shadows", "2", "--shadow-rows", "100", "--shadow-steps", "20",
         "--seed", "0", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Shadow-model membership attack" in result.output
    saved = json.loads(out.read_text())
    assert saved["shadows"] == 2 and 0 <= saved["metrics"]["auc"] <= 1
    refused = CliRunner().invoke(
        main, ["audit", str(paths["real"]), "--synthetic", str(paths["synthetic"])]
    )
    assert refused.exit_code == 2 and "--holdout" in refused.output
