"""Convert the shipped checkpoints to the one checkpoint format (version 2), without retraining.

    python scripts/convert_checkpoints.py

Each old file is first verified against the sha256 in its JSON record, then its weights
are loaded and saved again with :func:`rnntutor.checkpoint.save_checkpoint`, adding
the data provenance (dataset, split, image shape, binarization). The record gets the
new sha256 and size and keeps the old digest as ``converted_from_sha256``. Files
already in version 2 are left alone, so running it twice changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnntutor import checkpoint  # noqa: E402
from rnntutor.data import SPLIT_SIZES  # noqa: E402

MNIST5K = {
    "dataset": "mnist5k",
    "split": "train",
    "split_seed": 0,
    "split_sizes": SPLIT_SIZES["mnist5k"],
    "image_shape": [28, 28],
}
PROVENANCE = {
    "lstm_pixels_mean_mnist5k": {**MNIST5K, "binarization": None},
    "lstm_permuted_last_mnist5k": {**MNIST5K, "binarization": None},
    "row_lstm_mnist5k": {
        **MNIST5K,
        "binarization": {"method": "threshold", "threshold": 0.5},
    },
}


def _old_payload(path: Path, record: dict):
    """Verify ``path`` against its record's sha256 and return (model, metrics) from the old format."""
    if checkpoint.file_sha256(path) != record["sha256"]:
        raise SystemExit(
            f"{path} does not match the sha256 in its record: not converted"
        )
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if (
        payload.get("format") == checkpoint.FORMAT
    ):  # version 1: digest-checked classifier
        model, _, metrics = checkpoint.load_checkpoint(
            path, sha256=record["sha256"]
        )
        return model, metrics
    if (
        payload.get("format") == "rnntutor-generation"
    ):  # no digest of its own: the record's sha256 vouches
        model = checkpoint.model_class(payload["model"])(**payload["config"])
        model.load_state_dict(payload["state_dict"], strict=True)
        return model, dict(record["metrics"])
    raise SystemExit(f"{path}: unknown old format {payload.get('format')!r}")


def convert(name: str) -> bool:
    """Convert one shipped checkpoint; return whether the file changed."""
    pt, js = (
        checkpoint.SHIPPED_DIR / f"{name}.pt",
        checkpoint.SHIPPED_DIR / f"{name}.json",
    )
    record = json.loads(js.read_text())
    if (
        torch.load(pt, map_location="cpu", weights_only=True).get("version")
        == checkpoint.VERSION
    ):
        return False
    model, metrics = _old_payload(pt, record)
    old_sha = record["sha256"]
    checkpoint.save_checkpoint(
        pt, model, metrics=metrics, data=PROVENANCE[name]
    )
    record["sha256"] = checkpoint.file_sha256(pt)
    if "size_bytes" in record:
        record["size_bytes"] = pt.stat().st_size
    record["data_provenance"] = PROVENANCE[name]
    record["converted_from_sha256"] = old_sha
    js.write_text(json.dumps(record, indent=2) + "\n")
    return True


def main() -> int:
    for name in PROVENANCE:
        print(
            f"{name}: {'converted' if convert(name) else 'already version 2'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
