"""The one gate every image passes on its way into the kiosk: bounded size, checked before decoding.

Why: decoding is where memory goes. A 20000×20000 PNG is 1.2 GB as BGR before any analysis, and the vision and
face pipelines hold several working copies of it: ``read-card`` reached 2.4 GB RSS and ``liveness`` on three
such files 4.7 GB, enough to kill a 2 GB Pi. The bound is read from the file's header, so an oversized file
is refused without ever being decoded.

Bound: :data:`MAX_PIXELS` = 16 megapixels per image. The largest real input is a Camera Module 3 still,
4608×2592 = 11.9 MP (``camera.still_*_px`` cannot exceed that), which the card pipeline handles in about
250 MB on top of the models; 16 MP leaves a margin for other cameras and a phone photo passed to ``read-card``,
while 3 BGR copies of the largest allowed image (~150 MB) still fit a 2 GB Pi next to the kiosk (~300 MB).
:data:`MIN_SIDE_PX` refuses images too small to hold a card or a face (a 1×1 image crashed ``read-card``).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from kiosk.errors import ImageError

MAX_PIXELS = 16_000_000
MIN_SIDE_PX = 32
MAX_FILE_BYTES = 64 * 1024 * 1024


def check_image_size(width: int, height: int, what: str) -> None:
    """Raise ImageError naming ``what`` when a width×height image is outside the bounds."""
    if width < MIN_SIDE_PX or height < MIN_SIDE_PX:
        raise ImageError(f"{what}: {width}×{height} pixels is too small to read (at least {MIN_SIDE_PX} px a side)")
    if width * height > MAX_PIXELS:
        raise ImageError(f"{what}: {width}×{height} pixels ({width * height / 1e6:.0f} MP) is larger than the "
                         f"{MAX_PIXELS / 1e6:.0f} MP the kiosk accepts (a Raspberry Pi has 2 GB); scale it down, "
                         f"e.g. to 4608×2592")


def check_array(image: np.ndarray, what: str) -> np.ndarray:
    """The bound for an image already in memory (a camera still); returns it unchanged."""
    if image.ndim < 2:
        raise ImageError(f"{what}: not an image (shape {image.shape})")
    check_image_size(int(image.shape[1]), int(image.shape[0]), what)
    return image


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG, BMP or WebP header without decoding; None for other formats."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"BM" and len(data) >= 26:
        w, h = struct.unpack("<ii", data[18:26])
        return abs(w), abs(h)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        return None
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > len(data):
                return None
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def load_image_file(path: Path) -> np.ndarray:
    """Decode an image file (PNG, JPEG, BMP, WebP) to BGR uint8 after checking its size from the header.
    Raises ImageError naming the file: unreadable, empty, too big a file, unsupported format, too few or too
    many pixels, or corrupt."""
    import cv2

    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImageError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise ImageError(f"{path}: file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"{path}: file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    size = header_size(data)
    if size is None:
        raise ImageError(f"{path}: not a PNG, JPEG, BMP or WebP image")
    check_image_size(*size, str(path))
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        raise ImageError(f"{path}: not a readable image (corrupted or unsupported format)")
    return check_array(img, str(path))  # the decoder's own idea of the size must agree with the header
