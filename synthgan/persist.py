"""The model file: a zip of ``manifest.json`` and ``weights.safetensors``, never pickled data.

Loading parses JSON and safetensors only, so a hostile file can fail to load but cannot run code.
Checksums in the manifest catch truncation and tampering; ``format_version`` catches files from an
incompatible synthgan.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from synthgan.errors import ModelFileError
from synthgan.io import atomic_path

__all__ = ["FORMAT_VERSION", "file_label", "read_model", "write_model"]

#: 2: post-processing (raking, cells, marginal maps) has its own section, out of the encoders.
FORMAT_VERSION = 2
#: Versions this synthgan reads (``model_file`` moves a version-1 file's post-processing).
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
WEIGHTS = "weights.safetensors"
#: Refuse members larger than this when reading (a zip bomb guard).
MAX_MEMBER_BYTES = 2 * 1024**3
#: Bytes read at a time from a stream zip cannot seek in.
CHUNK_BYTES = 1024**2


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "checksums"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def write_model(
    path: str | os.PathLike | BinaryIO,
    manifest: dict[str, Any],
    tensors: dict[str, torch.Tensor],
) -> Path | None:
    """Write the model file atomically (or into a binary file object the caller owns); tensors
    are moved to CPU so it loads anywhere."""
    weights = save_tensors({k: v.detach().cpu().contiguous() for k, v in tensors.items()})
    manifest = dict(manifest, format_version=FORMAT_VERSION)
    manifest["checksums"] = {
        "weights_sha256": _digest(weights),
        "manifest_sha256": _digest(_canonical(manifest)),
    }
    text = json.dumps(manifest, indent=1, allow_nan=False).encode()
    if _is_file_object(path, "write"):
        buffer = io.BytesIO()  # the whole file first: a failed save leaves the stream untouched
        _write_zip(buffer, text, weights)
        path.write(buffer.getvalue())
        return None
    target = Path(path)
    with atomic_path(target) as tmp:
        _write_zip(tmp, text, weights)
    return target


def _write_zip(to: Path | BinaryIO, manifest: bytes, weights: bytes) -> None:
    with zipfile.ZipFile(to, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_entry(MANIFEST), manifest)
        zf.writestr(_entry(WEIGHTS), weights)


def _is_file_object(value: object, method: str) -> bool:
    """A binary file object (``open(..., "rb"/"wb")``, ``io.BytesIO``); text ones are refused."""
    if not hasattr(value, method):
        return False
    if isinstance(value, io.TextIOBase):
        raise ModelFileError("A model file is binary: open it with 'rb' or 'wb', not in text mode.")
    return True


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date: the clock at save time, beside when the fit started, would
    tell how long a DP fit took (and the same model now gives the same bytes)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def read_model(
    path: str | os.PathLike | BinaryIO,
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Read and verify a model file (a path or a binary file object); any problem is a
    :class:`ModelFileError`."""
    if _is_file_object(path, "read"):
        source, path = _readable(path), Path(file_label(path))
    else:
        source = path = Path(path)
        if not path.is_file():
            raise ModelFileError(f"No model file at {str(path)!r}.")
    try:
        with zipfile.ZipFile(source) as zf:
            names = sorted(zf.namelist())
            if names != sorted([MANIFEST, WEIGHTS]):
                raise ModelFileError(
                    f"{str(path)!r} is not a synthgan model: expected {MANIFEST} and {WEIGHTS}, "
                    f"found {names[:10]}."
                )
            for info in zf.infolist():
                if info.file_size > MAX_MEMBER_BYTES:
                    raise ModelFileError(
                        f"{str(path)!r}: member {info.filename} is implausibly large."
                    )
            manifest_bytes = zf.read(MANIFEST)
            weights = zf.read(WEIGHTS)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as e:
        if isinstance(e, ModelFileError):
            raise
        raise ModelFileError(
            f"{str(path)!r} is not a readable synthgan model file (zip): {e}"
        ) from e
    try:
        manifest = json.loads(manifest_bytes)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelFileError(f"{str(path)!r}: {MANIFEST} is not valid JSON: {e}") from e
    if not isinstance(manifest, dict):
        raise ModelFileError(f"{str(path)!r}: {MANIFEST} must hold a JSON object.")
    version = manifest.get("format_version")
    if version not in READABLE_VERSIONS:
        raise ModelFileError(
            f"{str(path)!r} has model format version {version!r}; this synthgan reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}. Refit the model or use the synthgan version that wrote it "
            f"({manifest.get('synthgan_version', 'unknown')})."
        )
    checksums = manifest.get("checksums") or {}
    if checksums.get("weights_sha256") != _digest(weights):
        raise ModelFileError(
            f"{str(path)!r}: the weights do not match their checksum (corrupted or altered)."
        )
    try:
        canonical = _canonical(manifest)
    except ValueError as e:
        raise ModelFileError(f"{str(path)!r}: {MANIFEST} holds non-finite numbers.") from e
    if checksums.get("manifest_sha256") != _digest(canonical):
        raise ModelFileError(f"{str(path)!r}: the manifest does not match its checksum (altered).")
    try:
        tensors = load_tensors(weights)
    except Exception as e:  # safetensors raises its own SafetensorError for malformed bytes
        raise ModelFileError(f"{str(path)!r}: weights are not valid safetensors: {e}") from e
    return manifest, tensors


def file_label(stream: Any) -> str:
    """How messages name a file object: its path, if it has one (a pipe's name is a number)."""
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) else "<file object>"


def _readable(stream: BinaryIO) -> BinaryIO:
    """The stream itself where zip can seek in it; else its bytes, read to the end (a pipe
    gives a read what it has at the moment) or up to the size limit."""
    try:
        if getattr(stream, "seekable", lambda: False)():
            return stream
        data = io.BytesIO()
        while chunk := stream.read(CHUNK_BYTES):
            if not isinstance(chunk, bytes):
                raise ModelFileError("A model file is binary: open it with 'rb', not in text mode.")
            data.write(chunk)
            if data.tell() > MAX_MEMBER_BYTES:
                raise ModelFileError(f"{file_label(stream)!r} is implausibly large for a model.")
    except ModelFileError:
        raise
    except (OSError, ValueError) as e:  # closed, or not readable
        raise ModelFileError(f"Cannot read a model from {file_label(stream)!r}: {e}") from e
    data.seek(0)
    return data
