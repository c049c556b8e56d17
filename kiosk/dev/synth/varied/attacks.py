"""What a copy, a print or a screen does to a card before the camera sees it: each returns a ``camera.Plane``.

* ``grey_photocopy``: luminance only, the copier's tone curve (paper tint blown to the sheet's white), a
  clustered-dot screen at 85-150 lpi that breaks fine lines into dots, toner scatter and specks, paper fibre;
  on a sheet (square corners, margins) or cut out (square or scissor-rounded corners); 1 in 7 pouch-laminated
  (glossy).
* ``colour_photocopy`` / ``laser_print``: CMYK halftone with the four screens at their usual angles, saturation
  and contrast of the device; the laser print starts from a sharper source and is slightly glossy (toner).
* ``inkjet_print``: stochastic dither with ink bleed and head banding, on plain or glossy photo paper.
* ``phone_replay`` / ``monitor_replay``: the card (cropped, or a photo with the desk around it) shown on a
  display: RGB-stripe or PenTile subpixels at 250-900 display px across the card (resampled by the camera:
  moiré), letterbox, backlight floor, the display's own white point and brightness (light it emits, not
  reflects), glass reflection, bezel, and on 2 in 5 the refresh banding a rolling shutter catches.
* ``photo_of_photo``: a genuine photo of the card (its own lamp, white balance, desk) printed on photo paper.

The plane's ``card_quad`` follows the card through every step, so the scene's label keeps the true corners.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from kiosk.dev.synth.varied.camera import (
    DESKS,
    Plane,
    lamp_rgb,
    make_desk,
    photograph,
    place_quad,
    rounded_alpha,
    sample_camera,
    to_linear,
)
from kiosk.dev.synth.varied.design import MM


def _screen_threshold(h: int, w: int, period_px: float, angle_deg: float) -> np.ndarray:
    """Clustered-dot halftone threshold (0..1) of a screen rotated by ``angle_deg``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = math.radians(angle_deg)
    u = (xx * math.cos(a) + yy * math.sin(a)) * np.float32(2 * math.pi / period_px)
    v = (-xx * math.sin(a) + yy * math.cos(a)) * np.float32(2 * math.pi / period_px)
    return (0.5 - 0.25 * (np.cos(u) + np.cos(v))).astype(np.float32)


def _halftone(coverage: np.ndarray, threshold: np.ndarray, softness: float = 0.12) -> np.ndarray:
    """Ink coverage (0..1) → dots: ink where coverage exceeds the screen's threshold (soft-edged)."""
    return np.clip((coverage - threshold) / np.float32(softness) + 0.5, 0, 1).astype(np.float32)


