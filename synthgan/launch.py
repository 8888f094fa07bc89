"""Data-parallel fits on this machine: ``Synthesizer(distributed=N)`` / ``synthgan fit --nproc N``.

Starts N processes (torch.multiprocessing, spawned), each one rank of a torch.distributed group
(gloo on CPU, NCCL on CUDA) that fits the same table with ``distributed="env"``, as each process
of a ``torchrun`` launch does. Rank 0 writes the model; the caller loads it. A ``SynthganError``
in a rank comes back as the same error, not as a worker's traceback.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from synthgan import errors

__all__ = ["fit_in_processes", "join_process_group"]


def join_process_group(device: torch.device) -> None:
    """Join the group the environment describes (``torchrun`` sets it), unless already in one."""
    if dist.is_initialized():
        return
    missing = [
        v for v in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ
    ]
    if missing:
        raise errors.ConfigError(
            f"distributed='env' needs {', '.join(missing)} in the environment, as torchrun sets "
            "them (torchrun --nproc-per-node N your_script.py); to start processes on this "
            "machine instead, pass distributed=N (synthgan fit --nproc N)."
        )
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def fit_in_processes(model: Any, df: pd.DataFrame, processes: int) -> Any:
    """``model`` (a ``Synthesizer``) fitted on ``df`` by ``processes`` ranks; returns the
    model rank 0 wrote, loaded."""
    kind = type(model)
    params = model.get_params() | {"distributed": "env"}
    with tempfile.TemporaryDirectory(prefix="synthgan-ranks-") as folder:
        out = Path(folder)
        args = (processes, _free_port(), kind, params, df, out)
        try:
            mp.start_processes(_rank, args, processes, start_method="spawn")
        finally:  # a rank's own error first: the others may only have lost their peer
            for failure in sorted(out.glob("error-*.json")):
                error = json.loads(failure.read_text())
                raise getattr(errors, error["type"], errors.SynthganError)(error["message"])
        return kind.load(out / "model.sgm")


def _rank(
    rank: int, processes: int, port: int, kind: type, params: dict[str, Any], df, out: Path
) -> None:
    os.environ |= {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "RANK": str(rank),
        "LOCAL_RANK": str(rank),
        "WORLD_SIZE": str(processes),
    }
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // processes))
    if rank:  # every rank warns of the same things: rank 0 speaks for them
        logging.getLogger("synthgan").setLevel(logging.ERROR)
    model = kind(**params | {"verbose": params["verbose"] and rank == 0})
    try:
        model.fit(df)
        if rank == 0:
            model.save(out / "model.sgm")
    except errors.SynthganError as e:
        failure = {"type": type(e).__name__, "message": str(e)}
        (out / f"error-{rank}.json").write_text(json.dumps(failure))
        raise SystemExit(1) from None  # ends this rank quietly; its peers stop waiting for it
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
