"""The book's diagrams (book/images/*.svg from scripts/make_diagrams.py): committed = generated,
self-contained, accessible, legible on the site, in the chapters' symbols, and the two PixelRNN
context maps equal the dependencies measured on the package's models."""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "make_diagrams", ROOT / "scripts" / "make_diagrams.py"
)
make_diagrams = importlib.util.module_from_spec(spec)
sys.modules["make_diagrams"] = make_diagrams
spec.loader.exec_module(make_diagrams)

NS = "{http://www.w3.org/2000/svg}"
NAMES = sorted(make_diagrams.DIAGRAMS)
SITE_WIDTH = 700  # the widest the site shows a figure, in CSS pixels


def _root(name: str) -> ET.Element:
    return ET.fromstring((ROOT / "book" / "images" / name).read_bytes())


def _labels(name: str) -> list[str]:
    """The text of every <text> element, sub- and superscripts run together (h_{t-1} -> "ht−1")."""
    return ["".join(t.itertext()) for t in _root(name).iter(f"{NS}text")]


def test_the_generator_draws_the_nine_diagrams():
    assert NAMES == sorted(
        [
            "unrolled_rnn.svg",
            "rnn_cell.svg",
            "lstm_cell.svg",
            "gru_cell.svg",
            "image_as_sequence.svg",
            "row_lstm_geometry.svg",
            "diagonal_bilstm_geometry.svg",
            "vanishing_gradient.svg",
            "sequence_classification.svg",
        ]
    )


@pytest.mark.parametrize("name", NAMES)
def test_committed_file_equals_the_generator_output(name):
    committed = (ROOT / "book" / "images" / name).read_text(encoding="utf-8")
    assert committed == make_diagrams.DIAGRAMS[name](), (
        f"run python scripts/make_diagrams.py ({name} is stale)"
    )


def test_generator_is_deterministic():
    for make in make_diagrams.DIAGRAMS.values():
        assert make() == make()


@pytest.mark.parametrize("name", NAMES)
def test_svg_is_accessible_self_contained_and_small(name):
    raw = (ROOT / "book" / "images" / name).read_bytes()
    assert len(raw) < 30_000
    root = ET.fromstring(raw)
    assert root.tag == f"{NS}svg"
    x0, y0, w, h = (float(v) for v in root.get("viewBox").split())
    assert (x0, y0) == (0, 0) and 600 <= w <= 760 and 200 <= h <= 520
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and len(title.text) > 10
    assert desc is not None and len(desc.text) > 80
    # an opaque white background over the whole viewBox, drawn first: legible in dark mode
    first = next(el for el in root if el.tag == f"{NS}rect")
    assert (
        first.get("class") == "background" and first.get("fill") == "#ffffff"
    )
    assert float(first.get("x")) <= 1 and float(first.get("y")) <= 1
    assert (
        float(first.get("width")) >= w - 1
        and float(first.get("height")) >= h - 1
    )
    # nothing loaded from outside: no URL but the SVG namespace, no href, no images, no web fonts
    text = raw.decode()
    assert re.findall(r"https?://[^\"' )]+", text) == [
        "http://www.w3.org/2000/svg"
    ]
    assert (
        "href" not in text
        and "<image" not in text
        and "@import" not in text
        and "@font-face" not in text
    )
    assert set(re.findall(r"url\(([^)]*)\)", text)) <= {
        f"#{el.get('id')}" for el in root.iter() if el.get("id")
    }
    fonts = {
        el.get("font-family") for el in root.iter() if el.get("font-family")
    }
    assert fonts <= {"sans-serif", "serif"}


@pytest.mark.parametrize("name", NAMES)
def test_text_is_legible_at_site_width(name):
    root = _root(name)
    scale = SITE_WIDTH / float(root.get("viewBox").split()[2])
    for el in root.iter(f"{NS}text"):
        size = float(el.get("font-size"))
        assert size * scale >= 11, (
            f"{''.join(el.itertext())!r}: {size * scale:.1f} px"
        )
        for span in el.iter(
            f"{NS}tspan"
        ):  # sub- and superscripts may be a little smaller
            if span.get("font-size"):
                assert float(span.get("font-size")) * scale >= 9


