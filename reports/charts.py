"""Trend charts drawn on the server as inline SVG (no JavaScript, no chart library)."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 400, 210
LEFT, RIGHT, TOP, BOTTOM = 52, 26, 22, 34
# Text stays at least 12 px even when a phone scales the chart down to 330 px wide.
FONT = 15


def _fmt(value: float) -> str:
    """Return a short label for a number (at most 2 decimals, no trailing zeros)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def trend_svg(
    *,
    points: list[tuple[str, float | None]],
    promised: float | None = None,
    title: str = "",
    unit: str = "",
    flagged: bool = False,
    higher_is_better: bool | None = None,
    better_label: str = "better",
    described_by: str = "",
    titles: list[str] | None = None,
) -> SafeString:
    """Return an SVG line chart of (label, value) points; None values leave a gap.

    Labels are short dates ("11/16", the Monday of each week); ``titles`` are the hover texts
    of the points; ``described_by`` names the element (a table) that gives the same numbers.
    """
    values = [value for _label, value in points if value is not None]
    scale = values + ([promised] if promised is not None else [])
    low, high = (min(scale), max(scale)) if scale else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + index * step, 1)

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * plot_h, 1)

    stroke = "#c53030" if flagged else "#2b6cb0"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH}px" role="img" aria-label="{escape(title)}"'
        + (f' aria-describedby="{escape(described_by)}"' if described_by else "")
        + ">",
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        f'stroke="#d9e0e7"/>',
    ]
    for value, anchor in ((high - pad, "end"), (low + pad, "end")):
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(value) + 4}" font-size="{FONT}" text-anchor="{anchor}" '
            f'fill="#617080">{escape(_fmt(value))}</text>'
        )
    if higher_is_better is not None:
        unit = f"{unit} ({'↑' if higher_is_better else '↓'} {better_label})".strip()
    if unit:
        parts.append(
            f'<text x="{LEFT}" y="{TOP - 5}" font-size="{FONT}" fill="#617080">'
            f"{escape(unit)}</text>"
        )
    if promised is not None:
        parts.append(
            f'<line class="promised" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(promised)}" '
            f'y2="{y(promised)}" stroke="#1a7f37" stroke-dasharray="4 3"/>'
        )
    # One polyline per run of consecutive weeks with data: a week without data is a gap.
    run: list[str] = []
    for index, (_label, value) in enumerate([*points, ("", None)]):
        if value is not None:
            run.append(f"{x(index)},{y(value)}")
            continue
        if len(run) > 1:
            parts.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{stroke}" '
                f'stroke-width="2"/>'
            )
        run = []
    for index, (label, value) in enumerate(points):
        short = label
        parts.append(
            f'<text x="{x(index)}" y="{HEIGHT - 10}" font-size="{FONT}" text-anchor="middle" '
            f'fill="#617080">{escape(short)}</text>'
        )
        if value is not None:
            parts.append(
                f'<circle cx="{x(index)}" cy="{y(value)}" r="3" fill="{stroke}">'
                f"<title>{escape(titles[index] if titles else label)}: {escape(_fmt(value))}"
                "</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
