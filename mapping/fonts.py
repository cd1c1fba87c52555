"""Korean fonts for PDFs: found on the machine or shipped by a PyPI package.

Setup installs ``koreanize-matplotlib`` (it ships NanumGothic TTFs; we only
read its font files and never import it), so PDFs have a Korean font even
where Debian's ``fonts-nanum`` is not installed.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

DEBIAN_NANUM = Path("/usr/share/fonts/truetype/nanum")

# fontTools explains on stderr which hinting tables it drops while embedding a font: not news to a user
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


class FontError(RuntimeError):
    """No Korean font could be found."""


def korean_font_path(*, bold: bool = False) -> Path:
    """Path of a NanumGothic TTF (regular or bold).

    Raises
    ------
    FontError
        If neither Debian's fonts-nanum nor koreanize-matplotlib is installed.
    """
    name = "NanumGothicBold.ttf" if bold else "NanumGothic.ttf"
    candidates = [DEBIAN_NANUM / name]
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "fonts" / name)
    for path in candidates:
        if path.exists():
            return path
    raise FontError(
        f"한글 글꼴 {name}이(가) 없습니다: `make setup`(koreanize-matplotlib) 또는 `apt-get install fonts-nanum`."
    )


def matplotlib_korean_family() -> str:
    """Register NanumGothic (regular and bold) with matplotlib once and return its family name.

    Raises
    ------
    FontError
        If no Korean font is installed.
    """
    from matplotlib import font_manager

    added = {f.fname for f in font_manager.fontManager.ttflist}
    for path in {str(korean_font_path()), str(korean_font_path(bold=True))} - added:
        font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=str(korean_font_path())).get_name()