def _paper_texture(rng: np.random.Generator, h: int, w: int, amount: float) -> np.ndarray:
    small = rng.random((max(h // 20, 2), max(w // 20, 2))).astype(np.float32)
    fibre = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) - 0.5
    return (1 + np.float32(amount) * (fibre + 0.5 * (rng.random((h, w), dtype=np.float32) - 0.5))).astype(np.float32)


def _on_sheet_or_cut(img: np.ndarray, rng: np.random.Generator, paper_bgr: np.ndarray, info: dict[str, Any]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place a printed card image on its sheet (margins, square corners) or cut it out. Returns (image u8,
    alpha u8, card quad in plane px)."""
    h, w = img.shape[:2]
    if rng.random() < 0.5:
        px, py = int(w * rng.uniform(0.15, 0.4)), int(h * rng.uniform(0.2, 0.5))
        sheet = np.empty((h + 2 * py, w + 2 * px, 3), np.uint8)
        sheet[:] = np.clip(paper_bgr, 0, 255).astype(np.uint8)
        sheet[py:py + h, px:px + w] = img
        info["mount"] = "sheet"
        quad = np.float32([[px, py], [px + w, py], [px + w, py + h], [px, py + h]])
        return sheet, np.full(sheet.shape[:2], 255, np.uint8), quad
    radius = float(rng.choice([0.0, rng.uniform(1.0, 6.0)])) * MM
    info["mount"] = "cut"
    info["cut_corner_radius_px"] = round(radius, 2)
    return img, rounded_alpha(w, h, radius), np.float32([[0, 0], [w, 0], [w, h], [0, h]])


def _paper_white(rng: np.random.Generator) -> np.ndarray:
    # Office paper: bright white with optical brightener (a little blue) or a warmer recycled white.
    return np.array([rng.uniform(236, 252), rng.uniform(236, 248), rng.uniform(230, 246)], np.float32)


def grey_photocopy(card_u8: np.ndarray, rng: np.random.Generator) -> Plane:
    """A black-and-white photocopy of the card (see the module doc)."""
    h, w = card_u8.shape[:2]
    gray = cv2.cvtColor(card_u8, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255
    white, black = rng.uniform(0.78, 0.9), rng.uniform(0.05, 0.2)  # the tinted paper is driven to sheet white
    tone = np.clip((gray - black) / (white - black), 0, 1) ** np.float32(rng.uniform(0.8, 1.3))
    lpi = float(rng.uniform(85, 150))
    period = 360.0 / lpi
    dots = _halftone(1 - tone, _screen_threshold(h, w, period, 45.0))
    dots = cv2.GaussianBlur(dots, (0, 0), 0.6)  # toner scatter
    paper = _paper_white(rng)
    tex = _paper_texture(rng, h, w, 0.04)
    toner = np.float32(rng.uniform(20, 45))
    out = (paper[None, None, :] * (1 - dots[..., None]) + toner * dots[..., None]) * tex[..., None]
    specks = rng.random((h, w)) < rng.uniform(0.0003, 0.002)
    out[specks] = toner
    info: dict[str, Any] = {"surface": "copy_paper", "lpi": round(lpi, 1)}
    img, alpha, quad = _on_sheet_or_cut(np.clip(out, 0, 255).astype(np.uint8), rng, paper, info)
    is_pouch = bool(rng.random() < 1 / 7)
    info["is_pouch_laminated"] = is_pouch
    return Plane(img, alpha, quad, 0.9 if is_pouch else 0.08, None, info)


def _cmyk_print(card_u8: np.ndarray, rng: np.random.Generator, saturation: float, lpi: float, softness: float,
                pre_blur: float) -> tuple[np.ndarray, np.ndarray]:
    img = card_u8
    if pre_blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), pre_blur)
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 1] *= np.float32(saturation)
    rgb = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32)[..., ::-1] / 255
    cmy = 1 - rgb
    k = cmy.min(axis=2) * np.float32(rng.uniform(0.6, 0.95))
    cmy = (cmy - k[..., None]) / np.maximum(1 - k[..., None], 1e-3)
    h, w = k.shape
    period = 360.0 / lpi
    cov = [_halftone(cmy[..., i], _screen_threshold(h, w, period, ang), softness)
           for i, ang in enumerate((15.0, 75.0, 0.0))]
    kcov = _halftone(k, _screen_threshold(h, w, period, 45.0), softness)
    paper = _paper_white(rng)
    # Block-dye inks: cyan absorbs red, magenta green, yellow blue (each imperfectly), black all.
    r = (1 - 0.9 * cov[0]) * (1 - 0.08 * cov[1]) * (1 - 0.02 * cov[2])
    g = (1 - 0.12 * cov[0]) * (1 - 0.88 * cov[1]) * (1 - 0.06 * cov[2])
    b = (1 - 0.15 * cov[0]) * (1 - 0.1 * cov[1]) * (1 - 0.85 * cov[2])
    ink = np.stack([b, g, r], axis=2) * (1 - 0.9 * kcov[..., None])
    return ink * paper[None, None, :], paper


def colour_photocopy(card_u8: np.ndarray, rng: np.random.Generator) -> Plane:
    """A colour photocopy: desaturated CMYK halftone from a slightly blurred scan."""
    lpi = float(rng.uniform(100, 175))
    sat = float(rng.uniform(0.6, 0.95))
    out, paper = _cmyk_print(card_u8, rng, sat, lpi, 0.15, float(rng.uniform(0.5, 1.0)))
    out = cv2.GaussianBlur(out, (0, 0), 0.5) * _paper_texture(rng, *out.shape[:2], 0.03)[..., None]
    info: dict[str, Any] = {"surface": "copy_paper", "lpi": round(lpi, 1), "saturation_scale": round(sat, 3)}
    img, alpha, quad = _on_sheet_or_cut(np.clip(out, 0, 255).astype(np.uint8), rng, paper, info)
    return Plane(img, alpha, quad, 0.08, None, info)


def laser_print(card_u8: np.ndarray, rng: np.random.Generator) -> Plane:
    """A colour laser print of a card image: sharper than a copy, near-full saturation, a little toner gloss."""
    lpi = float(rng.uniform(130, 200))
    sat = float(rng.uniform(0.85, 1.05))
    out, paper = _cmyk_print(card_u8, rng, sat, lpi, 0.1, float(rng.uniform(0.0, 0.5)))
    out = out * _paper_texture(rng, *out.shape[:2], 0.02)[..., None]
    info: dict[str, Any] = {"surface": "laser_paper", "lpi": round(lpi, 1), "saturation_scale": round(sat, 3)}
    img, alpha, quad = _on_sheet_or_cut(np.clip(out, 0, 255).astype(np.uint8), rng, paper, info)
    return Plane(img, alpha, quad, 0.25, None, info)


def inkjet_print(card_u8: np.ndarray, rng: np.random.Generator) -> Plane:
    """An inkjet print: stochastic dots per ink, bleed, head banding; plain or glossy photo paper."""
    h, w = card_u8.shape[:2]
    lin = card_u8.astype(np.float32) / 255
    dots = (lin + (rng.random(lin.shape, dtype=np.float32) - 0.5) * np.float32(rng.uniform(0.3, 0.7))) > 0.5
    mixed = 0.55 * dots.astype(np.float32) + 0.45 * lin  # small drops: part dither, part continuous tone
    mixed = cv2.GaussianBlur(mixed, (0, 0), float(rng.uniform(0.5, 1.0)))  # ink bleed
    period = float(rng.uniform(12, 60))
    band = 1 + np.float32(rng.uniform(0.01, 0.05)) * np.sin(np.arange(h, dtype=np.float32)[:, None] * np.float32(2 * math.pi / period))
    paper = _paper_white(rng)
    out = mixed * band[..., None] * paper[None, None, :] * _paper_texture(rng, h, w, 0.03)[..., None]
    is_photo_paper = bool(rng.random() < 0.5)
    info: dict[str, Any] = {"surface": "photo_paper" if is_photo_paper else "plain_paper",
                            "banding_period_px": round(period, 1)}
    img, alpha, quad = _on_sheet_or_cut(np.clip(out, 0, 255).astype(np.uint8), rng, paper, info)
    return Plane(img, alpha, quad, 0.6 if is_photo_paper else 0.08, None, info)


def _first_photo(card_u8: np.ndarray, corner_radius_px: float, rng: np.random.Generator,
                 size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A genuine photo of the card on some desk, under some light: (image, card corners in it)."""
    from kiosk.dev.synth.varied.camera import card_plane

    plane = card_plane(card_u8, corner_radius_px)
    h, w = card_u8.shape[:2]
    quad, _ = place_quad(rng, w / h, "inside", size)
    homography = cv2.getPerspectiveTransform(plane.card_quad, quad)
    desk = make_desk(rng, str(rng.choice(DESKS)), *size)
    cam = sample_camera(rng, "awb", (2700.0, 6500.0))
    img, label = photograph(plane, homography, desk, cam, rng, size)
    return img, np.float32(label["corners"])


def photo_of_photo(card_u8: np.ndarray, corner_radius_px: float, rng: np.random.Generator) -> Plane:
    """A photo of the card printed on photo paper (white border, glossy or matte)."""
    img, corners = _first_photo(card_u8, corner_radius_px, rng, (1200, 900))
    sat = float(rng.uniform(0.85, 1.0))
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 1] *= np.float32(sat)
    img = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)
    border = int(rng.choice([0, rng.integers(10, 50)]))
    paper = np.clip(_paper_white(rng), 0, 255).astype(np.uint8)
    printed = cv2.copyMakeBorder(img, border, border, border, border, cv2.BORDER_CONSTANT, value=paper.tolist())
    is_glossy = bool(rng.random() < 0.6)
    info = {"surface": "photo_paper", "is_glossy": is_glossy, "border_px": border, "saturation_scale": round(sat, 3)}
    return Plane(printed, np.full(printed.shape[:2], 255, np.uint8), corners + border, 0.6 if is_glossy else 0.08,
                 None, info)


def _display(content_u8: np.ndarray, rng: np.random.Generator, display_w_px: int, layout: str
             ) -> tuple[np.ndarray, float]:
    """``content_u8`` shown on a display ``display_w_px`` pixels wide: the linear emission (BGR float32) of
    each subpixel, 3 plane columns per display pixel (one row per pixel row). Returns (emission, plane px per
    content px across; the plane is anisotropic, its rows are display rows)."""
    h, w = content_u8.shape[:2]
    dh = max(int(round(display_w_px * h / w)), 2)
    shown = to_linear(cv2.resize(content_u8, (display_w_px, dh), interpolation=cv2.INTER_AREA))
    up = np.repeat(shown, 3, axis=1)
    mask = np.zeros((dh, 3 * display_w_px, 3), np.float32)
    if layout == "rgb_stripe":
        for col, ch in ((0, 2), (1, 1), (2, 0)):  # R, G, B columns (BGR channel indices)
            mask[:, col::3, ch] = 3.0
    else:  # PenTile: green on every pixel, red and blue alternating from row to row
        mask[:, 1::3, 1] = 3.0
        mask[0::2, 0::6, 2] = 6.0
        mask[0::2, 3::6, 0] = 6.0
        mask[1::2, 3::6, 2] = 6.0
        mask[1::2, 0::6, 0] = 6.0
    return up * mask, 3 * display_w_px / w


def _replay(card_u8: np.ndarray, corner_radius_px: float, rng: np.random.Generator, kind: str) -> Plane:
    h, w = card_u8.shape[:2]
    if rng.random() < 0.7:
        # The card cropped out of a photo, rounded corners on the viewer's background.
        bg = float(rng.choice([0, 0, 30, 235]))
        content = np.full((int(h * 1.12), int(w * 1.06), 3), bg, np.uint8)
        oy, ox = (content.shape[0] - h) // 2, (content.shape[1] - w) // 2
        a = rounded_alpha(w, h, corner_radius_px).astype(np.float32)[..., None] / 255
        content[oy:oy + h, ox:ox + w] = (card_u8 * a + bg * (1 - a)).astype(np.uint8)
        card_in_content = np.float32([[ox, oy], [ox + w, oy], [ox + w, oy + h], [ox, oy + h]])
        source = "cropped"
    else:
        content, card_in_content = _first_photo(card_u8, corner_radius_px, rng, (1200, 900))
        source = "photo"
    ch, cw = content.shape[:2]
    card_share = float(np.linalg.norm(card_in_content[1] - card_in_content[0])) / cw
    if kind == "phone":
        display_px = int(rng.uniform(300, 900) / card_share)
        layout = str(rng.choice(["rgb_stripe", "pentile"]))
        floor = float(rng.uniform(0.0, 0.006)) if layout == "pentile" else float(rng.uniform(0.01, 0.05))
        white_k = float(rng.uniform(6500, 9500))
        brightness = float(rng.uniform(0.6, 2.0))
        bezel_frac, gloss, body_radius = float(rng.uniform(0.03, 0.08)), 1.2, 0.09
    else:
        display_px = int(rng.uniform(250, 600) / card_share)
        layout = "rgb_stripe"
        floor = float(rng.uniform(0.03, 0.1))
        white_k = float(rng.uniform(6000, 7000))
        brightness = float(rng.uniform(0.7, 1.6))
        bezel_frac, gloss, body_radius = float(rng.uniform(0.01, 0.03)), 0.3, 0.01
    emission, scale = _display(content, rng, display_px, layout)
    eh, ew = emission.shape[:2]
    white = lamp_rgb(white_k)[::-1] * np.float32(brightness)
    emission = (np.float32(floor) + (1 - np.float32(floor)) * emission) * white
    if kind == "monitor":
        # Off-axis view of an IPS/TN panel: darker and shifted towards one side.
        ramp = np.linspace(1.0, float(rng.uniform(0.7, 1.0)), ew, dtype=np.float32)[None, :, None]
        emission = emission * (ramp if rng.random() < 0.5 else ramp[:, ::-1])
    banding = None
    if rng.random() < 0.4:
        period = float(rng.uniform(0.05, 0.3)) * eh
        depth = float(rng.uniform(0.05, 0.2))
        banding = {"period_plane_px": round(period, 1), "depth": round(depth, 3)}  # applied by the photograph
    # The plane has 3 columns per display pixel and 1 row per display row: margins and the body's rounded
    # corners are drawn in display pixels and stretched across.
    bz = max(int(bezel_frac * ew / 3), 1)
    ph_, pw_ = eh + 2 * bz, ew + 6 * bz
    body = np.full((ph_, pw_, 3), int(rng.integers(8, 25)), np.uint8)  # black glass and bezel (reflectance)
    em_full = np.zeros((ph_, pw_, 3), np.float32)
    em_full[bz:bz + eh, 3 * bz:3 * bz + ew] = emission
    iso = rounded_alpha(pw_ // 3, ph_, body_radius * min(ph_, pw_ // 3))
    alpha = cv2.resize(iso, (pw_, ph_), interpolation=cv2.INTER_LINEAR)
    quad = card_in_content * np.float32([scale, scale / 3]) + np.float32([3 * bz, bz])
    info = {"surface": "screen", "device": kind, "source": source, "subpixels": layout,
            "display_px_across_card": int(round(display_px * card_share)), "black_floor": round(floor, 4),
            "white_point_k": round(white_k, 1), "brightness": round(brightness, 3), "banding": banding,
            "bezel_fraction": round(bezel_frac, 4)}
    return Plane(body, alpha, quad.astype(np.float32), gloss, em_full, info, banding)


def phone_replay(card_u8: np.ndarray, corner_radius_px: float, rng: np.random.Generator) -> Plane:
    """The card shown on a phone (see the module doc)."""
    return _replay(card_u8, corner_radius_px, rng, "phone")


def monitor_replay(card_u8: np.ndarray, corner_radius_px: float, rng: np.random.Generator) -> Plane:
    """The card shown on a computer monitor (see the module doc)."""
    return _replay(card_u8, corner_radius_px, rng, "monitor")
