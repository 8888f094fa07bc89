"""The ``synthgan`` command line: fit, sample, evaluate, audit, info, schema, demo.

Each command lives in its own module and is added to the group here; the commands import the
library inside their bodies, so ``synthgan --help`` starts without loading torch.
"""

from __future__ import annotations

from synthgan.cli import audit, demo, describe, evaluate, fit, sample
from synthgan.cli.app import main

__all__ = ["main"]

for _command in (
    fit.fit,
    sample.sample,
    describe.info,
    describe.schema,
    evaluate.evaluate,
    audit.audit,
    demo.demo,
):
    main.add_command(_command)
del _command
