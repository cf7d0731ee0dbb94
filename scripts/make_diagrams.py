"""Write the book's diagrams, book/images/*.svg, as hand-written SVG.

    python scripts/make_diagrams.py          # rewrite all of them
    python scripts/make_diagrams.py --check  # exit 1 if a committed file differs

Every diagram uses the symbols of the chapter it belongs to (x_t, h_t, c_t, the gates
i_t, f_t, g_t, o_t of the LSTM and r_t, z_t, n_t of the GRU, the weight blocks W_i*,
W_h*, b_i*, b_h* of torch.nn) and one colour-blind-safe palette (Okabe and Ito):
blue boxes are sigmoid gates, orange boxes tanh, green circles element-wise operations,
the purple thick line the LSTM's cell state, vermilion the shared weights, gradients
and the pixel being predicted. Each drawing sits on an explicit white rounded rectangle,
so it stays legible on a dark page, uses only generic fonts (sans-serif for words,
serif italics for symbols) and references nothing outside itself. The output is a pure
function of this file: running it twice gives byte-identical files
(tests/test_diagrams.py checks the committed ones against it).

The two PixelRNN context maps (Row LSTM, Diagonal BiLSTM) are computed here from the
models' recurrences (``row_lstm_context``, ``diagonal_context``); the test suite checks
them against the dependencies measured on the package's own models.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "book" / "images"

# Okabe-Ito colours (stroke, light fill)
INK = "#1f2328"
GREY = "#6e7781"
FRAME = "#d0d7de"
CELL_FILL = "#f6f8fa"
SIG, SIG_FILL = "#0072b2", "#d6e9f5"
TANH, TANH_FILL = "#c98500", "#fcebc7"
OP, OP_FILL = "#009e73", "#d3f0e6"
CSTATE = "#cc79a7"
VERM, VERM_FILL = "#d55e00", "#f9d8c3"
SKY, SKY_FILL = "#56b4e9", "#cde8f8"

SANS = "sans-serif"
SERIF = "serif"
UPRIGHT_WORDS = ("tanh", "diag", "softmax", "mean", "max")


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _math_runs(s: str) -> list[tuple[str, int]]:
    """Split a label into (text, level) runs: level 0 normal, -1 subscript, +1 superscript.

    ``h_{t-1}``, ``x_t``, ``c^2``: ``_``/``^`` take a braced group or one character.
    """
    runs: list[tuple[str, int]] = []
    i = 0
    buf = ""
    while i < len(s):
        ch = s[i]
        if ch in "_^":
            if buf:
                runs.append((buf, 0))
                buf = ""
            level = -1 if ch == "_" else 1
            if s[i + 1] == "{":
                j = s.index("}", i)
                runs.append((s[i + 2 : j], level))
                i = j + 1
            else:
                runs.append((s[i + 1], level))
                i += 2
            continue
        buf += ch
        i += 1
    if buf:
        runs.append((buf, 0))
    return runs


def _style_runs(text: str) -> list[tuple[str, bool]]:
    """Split into (chunk, italic): Latin and Greek letters italic, except UPRIGHT_WORDS."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(text):
        word = next((w for w in UPRIGHT_WORDS if text.startswith(w, i)), None)
        if word:
            out.append((word, False))
            i += len(word)
            continue
        ch = text[i]
        italic = ch.isalpha() and ch not in "ℝ∂"
        if (
            out
            and out[-1][1] == italic
            and not any(out[-1][0] == w for w in UPRIGHT_WORDS)
        ):
            out[-1] = (out[-1][0] + ch, italic)
        else:
            out.append((ch, italic))
        i += 1
    return out


def math(x, y, s, size=16, anchor="middle", color=INK, weight="normal"):
    """A label in the book's math style: serif, letters italic, ``_``/``^`` as sub/superscripts.

    Text between backticks is set upright in sans-serif (words inside a formula); ``-``
    becomes a minus sign and runs of spaces are kept (as no-break spaces).
    """
    parts = []
    base = 0.0
    for n, segment in enumerate(s.split("`")):
        if n % 2:
            dy = f' dy="{-base}"' if base else ""
            base = 0.0
            parts.append(
                f'<tspan font-family="{SANS}" font-size="{round(size * 0.85, 1)}"{dy}>{esc(segment)}</tspan>'
            )
            continue
        segment = segment.replace("-", "\u2212").replace("  ", "\u00a0\u00a0")
        piece, base = _math_segment(segment, size, base)
        parts.append(piece)
    if base:
        parts.append(f'<tspan dy="{-base}"></tspan>')
    return (
        f'<text x="{x}" y="{y}" font-family="{SERIF}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{color}" font-weight="{weight}">{"".join(parts)}</text>'
    )


def _math_segment(s: str, size: float, base: float) -> tuple[str, float]:
    """Tspans for a math segment starting at baseline offset ``base``; returns them and the final offset."""
    parts = []
    for chunk, level in _math_runs(s):
        fs = size if level == 0 else round(size * 0.75, 1)
        target = {
            0: 0.0,
            -1: round(size * 0.28, 1),
            1: -round(size * 0.38, 1),
        }[level]
        for k, (piece, italic) in enumerate(_style_runs(chunk)):
            attrs = []
            if k == 0 and target != base:
                attrs.append(f'dy="{round(target - base, 1)}"')
                base = target
            if fs != size:
                attrs.append(f'font-size="{fs}"')
            if italic:
                attrs.append('font-style="italic"')
            parts.append(
                f"<tspan {' '.join(attrs)}>{esc(piece)}</tspan>"
                if attrs
                else esc(piece)
            )
    return "".join(parts), base


def text(
    x, y, s, size=14, anchor="middle", color=INK, weight="normal", style=""
):
    extra = f' font-style="{style}"' if style else ""
    return (
        f'<text x="{x}" y="{y}" font-family="{SANS}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{color}" font-weight="{weight}"{extra}>{esc(s)}</text>'
    )


def rect(x, y, w, h, fill="none", stroke=INK, sw=1.5, rx=0, extra=""):
    r = f' rx="{rx}"' if rx else ""
    return (
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}"{r} fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{sw}"{extra}/>'
    )


def line(x1, y1, x2, y2, color=INK, sw=1.6, arrow=True, dash=""):
    m = f' marker-end="url(#{_marker_id(color)})"' if arrow else ""
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="{sw}"{d}{m}/>'


def path(d, color=INK, sw=1.6, arrow=True, fill="none", dash=""):
    m = f' marker-end="url(#{_marker_id(color)})"' if arrow else ""
    ds = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<path d="{d}" fill="{fill}" stroke="{color}" stroke-width="{sw}"{ds}{m}/>'


