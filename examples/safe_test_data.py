"""A differentially private synthetic copy of a table, with its privacy ledger.

Run from the repository root:  .venv/bin/python examples/private_copy.py [--epsilon 1]
It uses the bundled CPS1988 table (no download) and writes to ./private-copy-output/: the model
file, 10,000 synthetic rows, and the ledger as text.

What is declared public costs no budget: here, the ranges any survey of this kind allows (years
of education and of experience) and the census regions. Everything else — the wage range, the
other categories, every frequency — is learned under DP and listed in the ledger.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from synthgan import Privacy, Synthesizer
from synthgan.datasets import load_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--epochs", type=int, default=None, help="default: the DP default")
    parser.add_argument("--out-dir", type=Path, default=Path("private-copy-output"))
    args = parser.parse_args()
    args.out_dir.mkdir(exist_ok=True)

    real = load_demo()
    privacy = Privacy(
        epsilon=args.epsilon,
        delta=1e-6,
        public={
            "education": (0, 20),
            "experience": (-5, 70),
            "region": ["midwest", "northeast", "south", "west"],
        },
    )
    model = Synthesizer(privacy=privacy, epochs=args.epochs, seed=0).fit(real)
    print(model.privacy_report())

    fake = model.sample(10_000)
    print("\nMedian weekly wage, real vs synthetic:", real["wage"].median(), fake["wage"].median())
    print("Regions, synthetic:", fake["region"].value_counts(normalize=True).round(3).to_dict())

    model.save(args.out_dir / "cps1988-dp.sgm")
    fake.to_csv(args.out_dir / "synthetic.csv", index=False)
    (args.out_dir / "privacy-ledger.txt").write_text(model.privacy_report() + "\n")
    print(f"\nWrote {args.out_dir}/cps1988-dp.sgm, synthetic.csv and privacy-ledger.txt")


if __name__ == "__main__":
    main()
