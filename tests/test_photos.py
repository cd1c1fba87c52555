"""Report photos: EXIF GPS, limits, downscaling, metadata stripped, no orphan files."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from PIL import Image

from mapping.photos import MAX_SIDE, PhotoError, exif_lonlat, read_photo


def dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round(((value - degrees) * 60 - minutes) * 60 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


def jpeg_with_gps(
    lon: float | None, lat: float | None, *, size: tuple[int, int] = (800, 600), maker: str = ""
) -> bytes:
    """A JPEG as a phone writes it: EXIF with (optionally) GPS tags."""
    image = Image.new("RGB", size, (90, 140, 200))
    exif = Image.Exif()
    exif[0x010F] = maker or "TestPhone"  # Make
    if lon is not None and lat is not None:
        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_gps_in_exif_places_the_report_within_a_metre():
    photo = read_photo(jpeg_with_gps(126.90123, 37.56789), name="phone.jpg")
    assert photo.gps == pytest.approx((126.90123, 37.56789), abs=1e-5)
    assert "GPS" in photo.gps_note


def test_exif_without_gps_says_so():
    photo = read_photo(jpeg_with_gps(None, None), name="no-gps.jpg")
    assert photo.gps is None and "GPS 정보가 없습니다" in photo.gps_note
    png = io.BytesIO()
    Image.new("RGB", (50, 50)).save(png, format="PNG")
    assert "EXIF 정보가 없어" in read_photo(png.getvalue(), name="x.png").gps_note


def test_large_photo_is_downscaled_and_metadata_dropped():
    photo = read_photo(jpeg_with_gps(126.9, 37.56, size=(4000, 3000), maker="SecretPhone"), name="big.jpg")
    assert max(photo.width, photo.height) == MAX_SIDE
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.size == (photo.width, photo.height) and not stored.getexif()  # no GPS or maker kept on disk
    assert max(Image.open(io.BytesIO(photo.thumb)).size) <= 320


def test_files_over_20_mb_and_non_images_are_refused():
    with pytest.raises(PhotoError, match="20 MB 이하"):
        read_photo(b"\xff\xd8" + b"0" * (20 * 1024 * 1024 + 1), name="huge.jpg")
    with pytest.raises(PhotoError, match=r"^memo.pdf: 사진 파일이 아닙니다\. JPEG, PNG, WebP"):  # in Korean, by name
        read_photo(b"%PDF-1.4 not a photo", name="memo.pdf")
    gif = io.BytesIO()
    Image.new("P", (10, 10)).save(gif, format="GIF")
    with pytest.raises(PhotoError, match="GIF 형식은 받지 않습니다"):
        read_photo(gif.getvalue(), name="anim.gif")


def test_exif_lonlat_of_an_image_without_exif():
    assert exif_lonlat(Image.new("RGB", (5, 5)))[0] is None


def test_gps_of_zero_or_outside_seoul_is_not_used():
    photo = read_photo(jpeg_with_gps(0.0, 0.0), name="zero.jpg")
    assert photo.gps is None and "서울이 아닙니다" in photo.gps_note


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = io.BytesIO()
    Image.new("1", (8000, 7000)).save(bomb, format="PNG")  # 56 MP in a few kB
    assert len(bomb.getvalue()) < 1_000_000
    with pytest.raises(PhotoError, match=r"56MP.*50MP 이하"):
        read_photo(bomb.getvalue(), name="bomb.png")
