"""Write book/images/convlstm_vs_fclstm.svg: what an FC-LSTM and a ConvLSTM connect (Chapter 6).

    python scripts/make_sequences_svg.py

Hand-written SVG on an explicit white rounded rectangle (legible on dark themes).
"""

from __future__ import annotations

from pathlib import Path

W, H = 820, 380
INK, BLUE, ORANGE, GREY = "#1f2933", "#1f6fb2", "#d9731a", "#9aa5b1"


def grid(
    x0,
    y0,
    n,
    cell,
    fill="#ffffff",
    stroke=GREY,
    highlight=(),
    hl_fill="#ffe0c2",
):
    out = []
    for r in range(n):
        for c in range(n):
            f = hl_fill if (r, c) in highlight else fill
            out.append(
                f'<rect x="{x0 + c * cell}" y="{y0 + r * cell}" width="{cell}" height="{cell}" '
                f'fill="{f}" stroke="{stroke}" stroke-width="1"/>'
            )
    return out


def text(x, y, s, size=15, anchor="middle", weight="normal", color=INK):
    return (
        f'<text x="{x}" y="{y}" font-family="DejaVu Sans, Arial, sans-serif" font-size="{size}" '
        f'text-anchor="{anchor}" font-weight="{weight}" fill="{color}">{s}</text>'
    )


def main() -> None:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" '
        'aria-label="FC-LSTM versus ConvLSTM connections">',
        f'<rect x="1" y="1" width="{W - 2}" height="{H - 2}" rx="16" fill="#ffffff" stroke="{GREY}"/>',
        text(
            205, 32, "FC-LSTM: every unit sees every pixel", 17, weight="bold"
        ),
        text(615, 32, "ConvLSTM: a small kernel, shared", 17, weight="bold"),
        f'<line x1="410" y1="50" x2="410" y2="350" stroke="{GREY}" stroke-dasharray="6 5"/>',
    ]
    # left: a frame flattened into a vector, dense connections to hidden units
    parts += grid(40, 90, 6, 20)
    parts.append(text(100, 230, "frame x_t (6x6)", 13))
    units = [(300, 80 + 30 * k) for k in range(6)]
    pixels = [
        (40 + 20 * c + 10, 90 + 20 * r + 10)
        for r in range(6)
        for c in range(6)
    ]
    for ux, uy in units:
        for px, py in pixels[::3]:
            parts.append(
                f'<line x1="{px}" y1="{py}" x2="{ux}" y2="{uy}" stroke="{BLUE}" stroke-opacity="0.18"/>'
            )
    for ux, uy in units:
        parts.append(
            f'<circle cx="{ux}" cy="{uy}" r="9" fill="#d6e8f7" stroke="{BLUE}"/>'
        )
    parts.append(text(300, 270, "h_t: a vector", 13))
    parts.append(text(205, 305, "weights: 4H x (S² + H)", 14))
    parts.append(
        text(
            205,
            327,
            "position is forgotten: a pixel is just an index",
            13,
            color="#52606d",
        )
    )
    # right: x_t and h_{t-1} grids with a 3x3 window mapping to one position of the gates
    hl = {(r, c) for r in range(1, 4) for c in range(2, 5)}
    parts += grid(450, 90, 6, 20, highlight=hl)
    parts.append(text(510, 230, "x_t (C_in channels)", 13))
    parts += grid(
        450,
        250,
        4,
        15,
        highlight={
            (1, 1),
            (1, 2),
            (1, 3),
            (2, 1),
            (2, 2),
            (2, 3),
            (0, 1),
            (0, 2),
            (0, 3),
        },
    )
    parts.append(text(510, 325, "h_{t-1}", 13))
    parts += grid(650, 120, 6, 20, highlight={(2, 3)}, hl_fill="#c6e2c3")
    parts.append(text(710, 260, "gates at (y, x)", 13))
    parts.append(
        f'<path d="M 550 120 C 600 120, 620 170, 720 175" fill="none" stroke="{ORANGE}" stroke-width="2.5"/>'
    )
    parts.append(
        f'<path d="M 500 280 C 600 290, 640 200, 718 180" fill="none" stroke="{ORANGE}" stroke-width="2.5"/>'
    )
    parts.append(
        text(
            615,
            355,
            "weights: 4C_h x (C_in + C_h) x k x k, shared by all (y, x)",
            13,
        )
    )
    parts.append(text(710, 100, "W * [x_t, h_{t-1}]", 13, color=ORANGE))
    parts.append("</svg>")
    out = (
        Path(__file__).resolve().parents[1]
        / "book"
        / "images"
        / "convlstm_vs_fclstm.svg"
    )
    out.write_text("\n".join(parts) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