def _marker_id(color: str) -> str:
    return "arrow-" + color.lstrip("#")


def op_node(x, y, symbol, r=11):
    """A green circle with ⊙, + or 1−."""
    size = 17 if symbol != "1−" else 12
    dy = 6 if symbol != "1−" else 4
    return (
        f'<circle cx="{x}" cy="{y}" r="{r}" fill="{OP_FILL}" stroke="{OP}" stroke-width="1.6"/>'
        + f'<text x="{x}" y="{y + dy}" font-family="{SERIF}" font-size="{size}" text-anchor="middle" '
        f'fill="{INK}">{symbol}</text>'
    )


def act_box(x, y, kind, w=46, h=30):
    """A sigmoid (blue) or tanh (orange) box centred at (x, y)."""
    stroke, fill = (SIG, SIG_FILL) if kind == "σ" else (TANH, TANH_FILL)
    label = (
        math(x, y + 6, kind, 17) if kind == "σ" else math(x, y + 5, "tanh", 15)
    )
    return rect(x - w / 2, y - h / 2, w, h, fill, stroke, 1.8, rx=6) + label


def svg(width, height, title, desc, body, colors=(INK,)) -> str:
    """The document: white rounded background, arrow markers for the colours used, body."""
    markers = "".join(
        f'<marker id="{_marker_id(c)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
        for c in colors
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="title desc">\n'
        f'<title id="title">{esc(title)}</title>\n<desc id="desc">{esc(desc)}</desc>\n'
        f"<defs>{markers}</defs>\n"
        f'<rect class="background" x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="14" '
        f'fill="#ffffff" stroke="{FRAME}"/>\n'
    )
    return head + "\n".join(body) + "\n</svg>\n"


def legend(x, y, items, size=13, gap=26):
    """A row of (kind, label) legend entries starting at (x, y)."""
    out = []
    for kind, label in items:
        if kind in ("σ", "tanh"):
            out.append(
                act_box(x + 18, y - 5, kind, w=36 if kind == "σ" else 42, h=22)
            )
            x += 44 if kind == "σ" else 48
        elif kind in ("⊙", "+", "1−"):
            out.append(op_node(x + 11, y - 5, kind, r=10))
            x += 28
        elif kind == "cell":
            out.append(line(x, y - 5, x + 30, y - 5, CSTATE, 4, arrow=False))
            x += 38
        if label.startswith("$"):  # a formula
            label = label[1:]
            out.append(math(x, y, label, size + 2, anchor="start"))
        else:
            out.append(text(x, y, label, size, anchor="start"))
        x += gap + 6.6 * len(label)
    return out


# 1. The unrolled RNN ----------------------------------------------------------------


def unrolled_rnn() -> str:
    W, H = 720, 330
    b = []
    cy, bw, bh = 150, 90, 56
    # folded: one cell whose output loops back into it through a one-step delay
    fx = 75
    b.append(
        rect(fx - bw / 2, cy - bh / 2, bw, bh, CELL_FILL, INK, 1.8, rx=10)
    )
    b.append(text(fx, cy + 5, "RNN cell", 14))
    b.append(line(fx, cy + 95, fx, cy + bh / 2 + 2))
    b.append(math(fx, cy + 116, "x_t"))
    b.append(math(fx + 8, cy + 70, "W_{ih}", 15, color=VERM, anchor="start"))
    b.append(line(fx, cy - bh / 2, fx, cy - 92))
    b.append(math(fx, cy - 100, "h_t"))
    right = fx + bw / 2
    b.append(
        path(
            f"M {fx + 20} {cy - bh / 2 - 20} L {right + 8} {cy - bh / 2 - 20} "
            f"C {right + 48} {cy - bh / 2 - 20}, {right + 48} {cy + 12}, {right + 2} {cy + 12}",
            VERM,
            1.8,
        )
    )
    b.append(
        f'<circle cx="{fx}" cy="{cy - bh / 2 - 20}" r="3.5" fill="{INK}"/>'
    )
    b.append(
        line(
            fx,
            cy - bh / 2 - 20,
            fx + 20,
            cy - bh / 2 - 20,
            VERM,
            1.8,
            arrow=False,
        )
    )
    b.append(
        rect(right + 31, cy - 16, 12, 12, INK, INK, 1)
    )  # the one-step delay
    b.append(
        math(right + 46, cy + 30, "W_{hh}", 15, color=VERM, anchor="start")
    )
    b.append(text(right + 48, cy - 4, "delay", 12, color=GREY, anchor="start"))
    b.append(text(230, cy + 10, "=", 34))
    b.append(text(fx, 30, "folded", 15, weight="bold"))
    b.append(text(480, 30, "unrolled over time", 15, weight="bold"))
    # unrolled: t-1, t, t+1
    xs = [330, 480, 630]
    subs = ["t-1", "t", "t+1"]
    b.append(math(268, cy - 12, "h_{t-2}", 15))
    b.append(line(255, cy, xs[0] - bw / 2, cy, VERM))
    for k, (x, s) in enumerate(zip(xs, subs, strict=True)):
        b.append(
            rect(x - bw / 2, cy - bh / 2, bw, bh, CELL_FILL, INK, 1.8, rx=10)
        )
        b.append(text(x, cy + 5, "RNN cell", 14))
        b.append(line(x, cy + 95, x, cy + bh / 2 + 2))
        b.append(math(x, cy + 116, f"x_{{{s}}}"))
        b.append(math(x - 20, cy + 66, "W_{ih}", 14, color=VERM))
        b.append(line(x, cy - bh / 2, x, cy - 92))
        b.append(math(x, cy - 100, f"h_{{{s}}}"))
        if k < 2:
            b.append(line(x + bw / 2, cy, xs[k + 1] - bw / 2, cy, VERM, 1.8))
            b.append(
                math((x + xs[k + 1]) / 2, cy - 10, "W_{hh}", 14, color=VERM)
            )
            b.append(
                math(
                    (x + xs[k + 1]) / 2, cy + 22, f"h_{{{s}}}", 14, color=GREY
                )
            )
    b.append(line(xs[2] + bw / 2, cy, 706, cy, VERM))
    b.append(text(698, cy - 12, "…", 18, anchor="end"))
    b.append(
        math(
            W / 2,
            290,
            "h_t = tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}),    h_0 = 0",
            17,
        )
    )
    b.append(
        math(
            W / 2,
            316,
            "`the same weights` W_{ih}, W_{hh}, b_{ih}, b_{hh} `at every step`",
            15,
            color=GREY,
        )
    )
    return svg(
        W,
        H,
        "An RNN folded and unrolled over time",
        "Left: one RNN cell reads x_t and returns h_t; a loop with a one-step delay feeds h_t back "
        "through W_hh. Right: the same cell drawn once per step t-1, t, t+1; each step reads x_t "
        "through W_ih and the previous state h_{t-1} through W_hh, and passes h_t on. The same "
        "weights W_ih, W_hh, b_ih, b_hh are used at every step: h_t = tanh(W_ih x_t + b_ih + "
        "W_hh h_{t-1} + b_hh), h_0 = 0.",
        b,
        (INK, VERM),
    )


