"""Quickstart: learn a real table, sample it (also conditionally), save and reload the model.

Run from the repository root:  .venv/bin/python examples/quickstart.py [--epochs 100]
It uses the bundled CPS1988 table (no download) and writes to ./quickstart-output/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from synthgan import Synthesizer, load
from synthgan.datasets import load_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--out-dir", type=Path, default=Path("quickstart-output"))
    args = parser.parse_args()
    args.out_dir.mkdir(exist_ok=True)

    real = load_demo()
    print(f"Real table: {real.shape[0]:,} rows x {real.shape[1]} columns")

    model = Synthesizer(epochs=args.epochs, seed=0).fit(real)
    for column in model.schema_.columns:
        print(f"  {column.name:<12} {column.kind:<12} {column.bounds or column.categories}")

    fake = model.sample(len(real))
    print(
        "\nMean weekly wage, real vs synthetic:",
        round(real["wage"].mean()),
        round(fake["wage"].mean()),
    )
    print(
        "Part-time share, real vs synthetic:",
        round((real["parttime"] == "yes").mean(), 3),
        round((fake["parttime"] == "yes").mean(), 3),
    )

    # Exact conditions: every row is a part-timer in the south with 10 to 20 years of experience.
    rows = model.sample(
        1_000, conditions={"region": "south", "parttime": "yes", "experience": (10, 20)}
    )
    assert (rows["region"] == "south").all() and rows["experience"].between(10, 20).all()
    print(f"\n{len(rows)} conditional rows, median wage {rows['wage'].median():.0f}")

    path = model.save(args.out_dir / "cps1988.sgm")
    again = load(path)
    assert again.sample(100, seed=7).equals(model.sample(100, seed=7))
    model.sample_to(args.out_dir / "synthetic.parquet", 100_000, seed=1)
    print(f"Saved {path}; streamed 100,000 rows to {args.out_dir / 'synthetic.parquet'}")


if __name__ == "__main__":
    main()
