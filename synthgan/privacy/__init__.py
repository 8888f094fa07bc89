"""Differential privacy: settings, the DP statistics preprocessing needs, the accountant, the
plan of one DP fit, and the ledger of what was spent.

Under DP the real rows are read here (the statistics, through ``mechanisms.Releases``), in
``synthgan.prepare`` (the encoding, with secret randomness) and in ``synthgan.train.dp``
(DP-SGD); the rest of the package sees only DP releases."""

from synthgan.privacy.ledger import LedgerItem, PrivacyLedger
from synthgan.privacy.settings import DEFAULT_DELTA, Privacy, fresh_entropy

__all__ = ["DEFAULT_DELTA", "LedgerItem", "Privacy", "PrivacyLedger", "fresh_entropy"]
