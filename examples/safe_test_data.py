"""A differentially private synthetic copy of a table for a test environment, with its evaluation
report and privacy ledger beside it.

Run from the repository root:
    .venv/bin/python examples/safe_test_data.py [--data table.csv --schema kinds.json]
        [--epsilon 1] [--rows 10000]
Without --data it uses the bundled CPS1988 table (no download), whose column kinds come from its
documentation. With --data, declare your columns' kinds in a JSON file (DP needs them declared:
inferring them reads every value); `synthgan schema table.csv --declare` drafts one. A fifth of the rows is held out
(never seen by the model) so the report can measure utility and privacy risk on rows the model
did not learn from. Writes to ./safe-test-data-output/:

    synthetic.csv        the rows to hand to the test environment
    privacy-ledger.txt   what the (ε, δ) guarantee covers: every DP statistic and DP-SGD setting
    model.sgm            the model (JSON + safetensors, no pickle) to sample more rows later
    report.html / .json  quality, utility, privacy risk and fairness against the real rows, and
                         the privacy audit of the model's pipeline (an ε lower bound beside the
                         ledger; skip it: --no-audit)

Share the synthetic rows and the ledger. Keep the report with the data owner: it is computed from
the real rows and is NOT covered by the DP guarantee (it shows real distributions and scores).

What is declared public costs no budget: for CPS1988, the ranges any survey of this kind allows
(years of education and of experience) and the census regions. Everything else — the wage range,
the other categories, every frequency — is learned under DP and listed in the ledger.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synthgan import Privacy, Synthesizer, audit, evaluate
from synthgan.datasets import DEMO_KINDS, DEMO_SENSITIVE, DEMO_TARGET, load_demo
from synthgan.io import read_table

CPS1988_PUBLIC = {
    "education": (0, 20),
    "experience": (-5, 70),
    "region": ["midwest", "northeast", "south", "west"],
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="CSV or Parquet table (default: CPS1988)")
    parser.add_argument("--schema", type=Path, help="JSON of each column's kind (with --data)")
    parser.add_argument("--target", help="column to score utility on (CPS1988: parttime)")
    parser.add_argument("--sensitive", help="column to score fairness on (CPS1988: ethnicity)")
    parser.add_argument(
        "--dp-target",
        action="store_true",
        help="declare --target to DP: its two-way tables with every other column are measured\n"
        "and matched, for models that will predict it (same budget; slower sampling)",
    )
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--delta", type=float, default=1e-6)
    parser.add_argument("--rows", type=int, default=10_000, help="synthetic rows to write")
    parser.add_argument("--epochs", type=int, default=None, help="default: the DP default")
    parser.add_argument(
        "--seed", type=int, default=0, help="fixes the sample (DP noise is always fresh)"
    )
    parser.add_argument(
        "--no-audit",
        dest="audit",
        action="store_false",
        help="skip the privacy audit (an empirical epsilon lower bound beside the claim,\n"
        "from one more fit of the pipeline with canary rows; about 15 s)",
    )
    parser.add_argument("--out-dir", type=Path, default=Path("safe-test-data-output"))
    args = parser.parse_args()
    args.out_dir.mkdir(exist_ok=True)

    if args.data is None:
        table, public, kinds = load_demo(), CPS1988_PUBLIC, DEMO_KINDS
        target, sensitive = args.target or DEMO_TARGET, args.sensitive or DEMO_SENSITIVE
    else:
        if args.schema is None:
            parser.error("--data needs --schema: a JSON file of each column's kind")
        kinds = json.loads(args.schema.read_text())
        # As text, so that pandas' type guessing (which reads every value) plays no part.
        table, public = read_table(args.data, as_text=True), {}
        target, sensitive = args.target, args.sensitive
    holdout = table.sample(frac=0.2, random_state=args.seed)
    real = table.drop(index=holdout.index)

    declared = target if args.dp_target else None
    privacy = Privacy(epsilon=args.epsilon, delta=args.delta, public=public, target=declared)
    model = Synthesizer(privacy=privacy, overrides=kinds, epochs=args.epochs, seed=args.seed).fit(
        real
    )
    ledger = model.privacy_report()
    print(ledger)
    if args.audit:  # check the claim on this table: an ε lower bound, shown in the report
        print()
        print(audit(real, model, seed=args.seed).summary())

    fake = model.sample(args.rows)
    model.save(args.out_dir / "model.sgm")
    fake.to_csv(args.out_dir / "synthetic.csv", index=False)
    (args.out_dir / "privacy-ledger.txt").write_text(ledger + "\n")

    report = evaluate(real, fake, holdout, target=target, sensitive=sensitive, model=model)
    report.to_html(args.out_dir / "report.html")
    report.to_json(args.out_dir / "report.json")
    print()
    print(report.summary())
    print(
        f"\nWrote synthetic.csv, privacy-ledger.txt, model.sgm and report.html/.json to {args.out_dir}/"
    )


if __name__ == "__main__":
    main()