# 2. The cells, gate by gate ---------------------------------------------------------

CELL_LEGEND = [
    ("σ", "sigmoid gate"),
    ("tanh", "tanh"),
    ("⊙", "element-wise product"),
    ("+", "sum"),
]


def rnn_cell() -> str:
    W, H = 720, 320
    b = []
    b.append(rect(130, 50, 440, 150, CELL_FILL, GREY, 1.2, rx=14))
    b.append(text(150, 72, "vanilla RNN cell", 13, color=GREY, anchor="start"))
    # h_{t-1} from the left, x_t from below, into the affine box
    b.append(math(52, 157, "h_{t-1}"))
    b.append(line(78, 152, 208, 152))
    b.append(math(250, 250, "x_t"))
    b.append(line(250, 232, 250, 175))
    b.append(rect(208, 128, 190, 46, "#ffffff", INK, 1.5, rx=6))
    b.append(math(303, 147, "W_{ih} x_t + b_{ih}", 15))
    b.append(math(303, 166, "+ W_{hh} h_{t-1} + b_{hh}", 15))
    b.append(line(398, 152, 448, 152))
    b.append(math(423, 142, "a_t", 15))
    b.append(act_box(472, 152, "tanh"))
    b.append(line(495, 152, 640, 152))
    b.append(math(665, 157, "h_t"))
    b.append(line(530, 152, 530, 28, INK))
    b.append(math(540, 36, "h_t", 15, anchor="start"))
    b.append(
        text(562, 36, "output (read-out)", 12, color=GREY, anchor="start")
    )
    b.append(text(612, 174, "to step t + 1", 12, color=GREY))
    b.append(
        math(
            360,
            282,
            "a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh},    h_t = tanh(a_t)",
            16,
        )
    )
    b += legend(150, 310, [("tanh", "tanh, values in (−1, 1)")], size=12)
    return svg(
        W,
        H,
        "The vanilla RNN cell",
        "The previous state h_{t-1} and the input x_t enter one affine map, a_t = W_ih x_t + b_ih "
        "+ W_hh h_{t-1} + b_hh, followed by tanh; the result h_t goes on to the next step and to "
        "any read-out.",
        b,
    )


def lstm_cell() -> str:
    W, H = 720, 440
    b = []
    top, bus = (
        90,
        300,
    )  # y of the cell-state line and of the [h_{t-1}, x_t] bus
    b.append(rect(110, 45, 500, 285, CELL_FILL, GREY, 1.2, rx=14))
    b.append(text(125, 66, "LSTM cell", 13, color=GREY, anchor="start"))
    # cell state path
    b.append(math(50, top + 5, "c_{t-1}"))
    b.append(line(74, top, 239, top, CSTATE, 4, arrow=False))
    b.append(op_node(250, top, "⊙"))
    b.append(line(261, top, 379, top, CSTATE, 4, arrow=False))
    b.append(op_node(390, top, "+"))
    b.append(line(401, top, 650, top, CSTATE, 4, arrow=False))
    b.append(
        path(
            f"M 640 {top - 7} L 652 {top} L 640 {top + 7} z",
            CSTATE,
            1,
            arrow=False,
            fill=CSTATE,
        )
    )
    b.append(math(678, top + 5, "c_t"))
    # h_{t-1} and x_t onto the bus
    b.append(math(50, bus + 5, "h_{t-1}"))
    b.append(line(76, bus, 480, bus, INK, 1.6, arrow=False))
    b.append(math(160, 366, "x_t"))
    b.append(line(160, 350, 160, bus, INK, 1.6, arrow=False))
    b.append(f'<circle cx="160" cy="{bus}" r="3.5" fill="{INK}"/>')
    b.append(
        math(172, bus + 20, "[h_{t-1}, x_t]", 13, color=GREY, anchor="start")
    )
    # four gates read the bus
    gates = [
        (250, "σ", "f_t"),
        (330, "σ", "i_t"),
        (400, "tanh", "g_t"),
        (480, "σ", "o_t"),
    ]
    gy = 235
    for x, kind, name in gates:
        b.append(line(x, bus, x, gy + 16))
        b.append(act_box(x, gy, kind))
        color = SIG if kind == "σ" else TANH
        if (
            name == "o_t"
        ):  # left of its line, which turns right towards the product
            b.append(math(x - 8, gy - 24, name, 16, anchor="end", color=color))
        else:
            b.append(
                math(x + 26, gy - 24, name, 16, anchor="start", color=color)
            )
    # f_t -> forget
    b.append(line(250, gy - 15, 250, top + 12))
    # i_t, g_t -> product -> +
    b.append(op_node(390, 165, "⊙"))
    b.append(path(f"M 330 {gy - 15} L 330 165 L 378 165"))
    b.append(line(400, gy - 15, 400, 177))
    b.append(line(390, 154, 390, top + 12))
    b.append(math(398, 140, "i_t ⊙ g_t", 14, anchor="start", color=GREY))
    # tanh(c_t) and the output gate
    b.append(path(f"M 540 {top} L 540 134"))
    b.append(act_box(540, 150, "tanh"))
    b.append(line(540, 165, 540, 208))
    b.append(op_node(540, 220, "⊙"))
    b.append(path(f"M 480 {gy - 15} L 480 220 L 528 220"))
    b.append(path(f"M 551 220 L 585 220 L 585 {bus} L 650 {bus}"))
    b.append(math(678, bus + 5, "h_t"))
    b.append(line(585, 220, 585, 26, INK))
    b.append(math(594, 30, "h_t", 15, anchor="start"))
    b.append(text(618, 30, "output", 12, color=GREY, anchor="start"))
    b.append(math(250, 30, "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t", 15))
    b.append(math(455, 30, "h_t = o_t ⊙ tanh(c_t)", 15))
    b.append(
        math(
            360,
            392,
            "`each box:` W_{i∗} x_t + b_{i∗} + W_{h∗} h_{t-1} + b_{h∗}, ∗ = i, f, g, o "
            "`(own weights), then` σ `or` tanh",
            14,
        )
    )
    b += legend(
        70, 426, CELL_LEGEND + [("cell", "cell state")], size=12, gap=14
    )
    return svg(
        W,
        H,
        "The LSTM cell, gate by gate",
        "The cell state c_{t-1} runs along the top (thick purple line): it is multiplied element-wise "
        "by the forget gate f_t, then i_t ⊙ g_t is added, giving c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t. "
        "The previous output h_{t-1} and the input x_t feed four boxes, each with its own weights "
        "W_i*, W_h*, b_i*, b_h*: the sigmoid gates f_t (forget), i_t (input) and o_t (output) and "
        "the tanh candidate g_t. The output is h_t = o_t ⊙ tanh(c_t); it goes to the next step "
        "and to the read-out.",
        b,
        (INK, CSTATE),
    )


