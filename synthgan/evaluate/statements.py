"""What every report says about itself, whatever its scores: shared by the summary, JSON and HTML."""

from __future__ import annotations

__all__ = ["NOT_DP_STATEMENT", "PRIVACY_STATEMENT"]

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