def test_text_is_dark_on_the_light_background():
    """Words and symbols are drawn in dark colours (luminance well below the white background)."""

    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for name in NAMES:
        for el in _root(name).iter(f"{NS}text"):
            assert luminance(el.get("fill")) < 0.55, (
                name,
                "".join(el.itertext()),
                el.get("fill"),
            )


# the chapters' symbols, as the SVG text reads them (subscripts run on: c_{t-1} -> "ct−1")
SYMBOLS = {
    "unrolled_rnn.svg": [
        "xt−1",
        "xt",
        "xt+1",
        "ht−1",
        "ht+1",
        "Whh",
        "Wih",
        "bih",
        "bhh",
        "tanh",
        "h0 = 0",
    ],
    "rnn_cell.svg": [
        "ht−1",
        "xt",
        "ht",
        "at",
        "Wih",
        "Whh",
        "bih",
        "bhh",
        "tanh",
    ],
    "lstm_cell.svg": [
        "it",
        "ft",
        "gt",
        "ot",
        "ct−1",
        "ct",
        "ht−1",
        "xt",
        "ht",
        "σ",
        "tanh",
        "⊙",
        "+",
    ],
    "gru_cell.svg": [
        "rt",
        "zt",
        "nt",
        "ht−1",
        "xt",
        "ht",
        "Whn",
        "bhn",
        "Win",
        "bin",
        "σ",
        "tanh",
        "⊙",
        "1−",
    ],
    "image_as_sequence.svg": [
        "T = 28",
        "T = 784",
        "x28",
        "h28",
        "x784",
        "h784",
        "h0 = 0",
    ],
    "row_lstm_geometry.svg": [
        "Kss",
        "Kis",
        "hr−1",
        "xr",
        "mask A",
        "[i; f; g; o]r",
    ],
    "diagonal_bilstm_geometry.svg": [
        "skew",
        "unskew",
        "s[r, r + c] = u[r, c]",
        "u[r, c] = s[r, r + c]",
        "Kss",
    ],
    "vanishing_gradient.svg": [
        "Jk = ∂hk / ∂hk−1",
        "diag(1 − hk2) Whh",
        "ℓT",
        "σmax",
        "(γ σmax)T−t",
    ],
    "sequence_classification.svg": [
        "softmax(Wy s + by)",
        "softmax(Wy ht + by)",
        "s = hT",
        "y1",
        "yT",
        "xT",
    ],
}


@pytest.mark.parametrize("name", NAMES)
def test_diagram_uses_the_chapter_symbols(name):
    labels = _labels(name)
    joined = "\n".join(labels)
    for symbol in SYMBOLS[name]:
        assert symbol in labels or symbol in joined, f"{name} lacks {symbol!r}"


def test_lstm_and_gru_gates_each_have_their_own_box():
    """One activation box per gate: 3 sigmoids + 2 tanh (g_t and tanh(c_t)) in the LSTM, 2 + 1 in the GRU."""
    for name, sig, tanh in (
        ("lstm_cell.svg", 3, 2),
        ("gru_cell.svg", 2, 1),
        ("rnn_cell.svg", 0, 1),
    ):
        strokes = [el.get("stroke") for el in _root(name).iter(f"{NS}rect")]
        legend = (
            1 if sig else 0
        )  # the legend shows one sigmoid box where the cell has any
        assert strokes.count(make_diagrams.SIG) == sig + legend, name
        assert strokes.count(make_diagrams.TANH) == tanh + 1, name
        labels = _labels(name)
        assert (
            labels.count("σ") == strokes.count(make_diagrams.SIG)
            and labels.count("tanh") >= tanh + 1
        )


def test_the_gru_uses_torch_convention_for_the_reset_gate():
    """r_t multiplies W_hn h_{t-1} + b_hn (after the product), as in torch.nn.GRU and Chapter 2."""
    joined = "\n".join(_labels("gru_cell.svg"))
    assert "rt ⊙ (Whn ht−1 + bhn)" in joined
    assert "ht = (1 − zt) ⊙ nt + zt ⊙ ht−1" in joined


