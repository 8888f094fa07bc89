"""What every report says about itself, whatever its scores: shared by the summary, JSON and HTML."""

from __future__ import annotations

from typing import Any

__all__ = ["AUDIT_STATEMENT", "NOT_DP_STATEMENT", "PRIVACY_STATEMENT", "audit_text"]

#: At the top of every report: its figures come from the real rows.
NOT_DP_STATEMENT = (
    "This report reads the real rows: it is not covered by any differential-privacy guarantee, "
    "whatever the model's. Keep it with the data owner; share the synthetic rows and the privacy "
    "ledger instead."
)

PRIVACY_STATEMENT = (
    "Distance and membership-inference figures are empirical risk estimates for the attacks run "
    "here, not guarantees: a stronger attack may do better. Only differential privacy bounds "
    "every attack."
)

#: Beside every audit result: what an empirical lower bound shows and what it does not.
AUDIT_STATEMENT = (
    "An empirical lower bound: with the stated confidence the pipeline's true epsilon is at least "
    "this. A bound above the claimed epsilon proves the claim false (a bug, or an accounting "
    "error). A bound below it shows only that these attacks found no more leakage: it cannot "
    "prove the claim, and one run's bound sits well below the claim even for a correct pipeline."
)


def audit_text(audit: dict[str, Any]) -> str:
    """A privacy audit's result (``Audit.to_dict()``) as lines of text."""
    verdict = (
        "VIOLATED: the pipeline leaks more than it claims"
        if audit["violated"]
        else "consistent with the claim (which a lower bound cannot prove)"
    )
    lines = [
        f"Privacy audit: epsilon >= {audit['epsilon_lower_bound']:.2f} at "
        f"{audit['confidence']:.0%} confidence, claimed {audit['epsilon_claimed']:g} "
        f"(spent {audit['epsilon_spent']:.3g}, delta {audit['delta']:g}): {verdict}.",
        f"{audit['runs']} run(s) x {audit['canaries']} canaries of each kind on "
        f"{audit['rows']:,} rows of the table (DP-SGD there: noise multiplier "
        f"{audit['noise_multiplier']:.3g}, sampling rate {audit['sample_rate']:.3g}, "
        f"{audit['steps']} steps), {audit['seconds']:.0f}s.",
    ]
    for a in audit["attacks"]:
        lines.append(
            f"  {a['attack']}: epsilon >= {a['epsilon_lower_bound']:.2f} "
            f"({a['correct']} of {a['guesses']} guesses right, AUC {a['auc']:.3f})"
        )
    return "\n".join([*lines, AUDIT_STATEMENT])
