"""Empirical privacy audits: what a run's membership guesses prove about its ε."""
