"""Report photos: checked, turned upright, downscaled, stripped of metadata, stored by content.

Photos are stored under the store's photo folder by the SHA-256 of their
JPEG bytes, each with a thumbnail; the GPS position in a photo's EXIF can
place a report.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import SupportsFloat, cast

from PIL import Image, ImageOps, UnidentifiedImageError

from mapping.crs import plausible_lonlat
from mapping.errors import MappingError

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000  # phones take 12–50 MP; more is a decompression bomb, not a photo
MAX_SIDE = 2048  # long edge of the stored photo, px
THUMB_SIDE = 320
ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO"}
GPS_IFD = 0x8825


class PhotoError(MappingError, ValueError):
    """A file given as a photo cannot be used."""


@dataclass(frozen=True)
class Photo:
    """A photo ready to store: JPEG bytes, thumbnail, size and the GPS it carried."""

    name: str
    jpeg: bytes
    thumb: bytes
    width: int
    height: int
    gps: tuple[float, float] | None
    gps_note: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


def _ratio(value: object) -> float:
    """An EXIF rational (Pillow's IFDRational, or a (numerator, denominator) pair) as a float."""
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(cast(SupportsFloat, value))


def exif_lonlat(image: Image.Image) -> tuple[tuple[float, float] | None, str]:
    """The (lon, lat) in a photo's EXIF GPS tags, or ``None`` with the reason in Korean."""
    exif = image.getexif()
    if not exif:
        return None, "사진에 EXIF 정보가 없어 위치를 알 수 없습니다: 지도에서 고르세요."
    gps = exif.get_ifd(GPS_IFD)
    if not gps or 2 not in gps or 4 not in gps:
        return None, "사진에 GPS 정보가 없습니다 (휴대폰 카메라의 위치 태그가 꺼져 있을 수 있음): 지도에서 고르세요."
    try:
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
    except (TypeError, ValueError, ZeroDivisionError):
        return None, "사진의 GPS 정보를 읽을 수 없습니다: 지도에서 고르세요."
    lat = -lat if gps.get(1) == "S" else lat
    lon = -lon if gps.get(3) == "W" else lon
    if not (math.isfinite(lon) and math.isfinite(lat) and plausible_lonlat(lon, lat)):
        return None, f"사진의 GPS 값 ({lon:.5f}, {lat:.5f})은 서울이 아닙니다: 지도에서 고르세요."
    return (round(lon, 7), round(lat, 7)), "사진의 GPS 위치를 썼습니다."


def _jpeg(image: Image.Image, side: int, quality: int) -> tuple[bytes, tuple[int, int]]:
    copy = image.copy()
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=quality, optimize=True)  # no exif= : metadata is dropped
    return out.getvalue(), copy.size


def check_size(size: int, *, name: str) -> None:
    """Refuse a photo of ``size`` bytes over the limit (before it is read, where the size is known first).

    Raises
    ------
    PhotoError
        For a file over 20 MB.
    """
    if size > MAX_BYTES:
        raise PhotoError(f"{name}: {size / 1024 / 1024:.1f} MB입니다. 사진은 20 MB 이하만 받습니다.")


def read_photo(data: bytes, *, name: str) -> Photo:
    """Check and prepare one uploaded photo.

    Raises
    ------
    PhotoError
        For a file over 20 MB or one that is not a JPEG, PNG or WebP image.
    """
    check_size(len(data), name=name)
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        kind = image.format
        if image.width * image.height > MAX_PIXELS:
            size = f"{image.width}×{image.height} ({image.width * image.height / 1e6:.0f}MP)"
            raise PhotoError(f"{name}: {size}은 너무 큽니다. {MAX_PIXELS // 1_000_000}MP 이하로 올리세요.")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoError(f"{name}: 사진 파일이 아닙니다. JPEG, PNG, WebP 사진을 올리세요.") from None
    if kind not in ACCEPTED:
        raise PhotoError(
            f"{name}: {kind} 형식은 받지 않습니다. JPEG, PNG, WebP로 올리세요 (HEIC는 휴대폰 설정에서 '호환성 우선')."
        )
    gps, note = exif_lonlat(image)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    jpeg, (width, height) = _jpeg(upright, MAX_SIDE, 85)
    thumb, _ = _jpeg(upright, THUMB_SIDE, 75)
    return Photo(name, jpeg, thumb, width, height, gps, note)


def photo_paths(folder: Path, photo: Photo) -> tuple[Path, Path]:
    """Where a photo and its thumbnail live: ``ab/abcdef….jpg`` and ``ab/abcdef…_t.jpg``."""
    digest = photo.digest
    return folder / digest[:2] / f"{digest}.jpg", folder / digest[:2] / f"{digest}_t.jpg"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` all at once; ``False`` if the file was already there."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
