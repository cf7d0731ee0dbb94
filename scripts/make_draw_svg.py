"""Write book/images/draw_step.svg: one step t of DRAW, encoder, latent, decoder, canvas (Chapter 3c).

    python scripts/make_draw_svg.py

Hand-written SVG on an explicit white rounded rectangle (legible on dark themes); it
links nothing external.
"""

from __future__ import annotations

from pathlib import Path

W, H = 860, 420
INK, BLUE, ORANGE, GREEN, RED, GREY = (
    "#1f2933",
    "#1f6fb2",
    "#d9731a",
    "#2f8f46",
    "#c0392b",
    "#9aa5b1",
)
FONT = "DejaVu Sans, Arial, sans-serif"


def text(
    x,
    y,
    s,
    size=14,
    anchor="middle",
    weight="normal",
    color=INK,
    style="normal",
):
    return (
        f'<text x="{x}" y="{y}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" font-style="{style}" fill="{color}">{s}</text>'
    )


def box(x, y, w, h, label, sub="", fill="#eef4fb", stroke=BLUE):
    out = [
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
    ]
    out.append(
        text(
            x + w / 2,
            y + (h / 2 if not sub else h / 2 - 4),
            label,
            15,
            weight="bold",
        )
    )
    if sub:
        out.append(text(x + w / 2, y + h / 2 + 15, sub, 12, color="#52606d"))
    return out


def arrow(
    x1,
    y1,
    x2,
    y2,
    color=INK,
    dashed=False,
    label="",
    lx=None,
    ly=None,
    anchor="middle",
):
    dash = ' stroke-dasharray="6 5"' if dashed else ""
    out = [
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="2"{dash} '
        f'marker-end="url(#head)"/>'
    ]
    if label:
        out.append(text(lx if lx is not None else (x1 + x2) / 2, ly if ly is not None else (y1 + y2) / 2 - 6, label,
                        12, anchor=anchor, color="#3e4c59"))  # fmt: skip
    return out


def main() -> None:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" '
        'aria-label="One step of DRAW: read, encode, sample z, decode, write onto the canvas">',
        "<defs>",
        '<marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{INK}"/></marker>',
        "</defs>",
        f'<rect x="1" y="1" width="{W - 2}" height="{H - 2}" rx="16" fill="#ffffff" stroke="{GREY}"/>',
        text(
            W / 2,
            30,
            "One step t of DRAW (training: encoder and decoder; sampling: decoder only)",
            16,
            weight="bold",
        ),  # fmt: skip
    ]
    # inputs on the left
    parts += box(
        30, 70, 130, 56, "image x", "(H, W), 0/1", fill="#f5f7fa", stroke=GREY
    )
    parts += box(
        30,
        160,
        130,
        56,
        "error image x̂",
        "x − σ(c_{t−1})",
        fill="#f5f7fa",
        stroke=GREY,
    )
    # read
    parts += box(
        210, 110, 120, 66, "read", "γ F_Y x F_Xᵀ", fill="#e8f5ec", stroke=GREEN
    )
    parts += arrow(160, 98, 210, 130)
    parts += arrow(160, 188, 210, 158)
    # encoder
    parts += box(
        380, 110, 130, 66, "LSTM_enc", "h^enc_t", fill="#eef4fb", stroke=BLUE
    )
    parts += arrow(330, 143, 380, 143, label="r_t", ly=135)
    # latent
    parts += box(
        560,
        100,
        130,
        86,
        "q(z_t | x)",
        "z_t = μ_t + s_t ε_t",
        fill="#fdf1e6",
        stroke=ORANGE,
    )
    parts += arrow(510, 143, 560, 143)
    parts.append(
        text(700, 205, "KL_t(q ‖ N(0, I))", 12, anchor="start", color=ORANGE)
    )
    # decoder (below, right to left)
    parts += box(
        560, 250, 130, 66, "LSTM_dec", "h^dec_t", fill="#eef4fb", stroke=BLUE
    )
    parts += arrow(
        625, 186, 625, 250, label="z_t", lx=640, ly=225, anchor="start"
    )
    parts += arrow(
        770,
        283,
        692,
        283,
        dashed=True,
        label="sampling:",
        lx=775,
        ly=262,
        anchor="start",
    )
    parts.append(
        text(775, 300, "z_t ~ N(0, I)", 12, anchor="start", color="#3e4c59")
    )
    # write
    parts += box(
        380,
        250,
        130,
        66,
        "write",
        "(1/γ) F_Yᵀ w F_X",
        fill="#fbeceb",
        stroke=RED,
    )
    parts += arrow(560, 283, 510, 283)
    # canvas
    parts += box(
        170,
        250,
        160,
        66,
        "canvas c_t",
        "c_{t−1} + write",
        fill="#f5f7fa",
        stroke=GREY,
    )
    parts += arrow(380, 283, 330, 283)
    # recurrences: h_dec feeds the next step's read (and encoder); the canvas feeds the next error image
    parts += arrow(562, 252, 300, 179, color=GREY, dashed=True)
    parts.append(text(445, 214, "h^dec_t → step t+1", 12, color="#52606d"))
    parts += arrow(170, 283, 95, 217, color=GREY, dashed=True)
    parts.append(text(100, 262, "step t+1", 12, color="#52606d", anchor="end"))
    parts.append(
        text(
            W / 2,
            360,
            "after the last step T: p(x | z_1:T) = Bernoulli(σ(c_T)), pixel by pixel",
            13,
            weight="bold",
        )
    )
    parts.append(
        text(
            W / 2,
            385,
            "the two LSTMs carry their states (h, cell) from step to step",
            12,
            color="#52606d",
        )
    )
    parts.append("</svg>")
    out = (
        Path(__file__).resolve().parent.parent
        / "book"
        / "images"
        / "draw_step.svg"
    )
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    print("wrote", out)


if __name__ == "__main__":
    main()