def gru_cell() -> str:
    W, H = 720, 470
    b = []
    top, bus = 90, 330
    b.append(rect(110, 45, 520, 305, CELL_FILL, GREY, 1.2, rx=14))
    b.append(text(125, 66, "GRU cell", 13, color=GREY, anchor="start"))
    # state line on top: h_{t-1} -> z ⊙ h_{t-1} -> + -> h_t
    b.append(math(50, top + 5, "h_{t-1}"))
    b.append(line(76, top, 429, top, INK, 1.8, arrow=False))
    b.append(op_node(440, top, "⊙"))
    b.append(line(451, top, 558, top, INK, 1.8))
    b.append(op_node(570, top, "+"))
    b.append(line(581, top, 655, top, INK, 1.8))
    b.append(math(682, top + 5, "h_t"))
    b.append(line(612, top, 612, 24, INK))
    b.append(text(622, 32, "output", 12, color=GREY, anchor="start"))
    b.append(math(440, 70, "z_t ⊙ h_{t-1}", 14, color=GREY))
    # h_{t-1} drops to the bus, x_t joins it
    b.append(f'<circle cx="135" cy="{top}" r="3.5" fill="{INK}"/>')
    b.append(line(135, top, 135, bus, INK, 1.6, arrow=False))
    b.append(line(135, bus, 440, bus, INK, 1.6, arrow=False))
    b.append(math(165, 398, "x_t"))
    b.append(line(165, 382, 165, bus, INK, 1.6, arrow=False))
    b.append(f'<circle cx="165" cy="{bus}" r="3.5" fill="{INK}"/>')
    b.append(
        math(200, bus + 18, "[h_{t-1}, x_t]", 13, color=GREY, anchor="start")
    )
    # update gate z_t: to z ⊙ h_{t-1} and, through 1 -, to (1 - z) ⊙ n
    gy = 270
    b.append(line(190, bus, 190, gy + 16))
    b.append(act_box(190, gy, "σ"))
    b.append(math(180, 180, "z_t", 16, anchor="end", color=SIG))
    b.append(path(f"M 190 {gy - 15} L 190 130 L 440 130 L 440 {top + 12}"))
    b.append(f'<circle cx="440" cy="130" r="3.5" fill="{INK}"/>')
    b.append(line(440, 130, 488, 130))
    b.append(op_node(500, 130, "1−"))
    b.append(line(511, 130, 558, 130))
    b.append(op_node(570, 130, "⊙"))
    b.append(line(570, 119, 570, top + 12))
    b.append(math(584, 160, "(1 − z_t) ⊙ n_t", 13, color=GREY, anchor="start"))
    # reset gate r_t scales W_hn h_{t-1} + b_hn
    b.append(line(250, bus, 250, gy + 16))
    b.append(act_box(250, gy, "σ"))
    b.append(path(f"M 250 {gy - 15} L 250 200 L 308 200"))
    b.append(math(242, 225, "r_t", 16, anchor="end", color=SIG))
    b.append(rect(265, 247, 110, 30, "#ffffff", INK, 1.4, rx=5))
    b.append(math(320, 267, "W_{hn} h_{t-1} + b_{hn}", 14))
    b.append(line(320, bus, 320, 278))
    b.append(line(320, 247, 320, 212))
    b.append(op_node(320, 200, "⊙"))
    b.append(line(331, 200, 428, 200))
    b.append(op_node(440, 200, "+"))
    b.append(rect(395, 247, 90, 30, "#ffffff", INK, 1.4, rx=5))
    b.append(math(440, 267, "W_{in} x_t + b_{in}", 14))
    b.append(line(440, bus, 440, 278))
    b.append(line(440, 247, 440, 212))
    # candidate n_t
    b.append(line(451, 200, 546, 200))
    b.append(act_box(570, 200, "tanh"))
    b.append(line(570, 185, 570, 142))
    b.append(math(580, 236, "n_t", 16, anchor="start", color=TANH))
    b.append(
        math(
            360,
            395,
            "n_t = tanh(W_{in} x_t + b_{in} + r_t ⊙ (W_{hn} h_{t-1} + b_{hn})),",
            15,
        )
    )
    b.append(math(360, 417, "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}", 15))
    b.append(
        math(
            360,
            30,
            "r_t, z_t`:` W_{i∗} x_t + b_{i∗} + W_{h∗} h_{t-1} + b_{h∗}`, then` σ",
            14,
        )
    )
    b += legend(90, 455, CELL_LEGEND + [("1−", "$1 − z_t")], size=12, gap=14)
    return svg(
        W,
        H,
        "The GRU cell, gate by gate",
        "The state h_{t-1} runs along the top. The reset gate r_t and the update gate z_t are "
        "sigmoids of x_t and h_{t-1} with their own weights. The candidate n_t = tanh(W_in x_t + "
        "b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)): the reset gate scales the hidden part after the "
        "matrix product, as in torch.nn.GRU. The new state mixes old and new, h_t = (1 - z_t) ⊙ "
        "n_t + z_t ⊙ h_{t-1}; h_t goes to the next step and to the read-out.",
        b,
    )


# 3. An image read as a sequence -----------------------------------------------------

# a hand-drawn 3 on a 28 x 28 grid, as ink strokes
THREE = "M 8 7 C 12 3, 20 4, 20 9 C 20 13, 15 14, 12 14 C 17 14, 21 16, 21 20 C 21 25, 12 26, 7 22"


