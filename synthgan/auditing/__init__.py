"""Empirical privacy audits: what a run's membership guesses prove about its ε.

``audit.audit`` (``synthgan.audit``) fits the pipeline it checks; ``result`` holds what it
found, which a model file keeps and the reports show."""
