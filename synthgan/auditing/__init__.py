"""Empirical privacy audits: what a run's membership guesses prove about its ε."""

from synthgan.auditing.audit import AttackResult, Audit, audit

__all__ = ["AttackResult", "Audit", "audit"]