def _digit(x0, y0, size, highlight_row=None, pixel_path=False):
    s = size / 28
    out = [rect(x0, y0, size, size, "#ffffff", GREY, 1.2)]
    grid = " ".join(
        f"M {x0} {round(y0 + k * s, 2)} h {size} M {round(x0 + k * s, 2)} {y0} v {size}"
        for k in range(1, 28)
    )
    out.append(f'<path d="{grid}" stroke="#e4e8ec" stroke-width="0.6"/>')
    out.append(
        f'<path d="{THREE}" transform="translate({x0} {y0}) scale({round(s, 4)})" fill="none" '
        f'stroke="{INK}" stroke-width="2.6" stroke-linecap="round"/>'
    )
    if highlight_row is not None:
        out.append(
            rect(
                x0,
                y0 + highlight_row * s,
                size,
                s,
                SKY_FILL,
                VERM,
                1.6,
                extra=' fill-opacity="0.5"',
            )
        )
    if pixel_path:
        for r in range(
            3
        ):  # the first rows of the raster scan, left to right, then back
            y = round(y0 + (r + 0.5) * s, 2)
            out.append(
                line(
                    round(x0 + 0.5 * s, 2),
                    y,
                    round(x0 + 27.5 * s, 2),
                    y,
                    VERM,
                    1.3,
                )
            )
            if r < 2:
                out.append(
                    line(
                        round(x0 + 27.5 * s, 2),
                        y,
                        round(x0 + 0.5 * s, 2),
                        round(y + s, 2),
                        VERM,
                        0.8,
                        False,
                        "3 2",
                    )
                )
        out.append(rect(x0, y0, s, s, VERM, VERM, 1))
    return out


def _chain(y, x_labels, h_labels, xs, input_w, input_h):
    out = []
    bw, bh = 54, 36
    out.append(math(xs[0] - 62, y + 5, "h_0 = 0", 15))
    out.append(line(xs[0] - 42 + 6, y, xs[0] - bw / 2, y))
    for k, x in enumerate(xs):
        if x is None:
            continue
        out.append(
            rect(x - bw / 2, y - bh / 2, bw, bh, CELL_FILL, INK, 1.5, rx=8)
        )
        out.append(text(x, y + 5, "cell", 13))
        # input: a strip of values under the cell
        iy = y + 48
        out.append(
            rect(x - input_w / 2, iy, input_w, input_h, SKY_FILL, VERM, 1.2)
        )
        out.append(line(x, iy, x, y + bh / 2 + 1))
        out.append(math(x, iy + input_h + 18, x_labels[k], 15))
        nxt = next(
            (xs[j] for j in range(k + 1, len(xs)) if xs[j] is not None), None
        )
        if nxt is not None:
            gap_end = nxt - bw / 2
            if xs[k + 1] is None:
                out.append(
                    line(
                        x + bw / 2,
                        y,
                        x + bw / 2 + 22,
                        y,
                        INK,
                        1.6,
                        arrow=False,
                    )
                )
                out.append(text((x + nxt) / 2, y + 5, "…", 18))
                out.append(line(nxt - bw / 2 - 22, y, gap_end, y))
            else:
                out.append(line(x + bw / 2, y, gap_end, y))
                out.append(math((x + nxt) / 2, y - 8, h_labels[k], 14))
    last = xs[-1]
    out.append(line(last + bw / 2, y, last + bw / 2 + 30, y))
    out.append(
        math(last + bw / 2 + 34, y + 5, h_labels[-1], 15, anchor="start")
    )
    return out


def image_as_sequence() -> str:
    W, H = 720, 490
    xs = [255, 340, 425, None, 580]
    b = [
        math(
            20,
            34,
            "`row by row:`  T = 28 `steps of 28 values`",
            17,
            anchor="start",
            weight="bold",
        )
    ]
    b += _digit(30, 60, 140, highlight_row=10)
    b.append(math(100, 222, "`28 × 28 image; row` t `is` x_t", 15))
    b += _chain(
        115,
        ["x_1", "x_2", "x_3", "", "x_{28}"],
        ["h_1", "h_2", "", "", "h_{28}"],
        xs,
        44,
        10,
    )
    b.append(
        text(
            430,
            66,
            "each step reads one row: a vector of 28 values",
            13,
            color=GREY,
        )
    )
    y2 = 270
    b.append(
        math(
            20,
            y2 + 4,
            "`pixel by pixel:`  T = 784 `steps of 1 value`",
            17,
            anchor="start",
            weight="bold",
        )
    )
    b += _digit(30, y2 + 30, 140, pixel_path=True)
    b.append(text(100, y2 + 192, "raster order, row after row", 13))
    b += _chain(
        y2 + 85,
        ["x_1", "x_2", "x_3", "", "x_{784}"],
        ["h_1", "h_2", "", "", "h_{784}"],
        xs,
        10,
        10,
    )
    b.append(
        text(
            430, y2 + 36, "each step reads one pixel: 1 value", 13, color=GREY
        )
    )
    b.append(
        math(
            360,
            H - 14,
            "`the same cell and weights at every step;` h_t `carries what was read so far`",
            15,
            color=GREY,
        )
    )
    return svg(
        W,
        H,
        "A 28 × 28 image read as a sequence, row by row and pixel by pixel",
        "Top: the image is read row by row, T = 28 steps; step t reads row t, a vector x_t of 28 "
        "values, and the cell updates h_{t-1} to h_t, from h_0 = 0 to h_28. Bottom: the same image "
        "read pixel by pixel in raster order, T = 784 steps of one value each, from x_1 to x_784; "
        "the hidden state is passed along all 784 steps.",
        b,
        (INK, VERM),
    )


# 4. PixelRNN geometry -----------------------------------------------------------------


