"""The model file's content: a fitted ``Synthesizer`` as a JSON manifest plus its generator's
tensors, and back. The zip layer (checksums, atomic writes, limits) is ``persist.py``."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from synthgan._version import __version__
from synthgan.combinations import Combinations
from synthgan.conditional import ConditionSpace
from synthgan.errors import ModelFileError
from synthgan.fairness import Fairness
from synthgan.postprocess import TENSOR_PREFIX, PostProcessor
from synthgan.privacy import Privacy, PrivacyLedger
from synthgan.schema import Schema
from synthgan.train.gan import build_generator
from synthgan.transform import TableTransformer

if TYPE_CHECKING:
    from synthgan.synthesizer import Synthesizer

__all__ = ["from_manifest", "to_manifest"]

#: Parameters stored as lists in JSON and given back as tuples.
_TUPLES = ("generator_dim", "discriminator_dim")


def to_manifest(model: Synthesizer) -> dict[str, Any]:
    """Everything the model file says about ``model``, except the weights (JSON-ready)."""
    params = model.get_params()
    for key in _TUPLES:
        if params[key] is not None:
            params[key] = list(params[key])
    if model.privacy is not None:
        params["privacy"] = model.privacy.to_dict()
    if model.fairness is not None:
        params["fairness"] = model.fairness.to_dict()
    if isinstance(params["validation"], pd.DataFrame):  # rows are never stored: only its size
        params["validation"] = f"a table of {len(params['validation'])} rows"
    return {
        "synthgan_version": __version__,
        "versions": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
        "config": params,
        "schema": model.schema_.to_dict(),
        "combinations": None if model.combinations_ is None else model.combinations_.to_dict(),
        "transformer": model.transformer_.to_dict(),
        "condition_space": model.condition_space_.to_dict(),
        "postprocess": model.postprocessor_.to_dict(),
        "history": model.history_,
        "fit": model.fit_info_,
        "privacy": None if model.ledger_ is None else model.ledger_.to_dict(),
    }


def from_manifest(
    cls: type[Synthesizer], manifest: Mapping[str, Any], tensors: dict[str, torch.Tensor], path: str
) -> Synthesizer:
    """A fitted model from a manifest and tensors read by ``persist.read_model``; anything
    malformed is a :class:`ModelFileError` naming the file."""
    try:
        if manifest.get("format_version") == 1:
            manifest = _from_format_1(manifest)
        model = cls(**_config_args(manifest["config"], cls._param_names()))
        model._validate()
        model.schema_ = Schema.from_dict(manifest["schema"])
        combinations = manifest.get("combinations")  # absent from files older than the option
        model.combinations_ = None if combinations is None else Combinations.from_dict(combinations)
        groups = () if model.combinations_ is None else model.combinations_.groups
        if any(g.name not in model.schema_ for g in groups):
            raise ValueError("a fixed combination without its learned column in the schema")
        model.transformer_ = TableTransformer.from_dict(manifest["transformer"], model.schema_)
        model.condition_space_ = ConditionSpace.from_dict(manifest["condition_space"])
        model.postprocessor_ = PostProcessor.from_dict(
            manifest["postprocess"],
            model.schema_,
            model.condition_space_.widths,
            tensors,
            model.transformer_.output_dim_,
        )
        model.history_ = list(manifest["history"])
        model.fit_info_ = dict(manifest["fit"])
        ledger = manifest.get("privacy")
        model.ledger_ = None if ledger is None else PrivacyLedger.from_dict(ledger)
        model.audit_ = None  # an audit is never in the file (it is not a DP release)
        if model.ledger_ is not None and model.postprocessor_.ratio is not None:
            raise ValueError("a DP model has no density ratio (it would have read real rows)")
        generator = build_generator(
            model._gan_config(), model.condition_space_, model.transformer_.output_dim_
        )
        ours = {k: v for k, v in tensors.items() if not k.startswith(TENSOR_PREFIX)}
        generator.load_state_dict(ours, strict=True)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as e:
        raise ModelFileError(f"{path!r} does not describe a valid synthgan model: {e}") from e
    model.generator_ = generator.eval()
    return model


def _from_format_1(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A version-1 manifest in today's layout: raking and cells were top-level, and each
    numeric encoder held its own marginal map ("calibration")."""
    manifest = dict(manifest)
    transformer = dict(manifest["transformer"])
    encoders, marginals = {}, {}
    for name, encoder in transformer["encoders"].items():
        encoder = dict(encoder)
        calibration = encoder.pop("calibration", None)
        if calibration is not None:
            marginals[name] = calibration
        encoders[name] = encoder
    manifest["transformer"] = transformer | {"encoders": encoders}
    manifest["postprocess"] = {
        "raking": manifest.pop("raking", None),
        "cells": manifest.pop("cells", None),
        "marginals": marginals,
    }
    return manifest


def _config_args(config: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    unknown = set(config) - set(names)
    if unknown:
        raise ModelFileError(f"Model config has unknown parameter(s) {sorted(unknown)}.")
    args = dict(config)
    for key in _TUPLES:
        if args.get(key) is not None:
            args[key] = tuple(args[key])
    if args.get("privacy") is not None:
        args["privacy"] = Privacy.from_dict(args["privacy"])
    if args.get("fairness") is not None:
        args["fairness"] = Fairness.from_dict(args["fairness"])
    if isinstance(args.get("validation"), str):  # the fit validated on a table of its own
        args["validation"] = None
    return args
