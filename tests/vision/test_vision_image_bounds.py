"""The image gate (kiosk/image_input.py): sizes read from headers, huge or tiny images refused with a clear error
before anything is decoded, for CLI files and camera stills alike."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk import image_input
from kiosk.errors import ImageError
from kiosk.image_input import MAX_PIXELS, check_array, header_size, load_image_file


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that claims width×height (what a decoder would allocate) in a few dozen bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))
    return path


def _jpeg_header_only(path: Path, width: int, height: int) -> Path:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    path.write_bytes(b"\xff\xd8" + app0 + sof + b"\xff\xd9")
    return path


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("an oversized image was handed to the decoder")

    monkeypatch.setattr(cv2, "imdecode", refuse)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".webp"])
def test_header_sizes_agree_with_the_decoder(tmp_path: Path, ext: str) -> None:
    img = np.zeros((123, 457, 3), np.uint8)
    ok, buf = cv2.imencode(ext, img)
    assert ok
    assert header_size(buf.tobytes()) == (457, 123)


def test_a_20000_pixel_square_png_is_refused_without_decoding(tmp_path: Path, no_decoding: None) -> None:
    path = _png_header_only(tmp_path / "huge.png", 20000, 20000)
    with pytest.raises(ImageError, match=r"20000×20000 pixels \(400 MP\) is larger than the 16 MP"):
        load_image_file(path)


def test_a_huge_jpeg_is_refused_without_decoding(tmp_path: Path, no_decoding: None) -> None:
    with pytest.raises(ImageError, match="larger than"):
        load_image_file(_jpeg_header_only(tmp_path / "huge.jpg", 30000, 10000))


def test_a_one_pixel_image_is_too_small(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    cv2.imwrite(str(path), np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(ImageError, match="too small"):
        load_image_file(path)


def test_a_file_that_is_no_image_format_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(ImageError, match="not a PNG, JPEG, BMP or WebP"):
        load_image_file(path)


def test_a_camera_still_goes_through_the_same_bound() -> None:
    check_array(np.zeros((2592, 4608, 3), np.uint8), "camera still")  # the Camera Module 3's largest still
    big = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(5000, 5000, 3), strides=(0, 0, 0))
    with pytest.raises(ImageError, match="camera still: 5000×5000"):
        check_array(big, "camera still")
    assert MAX_PIXELS > 4608 * 2592


def test_read_card_on_a_huge_or_tiny_image_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           no_decoding: None) -> None:
    from kiosk.vision.cli import read_card_main

    huge = _png_header_only(tmp_path / "huge.png", 20000, 20000)
    status = read_card_main(["--back", str(huge), "--json", "--no-face"])
    out = capsys.readouterr()
    assert status != 0 and "larger than the 16 MP" in out.out + out.err and "Traceback" not in out.err


def test_read_card_on_a_one_pixel_image_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.vision.cli import read_card_main

    dot = tmp_path / "dot.png"
    cv2.imwrite(str(dot), np.zeros((1, 1, 3), np.uint8))
    status = read_card_main(["--back", str(dot), "--no-face"])
    out = capsys.readouterr()
    assert status != 0 and "too small" in out.out + out.err


def test_liveness_on_huge_frames_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            no_decoding: None) -> None:
    from kiosk.face.cli import liveness_main

    for i in range(3):
        _png_header_only(tmp_path / f"{i:02d}.png", 20000, 20000)
    status = liveness_main([str(tmp_path), "--json"])
    assert status == 3 and "larger than the 16 MP" in capsys.readouterr().out


def test_face_match_on_a_huge_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              no_decoding: None) -> None:
    from kiosk.face.cli import face_match_main

    huge = _png_header_only(tmp_path / "a.png", 20000, 20000)
    assert face_match_main([str(huge), str(huge), "--json"]) == 3
    assert image_input.MAX_PIXELS == MAX_PIXELS
