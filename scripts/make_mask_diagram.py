"""Draw book/images/pixelcnn_masks.svg: masks A and B, and the measured blind spot of a PixelCNN.

    python scripts/make_mask_diagram.py

The two context maps are measured, not drawn by hand: rnntutor.generation.dependency_matrix
of a PixelCNN and a Gated PixelCNN (3x3 masks, 6 layers, random weights) on 8x8 images,
for the pixel (5, 4), as in book/03b_intensities.ipynb.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import torch  # noqa: E402

from rnntutor.generation import GatedPixelCNN, PixelCNN, dependency_matrix  # noqa: E402
from rnntutor.generation.plots import draw_masks  # noqa: E402

OUT = (
    Path(__file__).resolve().parent.parent
    / "book"
    / "images"
    / "pixelcnn_masks.svg"
)
PIXEL = (5, 4)


def main() -> int:
    matplotlib.rcParams["svg.hashsalt"] = (
        "rnntutor"  # reproducible ids in the SVG
    )
    torch.manual_seed(0)
    i = PIXEL[0] * 8 + PIXEL[1]
    cnn = PixelCNN((8, 8), channels=8, num_layers=6, in_kernel=3, kernel=3)
    gated = GatedPixelCNN(
        (8, 8), channels=8, num_layers=6, in_kernel=3, kernel=3
    )
    fig = draw_masks(
        dependency_matrix(cnn)[i].reshape(8, 8),
        dependency_matrix(gated)[i].reshape(8, 8),
        PIXEL,
    )
    fig.savefig(OUT, format="svg", metadata={"Date": None})
    print("wrote", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