def test_cell_diagrams_share_one_palette():
    """The same colour means the same thing in all cell diagrams: blue sigmoid, orange tanh, green ⊙ and +."""
    boxes = {}
    for name in ("rnn_cell.svg", "lstm_cell.svg", "gru_cell.svg"):
        root = _root(name)
        for el in root.iter():
            if el.tag == f"{NS}rect" and el.get("stroke") in (
                make_diagrams.SIG,
                make_diagrams.TANH,
            ):
                boxes.setdefault(el.get("stroke"), set()).add(el.get("fill"))
            if el.tag == f"{NS}circle" and el.get("r") != "3.5":
                assert (el.get("stroke"), el.get("fill")) == (
                    make_diagrams.OP,
                    make_diagrams.OP_FILL,
                )
    assert boxes == {
        make_diagrams.SIG: {make_diagrams.SIG_FILL},
        make_diagrams.TANH: {make_diagrams.TANH_FILL},
    }


def test_math_labels_become_subscripts():
    svg = make_diagrams.math(0, 0, "h_{t-1} + x_t", 16)
    el = ET.fromstring(svg.replace("<text", f'<text xmlns="{NS[1:-1]}"', 1))
    assert "".join(el.itertext()) == "ht−1 + xt"
    spans = list(el.iter(f"{NS}tspan"))
    shifts = [float(s.get("dy", 0)) for s in spans]
    assert sum(shifts) == 0  # back on the baseline at the end
    assert any(
        s.get("font-size") == "12.0" for s in spans
    )  # subscripts at 3/4 size


# the PixelRNN context maps are the dependencies of the package's models -----------------


def _measured(model, n, m, r, c):
    from rnntutor.generation import dependency_matrix

    dep = dependency_matrix(model)[r * m + c].reshape(n, m)
    return {(int(i), int(j)) for i, j in zip(*dep.nonzero(), strict=True)}


def test_row_lstm_context_is_what_the_paper_model_sees():
    from rnntutor.generation import RowLSTM

    torch.manual_seed(0)
    n = m = 7
    model = RowLSTM(
        (n, m), hidden=4, num_layers=1, in_kernel=3, head=8, prev_row=False
    )
    for r, c in ((6, 3), (4, 0), (3, 6), (0, 2)):
        assert make_diagrams.row_lstm_context(n, m, r, c) == _measured(
            model, n, m, r, c
        ), (r, c)
    # the drawing's pixel: a triangle, blind to the upper right
    ctx = make_diagrams.row_lstm_context(9, 9, 6, 4)
    assert (
        (5, 4) in ctx
        and (5, 5) not in ctx
        and (0, 8) not in ctx
        and (0, 0) in ctx
        and (6, 3) in ctx
    )


def test_diagonal_context_is_what_the_bilstm_sees():
    """Both scans' feature sets, read through a 3x3 mask-A convolution, give the measured context."""
    from rnntutor.generation import DiagonalBiLSTM

    torch.manual_seed(0)
    n, m = 5, 6
    model = DiagonalBiLSTM((n, m), hidden=4, num_layers=1, in_kernel=3, head=8)
    for r, c in ((4, 2), (2, 0), (3, 5), (1, 3)):
        left, right = make_diagrams.diagonal_context(n, m, r, c)
        pixels = {
            (fr + dr, fc + dc)
            for fr, fc in left | right
            for dr, dc in (
                (-1, -1),
                (-1, 0),
                (-1, 1),
                (0, -1),
            )  # the 3x3 mask A
            if 0 <= fr + dr < n and 0 <= fc + dc < m
        }
        assert pixels == _measured(model, n, m, r, c), (r, c)
    left, right = make_diagrams.diagonal_context(5, 7, 3, 3)
    assert left | right == {
        (i, j) for i in range(5) for j in range(7) if (i, j) <= (3, 3)
    }


def test_check_flag_reports_a_stale_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(make_diagrams, "OUT_DIR", tmp_path)
    assert make_diagrams.main([]) == 0
    assert make_diagrams.main(["--check"]) == 0
    (tmp_path / "rnn_cell.svg").write_text("<svg/>")
    assert make_diagrams.main(["--check"]) == 1
    assert "rnn_cell.svg" in capsys.readouterr().out