def row_lstm_context(
    n: int, m: int, r: int, c: int, k_ss: int = 3, k_is: int = 3
) -> set[tuple[int, int]]:
    """Pixels that the paper's one-layer Row LSTM may use to predict pixel ``(r, c)``.

    The state at ``(r', c')`` reads the input row ``r'`` through the masked (mask A)
    kernel, columns ``c' - k_is // 2 .. c' - 1``, and the states of row ``r' - 1``,
    columns ``c' - k_ss // 2 .. c' + k_ss // 2``.
    """
    states = {(r, c)}
    frontier = {(r, c)}
    while frontier:
        new = set()
        for rr, cc in frontier:
            for dc in range(-(k_ss // 2), k_ss // 2 + 1):
                p = (rr - 1, cc + dc)
                if p[0] >= 0 and 0 <= p[1] < m and p not in states:
                    new.add(p)
        states |= new
        frontier = new
    return {
        (rr, cc + dc)
        for rr, cc in states
        for dc in range(-(k_is // 2), 0)
        if 0 <= cc + dc < m
    }


def diagonal_context(n: int, m: int, r: int, c: int) -> tuple[set, set]:
    """States (upper-left rectangle) of the left-to-right scan, and of the right-to-left scan shifted down one row."""
    left = {(rr, cc) for rr in range(r + 1) for cc in range(c + 1)}
    right = {(rr, cc) for rr in range(r) for cc in range(c, m)}
    return left, right


def _grid(x0, y0, n, m, s, fills=None, labels=None, stroke=GREY, size=12):
    fills = fills or {}
    out = []
    for rr in range(n):
        for cc in range(m):
            f = fills.get((rr, cc), "#ffffff")
            out.append(rect(x0 + cc * s, y0 + rr * s, s, s, f, stroke, 0.8))
            if labels and (rr, cc) in labels:
                out.append(
                    text(
                        x0 + cc * s + s / 2,
                        y0 + rr * s + s / 2 + 4,
                        labels[(rr, cc)],
                        size,
                    )
                )
    return out


def row_lstm_geometry() -> str:
    W, H = 720, 410
    b = [text(185, 30, "one step: row r from row r − 1", 15, weight="bold")]
    s, x0, c = 34, 30, 4
    yh, yn, yx = 80, 180, 280  # rows h_{r-1}, h_r, x_r
    b.append(
        math(
            x0, yh - 10, "h_{r-1}  `(states of row r − 1)`", 15, anchor="start"
        )
    )
    b += _grid(
        x0, yh, 1, 9, s, {(0, cc): SKY_FILL for cc in (c - 1, c, c + 1)}
    )
    b.append(math(x0, yn - 10, "h_r, c_r  `(row r, new)`", 15, anchor="start"))
    b += _grid(x0, yn, 1, 9, s, {(0, c): VERM_FILL})
    b.append(math(x0, yx + s + 20, "x_r  `(image row r)`", 15, anchor="start"))
    b += _grid(x0, yx, 1, 9, s, {(0, c - 1): OP_FILL, (0, c): "#eef1f4"})
    for label, cc in (("c − 1", c - 1), ("c", c), ("c + 1", c + 1)):
        b.append(text(x0 + cc * s + s / 2, yh + 22, label, 12))
    tx = x0 + c * s + s / 2
    for cc in (c - 1, c, c + 1):
        b.append(
            line(
                x0 + cc * s + s / 2, yh + s, tx + (cc - c) * 8, yn - 2, SKY, 2
            )
        )
    b.append(line(x0 + (c - 1) * s + s / 2, yx, tx - 8, yn + s + 2, OP, 2))
    b.append(
        math(
            x0 + (c + 2) * s + 6,
            yh + s + 38,
            "K^{ss}`: width` k = 3`, reads` h_{r-1}",
            15,
            anchor="start",
            color=SIG,
        )
    )
    b.append(
        math(
            x0 + (c + 1) * s + 12,
            yn + s + 38,
            "K^{is}`: mask A, columns < c`",
            15,
            anchor="start",
            color=OP,
        )
    )
    b.append(
        math(185, 370, "[i; f; g; o]_r = K^{is} ⊛ x_r + K^{ss} ⊛ h_{r-1}", 16)
    )
    b.append(
        math(
            185,
            394,
            "`all columns of row r in one step:` T = n `steps`",
            15,
            color=GREY,
        )
    )
    # right: the context of one pixel
    n = m = 9
    r0, c0 = 6, 4
    fills = {p: SKY_FILL for p in row_lstm_context(n, m, r0, c0)}
    fills[(r0, c0)] = VERM
    gx, gy, gs = 420, 62, 28
    b.append(
        text(
            gx + m * gs / 2,
            30,
            "context of pixel (r, c): a triangle",
            15,
            weight="bold",
        )
    )
    b += _grid(gx, gy, n, m, gs, fills)
    b.append(
        text(
            gx + m * gs / 2,
            gy + n * gs + 24,
            "blue: pixels the prediction can see",
            13,
        )
    )
    b.append(
        text(
            gx + m * gs / 2,
            gy + n * gs + 42,
            "(one layer, k = 3); blind to the upper right",
            13,
        )
    )
    b.append(
        text(
            gx + m * gs / 2,
            gy + n * gs + 60,
            "vermilion: the pixel being predicted",
            13,
            color=GREY,
        )
    )
    return svg(
        W,
        H,
        "The Row LSTM's step and context",
        "Left: one step of the Row LSTM computes a whole row r of states. Column c reads the "
        "states of row r-1 at columns c-1, c, c+1 through the state-to-state kernel K^ss of width "
        "k = 3, and the image row r left of column c through the masked input-to-state kernel "
        "K^is (mask A). Right: on a 9 × 9 image, the pixels a one-layer Row LSTM can see when it "
        "predicts pixel (6, 4): a triangle above the pixel that widens by one column on each side "
        "per row, shifted one column left by mask A, and blind to the upper right.",
        b,
        (INK, SKY, OP),
    )


def diagonal_bilstm_geometry() -> str:
    W, H = 720, 500
    n, m = 4, 5
    s = 30
    b = []
    labels = {(r, c): f"{r}{c}" for r in range(n) for c in range(m)}
    # (a) the image, one diagonal marked
    x0, y0 = 30, 76
    b.append(math(x0 + m * s / 2, 34, "`image,` n × m", 15, weight="bold"))
    b.append(
        text(x0 + m * s / 2, 54, "cells labelled row, column", 12, color=GREY)
    )
    b += _grid(
        x0,
        y0,
        n,
        m,
        s,
        {(r, c): SKY_FILL for r in range(n) for c in range(m) if r + c == 4},
        labels,
    )
    b.append(
        math(
            x0 + m * s / 2,
            y0 + n * s + 22,
            "`diagonal` r + c = 4",
            15,
            color=SIG,
        )
    )
    b.append(line(190, y0 + 60, 238, y0 + 60))
    b.append(text(214, y0 + 48, "skew", 13, weight="bold"))
    # (b) the skewed map: row r shifted right by r
    sx, sy, width = 250, y0, n + m - 1
    fills = {(r, j): "#eef1f4" for r in range(n) for j in range(width)}
    fills.update(
        {
            (r, r + c): (SKY_FILL if r + c == 4 else "#ffffff")
            for r in range(n)
            for c in range(m)
        }
    )
    sk_labels = {
        (r, r + c): labels[(r, c)] for r in range(n) for c in range(m)
    }
    b.append(
        text(
            sx + width * s / 2,
            34,
            "skewed map: row r shifted r to the right",
            15,
            weight="bold",
        )
    )
    b.append(
        math(
            sx + width * s / 2,
            54,
            "`column` j `holds the diagonal` r + c = j",
            14,
            color=GREY,
        )
    )
    b += _grid(sx, sy, n, width, s, fills, sk_labels)
    j, r = 4, 2
    b.append(rect(sx + j * s, sy, s, n * s, "none", VERM, 2.4))
    b.append(
        rect(
            sx + (j - 1) * s,
            sy,
            s,
            n * s,
            "none",
            INK,
            1.2,
            extra=' stroke-dasharray="4 3"',
        )
    )
    # the 2 x 1 state-to-state kernel: (r, j) reads (r - 1, j - 1) and (r, j - 1)
    b.append(
        line(
            sx + j * s - 3,
            sy + (r - 1) * s + s - 6,
            sx + j * s + 5,
            sy + r * s + 6,
            VERM,
            2,
        )
    )
    b.append(
        line(
            sx + j * s - 4,
            sy + r * s + s - 5,
            sx + j * s + 6,
            sy + r * s + s - 5,
            VERM,
            2,
        )
    )
    b.append(
        math(
            sx + j * s + s / 2, sy + n * s + 22, "`step` j = 4", 15, color=VERM
        )
    )
    b.append(line(sx + width * s + 8, y0 + 60, sx + width * s + 48, y0 + 60))
    b.append(text(sx + width * s + 28, y0 + 48, "unskew", 13, weight="bold"))
    b.append(math(sx + width * s + 28, y0 + 84, "`back to`", 13, color=GREY))
    b.append(math(sx + width * s + 28, y0 + 100, "n × m", 14, color=GREY))
    b.append(
        math(
            W / 2,
            238,
            "`one LSTM step per column of the skewed map, left to right; the state in column` j",
            15,
        )
    )
    b.append(
        math(
            W / 2,
            258,
            "`reads rows` r − 1 `and` r `of column` j − 1 `(kernel` K^{ss}`, 2 × 1): a whole diagonal per step`",
            15,
        )
    )
    b.append(
        math(
            W / 2,
            284,
            "`skew:` s[r, r + c] = u[r, c]        `unskew:` u[r, c] = s[r, r + c]",
            15,
        )
    )
    # bottom: the context of a pixel, both directions
    b.append(line(20, 302, W - 20, 302, FRAME, 1, arrow=False))
    nn, mm, r0, c0 = 5, 7, 3, 3
    left, right = diagonal_context(nn, mm, r0, c0)
    gs, gy = 20, 346
    panels = [
        (
            30,
            "left to right",
            {p: SKY_FILL for p in left},
            "upper-left rectangle",
        ),
        (
            260,
            "right to left, shifted down",
            {p: OP_FILL for p in right},
            "upper right, rows above r",
        ),
        (
            490,
            "sum: the whole past",
            {**{p: SKY_FILL for p in left}, **{p: OP_FILL for p in right}},
            "every earlier position",
        ),
    ]
    for px, title, fills, note in panels:
        fills = dict(fills)
        fills[(r0, c0)] = VERM
        b.append(text(px + mm * gs / 2 + 30, 328, title, 14, weight="bold"))
        b += _grid(px + 30, gy, nn, mm, gs, fills)
        b.append(text(px + mm * gs / 2 + 30, gy + nn * gs + 20, note, 13))
    b.append(
        math(
            W / 2,
            488,
            "`features that reach the output at` (r, c) `(vermilion), which itself reads only earlier pixels (mask A)`",
            14,
            color=GREY,
        )
    )
    return svg(
        W,
        H,
        "The Diagonal BiLSTM: skew, one step per diagonal, unskew",
        "Top: a 4 × 5 image is skewed by shifting row r right by r places, s[r, r + c] = u[r, c], so "
        "column j of the skewed map holds the diagonal r + c = j. The LSTM runs over the columns "
        "left to right; the state in column j reads rows r-1 and r of column j-1 (a 2 × 1 kernel), "
        "so a whole diagonal is computed in one step; unskew maps the result back to n × m. "
        "Bottom: for a pixel (r, c), the left-to-right scan covers the upper-left rectangle, the "
        "right-to-left scan, shifted down one row, covers the upper right above row r; together "
        "they cover every earlier position.",
        b,
        (INK, VERM),
    )


# 5. Vanishing and exploding gradients ------------------------------------------------


def vanishing_gradient() -> str:
    W, H = 720, 385
    b = []
    y, bw, bh = 120, 70, 40
    xs = [90, 220, 350, 480, 610]
    names = ["h_t", "h_{t+1}", "h_{t+2}", "⋯", "h_T"]
    for x, nm in zip(xs, names, strict=True):
        if nm == "⋯":
            b.append(text(x, y + 6, "…", 22))
            continue
        b.append(
            rect(x - bw / 2, y - bh / 2, bw, bh, CELL_FILL, INK, 1.5, rx=8)
        )
        b.append(math(x, y + 6, nm, 16))
        b.append(line(x, y + 70, x, y + bh / 2 + 1, GREY, 1.3))
        b.append(math(x, y + 88, nm.replace("h", "x"), 15, color=GREY))
    for k in range(4):
        x1, x2 = xs[k], xs[k + 1]
        b.append(
            line(x1 + bw / 2 + 2, y - 8, x2 - bw / 2 - 2, y - 8, GREY, 1.3)
        )
        b.append(
            line(x2 - bw / 2 - 2, y + 10, x1 + bw / 2 + 2, y + 10, VERM, 2.2)
        )
    b.append(text(155, y - 16, "forward", 12, color=GREY))
    for k, lab in enumerate(["J_{t+1}", "J_{t+2}", "", "J_T"]):
        if lab:
            b.append(
                math((xs[k] + xs[k + 1]) / 2, y + 32, lab, 14, color=VERM)
            )
    # loss
    b.append(line(xs[-1], y - bh / 2, xs[-1], y - 44, INK, 1.5))
    b.append(rect(xs[-1] - 22, y - 72, 44, 28, VERM_FILL, VERM, 1.4, rx=6))
    b.append(math(xs[-1], y - 52, "ℓ_T", 16))
    b.append(text(xs[-1] + 30, y - 53, "loss", 12, color=GREY, anchor="start"))
    b.append(text(155, y + 52, "backward", 12, color=VERM))
    b.append(
        math(
            W / 2,
            30,
            "∂h_T / ∂h_t = J_T J_{T-1} ⋯ J_{t+1},    J_k = ∂h_k / ∂h_{k-1} = diag(1 − h_k^2) W_{hh}",
            16,
        )
    )
    # bars: gradient norm reaching each h
    base = 322
    b.append(
        text(
            20,
            250,
            "size of the gradient that reaches each state",
            13,
            anchor="start",
            weight="bold",
        )
    )
    shrink = [0.06, 0.14, 0.32, None, 1.0]
    grow = [1.0, 0.5, 0.25, None, 0.09]
    for k, x in enumerate(xs):
        if shrink[k] is None:
            continue
        h1 = round(56 * shrink[k], 1)
        h2 = round(56 * grow[k], 1)
        b.append(rect(x - 24, base - h1, 20, h1, SKY_FILL, SIG, 1.2))
        b.append(rect(x + 4, base - h2, 20, h2, VERM_FILL, VERM, 1.2))
    b.append(line(40, base, 660, base, INK, 1, arrow=False))
    b.append(rect(60, 341, 14, 12, SKY_FILL, SIG, 1.2))
    b.append(
        math(
            80,
            352,
            "σ_{max} < 1`: vanishes, at most` (γ σ_{max})^{T-t}",
            15,
            anchor="start",
        )
    )
    b.append(rect(400, 341, 14, 12, VERM_FILL, VERM, 1.2))
    b.append(math(420, 352, "σ_{max} > 1`: may explode`", 15, anchor="start"))
    b.append(
        math(
            W / 2,
            376,
            "σ_{max}`: largest singular value of` W_{hh}`;` γ = 1 `bounds` 1 − h_k^2",
            14,
            color=GREY,
        )
    )
    return svg(
        W,
        H,
        "Vanishing and exploding gradients in an unrolled RNN",
        "The states h_t, h_{t+1}, ..., h_T of an unrolled RNN; the loss ℓ_T sits at the last step. "
        "Backpropagation sends the gradient back from h_T to h_t through one Jacobian per step, "
        "∂h_T/∂h_t = J_T J_{T-1} ... J_{t+1} with J_k = diag(1 - h_k^2) W_hh. Bars show the size of "
        "the gradient reaching each state: when the largest singular value of W_hh is below 1 it "
        "shrinks at least like (γ σ_max)^{T-t} going back in time; above 1 it may grow.",
        b,
        (INK, GREY, VERM),
    )


# 6. Many-to-one versus many-to-many ---------------------------------------------------


def sequence_classification() -> str:
    W, H = 720, 330
    b = []
    bw, bh = 50, 34
    y = 190
    panels = [
        (20, "many-to-one: classify", True),
        (380, "many-to-many: label every step", False),
    ]
    for x0, title, one in panels:
        b.append(text(x0 + 160, 30, title, 15, weight="bold"))
        xs = [x0 + 55, x0 + 125, x0 + 195, x0 + 295]
        subs = ["1", "2", "3", "T"]
        b.append(line(x0 + 8, y, xs[0] - bw / 2, y))
        b.append(math(x0 + 4, y - 8, "h_0", 14, anchor="start"))
        for k, (x, t) in enumerate(zip(xs, subs, strict=True)):
            b.append(
                rect(x - bw / 2, y - bh / 2, bw, bh, CELL_FILL, INK, 1.5, rx=8)
            )
            b.append(math(x, y + 6, f"h_{t}", 15))
            b.append(line(x, y + 62, x, y + bh / 2 + 1))
            b.append(math(x, y + 80, f"x_{t}", 15))
            if k < 3:
                end = xs[k + 1] - bw / 2
                if k == 2:
                    b.append(
                        line(
                            x + bw / 2,
                            y,
                            x + bw / 2 + 14,
                            y,
                            INK,
                            1.6,
                            arrow=False,
                        )
                    )
                    b.append(text((x + xs[k + 1]) / 2, y + 5, "…", 16))
                    b.append(line(end - 14, y, end, y))
                else:
                    b.append(line(x + bw / 2, y, end, y))
            if not one:
                b.append(line(x, y - bh / 2, x, y - 60, VERM))
                b.append(
                    rect(x - 26, y - 92, 52, 30, VERM_FILL, VERM, 1.4, rx=6)
                )
                b.append(math(x, y - 72, f"y_{t}", 15))
        if one:
            x = xs[-1]
            b.append(line(x, y - bh / 2, x, y - 60, VERM))
            b.append(rect(x - 26, y - 92, 52, 30, VERM_FILL, VERM, 1.4, rx=6))
            b.append(math(x, y - 72, "y", 15))
            b.append(
                math(x0 + 160, 62, "p(y | x_{1:T}) = softmax(W_y s + b_y)", 14)
            )
            b.append(
                math(x0 + 160, 82, "s = h_T  `(or the mean of all` h_t`)`", 14)
            )
            b.append(
                text(x0 + 120, y - 60, "only the last state", 12, color=GREY)
            )
            b.append(text(x0 + 120, y - 45, "is read out", 12, color=GREY))
            b.append(
                math(
                    x0 + 160,
                    318,
                    "x_t`: row` t `of the image; one label per image`",
                    14,
                    color=GREY,
                )
            )
        else:
            b.append(
                math(
                    x0 + 160,
                    62,
                    "p(y_t | x_{1:t}) = softmax(W_y h_t + b_y)",
                    14,
                )
            )
            b.append(
                math(
                    x0 + 160,
                    82,
                    "`the same` W_y, b_y `at every step`",
                    14,
                    color=GREY,
                )
            )
            b.append(
                math(
                    x0 + 160,
                    318,
                    "x_t`: column` t `of the canvas; one label per column`",
                    14,
                    color=GREY,
                )
            )
    b.append(line(W / 2, 20, W / 2, 310, FRAME, 1, arrow=False))
    return svg(
        W,
        H,
        "Many-to-one classification versus many-to-many labelling",
        "Left: the RNN reads x_1 to x_T (the rows of an image); only a summary s of the states, "
        "the last state h_T or the mean of all h_t, goes through one read-out, p(y | x_1:T) = "
        "softmax(W_y s + b_y): one label per image. Right: every state h_t gets its own label "
        "y_t through the same read-out, p(y_t | x_1:t) = softmax(W_y h_t + b_y): one label per "
        "step, for example per column of a wide canvas.",
        b,
        (INK, VERM),
    )


DIAGRAMS = {
    "unrolled_rnn.svg": unrolled_rnn,
    "rnn_cell.svg": rnn_cell,
    "lstm_cell.svg": lstm_cell,
    "gru_cell.svg": gru_cell,
    "image_as_sequence.svg": image_as_sequence,
    "row_lstm_geometry.svg": row_lstm_geometry,
    "diagonal_bilstm_geometry.svg": diagonal_bilstm_geometry,
    "vanishing_gradient.svg": vanishing_gradient,
    "sequence_classification.svg": sequence_classification,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for name, make in DIAGRAMS.items():
        out = OUT_DIR / name
        content = make()
        if check:
            if not out.exists() or out.read_text(encoding="utf-8") != content:
                stale.append(name)
            continue
        out.write_text(content, encoding="utf-8")
        print(
            "wrote",
            out.relative_to(OUT_DIR.parent.parent),
            f"({len(content.encode()) / 1000:.1f} kB)",
        )
    if stale:
        print(
            "out of date (run python scripts/make_diagrams.py):",
            ", ".join(stale),
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
