"""``python -m benchmarks.audit``: the privacy audit's ε lower bounds beside the claims.

Four parts, each audit one ``audit`` record in ``benchmarks/results/audit.jsonl``:

* ``adult``: Adult's DP pipeline (declared kinds, DP defaults) at each ``--epsilons`` claim and
  ``--seeds`` seed, with the audit's defaults (1,000 canaries of each kind, 5,000 rows, one run);
* ``pooled``: the largest claim again with ``--pooled-runs`` runs pooled;
* ``faults``: each broken pipeline of ``benchmarks/audit_faults.py`` on Adult, claim ε = 1;
* ``coverage``: the correct pipeline on the generated public-domain table (canaries can take
  labels no row has) at ε 0.5 to 8, ``--seeds`` seeds each: how often a bound passed the claim;
* ``shadow``: the shadow-model attack (synthgan shadows of 2,000 steps) on two tables made from
  4,000 of Adult's training rows, with Adult's test rows as the holdout: synthgan's sample
  (2,000 steps, like the shadows) and a noisy copy (the real rows, numbers jittered by 1 %);
  ``shadow-matched``: the noisy copy again, its shadows made the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

import numpy as np

from benchmarks.audit_faults import FAULTS, public_domain_pipeline, public_domain_table
from benchmarks.datasets import adult
from benchmarks.environment import describe
from benchmarks.records import append, with_environment
from benchmarks.report import RESULTS
from synthgan import Privacy, Synthesizer, audit
from synthgan.auditing.shadow import shadow_attack, synthgan_generator

OUT = RESULTS / "audit.jsonl"
SHADOW_ROWS = 4000
COVERAGE_EPSILONS = (0.5, 1.0, 2.0, 4.0, 8.0)
FAULT_CLAIM = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epsilons", type=float, nargs="+", default=[1.0, 4.0, 8.0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--pooled-runs", type=int, default=3)
    parser.add_argument(
        "--parts", nargs="+", default=["adult", "pooled", "faults", "coverage", "shadow"]
    )
    args = parser.parse_args()
    command = " ".join(["python -m benchmarks.audit", *sys.argv[1:]])
    run = describe()["date"]
    data = adult()

    def record(part: str, dataset: str, epsilon: float, seed: int, fault=None, runs=1, **kw):
        pipeline = (
            Synthesizer(privacy=Privacy(epsilon=epsilon), overrides=data.kinds, verbose=False)
            if dataset == "adult"
            else public_domain_pipeline(epsilon)
        )
        table = data.train if dataset == "adult" else public_domain_table()
        with (FAULTS[fault] if fault else contextlib.nullcontext)():
            result = audit(table, pipeline, runs=runs, seed=seed, **kw)
        print(part, epsilon, seed, fault, result.summary().splitlines()[0], flush=True)
        append(
            with_environment(
                describe(), what="audit", dataset=dataset, tool="synthgan", seed=seed,
                settings={"part": part, "run": run, "epsilon": epsilon, "fault": fault,
                          "runs": runs},
                details=result.to_dict(), command=command,
            ),
            OUT,
        )  # fmt: skip

    for part in args.parts:
        if part == "adult":
            for epsilon in args.epsilons:
                for seed in range(args.seeds):
                    record(part, "adult", epsilon, seed)
        elif part == "pooled":
            record(part, "adult", max(args.epsilons), 0, runs=args.pooled_runs)
        elif part == "faults":
            for fault in FAULTS:
                record(part, "adult", FAULT_CLAIM, 0, fault=fault)
        elif part == "coverage":
            for epsilon in COVERAGE_EPSILONS:
                for seed in range(args.seeds):
                    record(part, "generated", epsilon, seed, canaries=500)
        elif part in ("shadow", "shadow-matched"):
            real = data.train.sample(SHADOW_ROWS, random_state=0).reset_index(drop=True)
            for target, (table, shadows) in _shadow_targets(real, part).items():
                result = shadow_attack(real, table, data.test, generator=shadows, seed=0)
                print(part, target, result.summary().splitlines()[1:4], flush=True)
                append(
                    with_environment(
                        describe(), what="audit-shadow", dataset="adult", tool=target, seed=0,
                        settings={"run": run, "rows": SHADOW_ROWS}, details=result.to_dict(),
                        command=command,
                    ),
                    OUT,
                )  # fmt: skip


def _jittered(table, n, seed):
    """A careless 'anonymisation': the rows themselves, numbers jittered by 1 %."""
    rng = np.random.default_rng(seed)
    noisy = table.sample(n, replace=n > len(table), random_state=seed).reset_index(drop=True)
    for column in noisy.select_dtypes("number"):
        noisy[column] = noisy[column] + rng.normal(0, 0.01, len(noisy)) * noisy[column].abs()
    return noisy


def _shadow_targets(real, part):
    """The tables the shadow attack is run on, by name, with the generator of its shadows
    (``shadow-matched``: the jittered copy attacked with its own generator)."""
    noisy = _jittered(real, len(real), 0)
    if part == "shadow-matched":
        return {"noisy copy, shadows made the same way": (noisy, _jittered)}
    sample = synthgan_generator()(real, len(real), 0)
    return {
        "synthgan, 2,000 steps (synthgan shadows)": (sample, None),
        "noisy copy, numbers jittered 1 % (synthgan shadows)": (noisy, None),
    }


if __name__ == "__main__":
    main()
