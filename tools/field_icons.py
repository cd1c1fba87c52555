"""Draw the field page's app icons (``field/icons/icon-192.png``, ``icon-512.png``): the favicon's pin, large.

Run once when the icon changes: ``.venv/bin/python tools/field_icons.py``.  The PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

GREEN = (27, 158, 119, 255)  # static/favicon.png's colour
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "field" / "icons"


def icon(side: int) -> Image.Image:
    """A square icon of ``side`` px: a full-bleed green square (maskable) with a white map pin in its safe zone."""
    big = side * 4  # drawn large, then reduced: smooth edges
    image = Image.new("RGBA", (big, big), GREEN)
    draw = ImageDraw.Draw(image)
    cx, cy, r = big / 2, big * 0.42, big * 0.17
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    draw.polygon([(cx - r * 0.87, cy + r * 0.5), (cx + r * 0.87, cy + r * 0.5), (cx, big * 0.78)], fill=WHITE)
    hole = r * 0.42
    draw.ellipse((cx - hole, cy - hole, cx + hole, cy + hole), fill=GREEN)
    return image.resize((side, side), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for side in (192, 512):
        icon(side).save(OUT / f"icon-{side}.png", optimize=True)
        print(OUT / f"icon-{side}.png")
