"""Cards and scenes drawn here, not by the project's generator: the fraud cues and the front reader were tuned on
``kiosk.dev.synth`` (DejaVu type, a pale gradient ground), so these tests build what they need themselves.

* ground: one uniform tint over the whole card (a tint is colour: a grey copy of it is not the card), optionally
  fine coloured guilloche (two families of sine lines 3-5 px apart, like the INE rosettes that a subpixel-stripe
  test mistakes for a screen);
* type: OpenCV's Hershey faces (a stroke font no reader here was calibrated on), the MRZ in OCR-B as ICAO asks;
* scene: the card on a desk, turned, in perspective, blurred, with sensor noise, a camera colour cast, JPEG;
* attacks drawn here too: a grey photocopy (copier tone curve, paper, toner dust) and a phone replay (bezel,
  letterbox, backlight floor, RGB subpixel grid).
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.credential.citizen import Citizen, generate_citizen, mrz_lines

W, H = 1011, 638
FACES = Path(__file__).resolve().parents[2] / ".." / "shared" / "faces"
PINK = (226, 212, 246)  # BGR: a pale pink-lilac ground, saturation ~0.14
LILAC = (238, 214, 226)
BEIGE = (205, 228, 240)
# Residual camera casts (B, G, R gains over the whole scene, the brightest channel at 1 as auto-exposure keeps
# it): warm tungsten left uncorrected, neutral, cold shade.
CASTS = {"2700K": (0.64, 0.82, 1.0), "neutral": (1.0, 1.0, 1.0), "6500K": (1.0, 0.88, 0.77)}


@dataclass(frozen=True)
class Design:
    tint_bgr: tuple[int, int, int] = PINK
    guilloche: bool = False
    font: int = cv2.FONT_HERSHEY_DUPLEX


def citizen(seed: int) -> Citizen:
    from kiosk.credential.models import CardModel

    return generate_citizen(random.Random(f"foreign-card-{seed}"), model=CardModel.G)


def _ground(design: Design) -> np.ndarray:
    img = np.empty((H, W, 3), np.float32)
    img[:] = design.tint_bgr
    if design.guilloche:
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        for colour, spacing, phase, amp in (((170, 205, 120), 4.0, 0.0, 14.0), ((200, 120, 215), 5.0, 1.3, 9.0)):
            wave = yy + amp * np.sin(xx / 37.0 + phase) + 6.0 * np.sin(xx / 11.0)
            line = np.clip(1.0 - np.abs(((wave / spacing) % 1.0) - 0.5) * 2.0 * spacing / 1.2, 0.0, 1.0)
            img = img * (1 - 0.55 * line[..., None]) + np.array(colour, np.float32) * 0.55 * line[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def _text(img: np.ndarray, text: str, x: int, baseline: int, cap_px: float, font: int,
          colour: tuple[int, int, int] = (35, 30, 30), thickness: int = 2) -> None:
    scale = cap_px / 22.0  # Hershey caps are ~22 px tall at scale 1
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()  # Hershey faces are ASCII
    cv2.putText(img, text, (x, baseline), font, scale, colour, thickness, cv2.LINE_AA)


def _face() -> np.ndarray:
    path = next(p for p in sorted(FACES.iterdir()) if p.suffix.lower() in (".jpg", ".png") and "32bit" not in p.name)
    face = cv2.imread(str(path), cv2.IMREAD_COLOR)
    h, w = face.shape[:2]
    side = min(h, int(w * 1.27))
    crop = face[(h - side) // 2:(h + side) // 2, max(0, (w - int(side / 1.27)) // 2):][:, :int(side / 1.27)]
    return cv2.resize(crop, (260, 330), interpolation=cv2.INTER_AREA)


def render_front(c: Citizen, design: Design = Design()) -> np.ndarray:
    """A G/H-like front: photo left, names, sex, CURP, birth date, sección in a Hershey face."""
    img = _ground(design)
    img[128:458, 34:294] = _face()
    f = design.font
    _text(img, "INSTITUTO ELECTORAL", 320, 70, 26, f, (90, 60, 60))
    _text(img, "NOMBRE", 320, 140, 12, f, (110, 90, 90), 1)
    for i, part in enumerate((c.surname_paternal, c.surname_maternal, c.given_names)):
        _text(img, part, 320, 176 + i * 34, 22, f)
    _text(img, "SEXO", 840, 140, 12, f, (110, 90, 90), 1)
    _text(img, c.sex, 840, 176, 22, f)
    _text(img, "DOMICILIO", 320, 270, 12, f, (110, 90, 90), 1)
    for i, part in enumerate(c.address_lines[:2]):
        _text(img, part[:34], 320, 300 + i * 28, 17, f, thickness=1)
    _text(img, "CURP " + c.curp, 320, 400, 19, f)
    _text(img, "FECHA DE NACIMIENTO", 320, 440, 12, f, (110, 90, 90), 1)
    _text(img, c.birth_date.strftime("%d/%m/%Y"), 320, 474, 22, f)
    _text(img, "SECCION " + c.seccion, 600, 474, 22, f)
    _text(img, f"VIGENCIA {c.emission_year} - {c.vigencia_year}", 600, 540, 19, f)
    return img


def render_back(c: Citizen, design: Design = Design()) -> np.ndarray:
    """A back with a printed code block, a signature line and the TD1 MRZ (OCR-B) on the same tinted ground."""
    from kiosk.dev.synth.card import draw_mrz  # OCR-B at the ICAO pitch: the MRZ is the one standardised part

    img = _ground(design)
    rng = np.random.default_rng(len(c.curp) + int(c.cic))
    # G/H backs carry two large codes and a small one (the layout check reads the family from them).
    for x0, size in ((40, 250), (310, 250), (860, 110)):
        block = (rng.random((25, 25)) < 0.5).astype(np.uint8) * 200
        img[60:60 + size, x0:x0 + size] = (30 + cv2.resize(block, (size, size),
                                                             interpolation=cv2.INTER_NEAREST))[..., None]
    _text(img, "FIRMA", 600, 220, 14, design.font, (110, 90, 90), 1)
    xs = np.linspace(600, 960, 120)
    ys = 280 + 25 * np.sin(xs / 23.0) * np.cos(xs / 57.0)
    cv2.polylines(img, [np.stack([xs, ys], 1).astype(np.int32)], False, (110, 60, 40), 2, cv2.LINE_AA)
    _text(img, "DOCUMENTO DE PRUEBA SIN VALIDEZ", 340, 380, 16, design.font, (90, 80, 80), 1)
    draw_mrz(img, mrz_lines(c))
    return img


# ----------------------------------------------------------------------------------------------------- attacks

def grey_photocopy(card: np.ndarray, seed: int = 0) -> np.ndarray:
    """A grey copy: luminance only, copier curve (highlights to paper white, midtones flattened), toner dust."""
    rng = np.random.default_rng(seed)
    g = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY).astype(np.float32)
    g = np.clip((g - 35.0) / 190.0, 0, 1) ** 0.8 * 225 + 22
    g = cv2.GaussianBlur(g, (0, 0), 0.9) + rng.normal(0, 2.5, g.shape)
    dust = rng.random(g.shape) < 0.001
    g[dust] = rng.uniform(30, 90, int(dust.sum()))
    return cv2.cvtColor(np.clip(g, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def phone_replay(card: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The card shown on a phone: black bezel and letterbox, backlight floor, RGB stripe subpixels. Returns
    the phone image and the card's box in it."""
    disp_h = 300
    disp_w = int(disp_h * W / H)
    scr_h, scr_w = disp_h + 24, int((disp_h + 24) * 2.15)
    screen = np.zeros((scr_h, scr_w, 3), np.float32)
    sx, sy = (scr_w - disp_w) // 2, (scr_h - disp_h) // 2
    screen[sy:sy + disp_h, sx:sx + disp_w] = cv2.resize(card, (disp_w, disp_h), interpolation=cv2.INTER_AREA)
    screen = 24 + screen * (231 / 255) * np.array((1.08, 1.0, 0.9), np.float32)
    k = 3
    big = cv2.resize(screen, (k * scr_w, k * scr_h), interpolation=cv2.INTER_NEAREST)
    stripes = np.full((1, k * scr_w, 3), 0.45, np.float32)
    for ch, col in ((2, 0), (1, 1), (0, 2)):
        stripes[0, col::k, ch] = 1.0
    big *= stripes
    bezel = 40
    phone = np.full((big.shape[0] + 2 * bezel, big.shape[1] + 2 * bezel, 3), 16, np.float32)
    phone[bezel:-bezel, bezel:-bezel] = big * 1.6  # the camera's auto-exposure on a dimmer, self-lit display
    box = (bezel + k * sx, bezel + k * sy, bezel + k * (sx + disp_w), bezel + k * (sy + disp_h))
    return np.clip(phone, 0, 255).astype(np.uint8), box


# ------------------------------------------------------------------------------------------------------- scene

@dataclass(frozen=True)
class Scene:
    image: np.ndarray  # the decoded JPEG still, BGR
    corners: np.ndarray  # the card's true corners (TL, TR, BR, BL) in the still


def _rounded_alpha(w: int, h: int, r: float) -> np.ndarray:
    a = np.zeros((h, w), np.uint8)
    ri = int(round(r))
    cv2.rectangle(a, (ri, 0), (w - ri, h), 255, -1)
    cv2.rectangle(a, (0, ri), (w, h - ri), 255, -1)
    for cx, cy in ((ri, ri), (w - ri, ri), (ri, h - ri), (w - ri, h - ri)):
        cv2.circle(a, (cx, cy), ri, 255, -1, cv2.LINE_AA)
    return a


def place(plane: np.ndarray, box: tuple[int, int, int, int] | None = None, *, cast: tuple[float, float, float]
          = (1.0, 1.0, 1.0), seed: int = 0, desk_bgr: tuple[int, int, int] = (128, 128, 128),
          rounded: bool = True, tilt_deg: float = 8.0, blur_sigma: float = 0.8,
          size: tuple[int, int] = (1600, 1200), card_width: float = 0.6, jpeg: int = 85) -> Scene:
    """``plane`` (a card, a copy or a phone; ``box`` = the card in it) on a desk of ``desk_bgr``, turned by
    ``tilt_deg`` in mild perspective, under ``cast``, defocused, noisy and JPEG-compressed."""
    rng = np.random.default_rng(seed)
    fw, fh = size
    ph, pw = plane.shape[:2]
    bx0, by0, bx1, by1 = box or (0, 0, pw, ph)
    card_w = card_width * fw
    k = card_w / (bx1 - bx0)
    centre = np.array([fw / 2 + rng.uniform(-0.05, 0.05) * fw, fh / 2 + rng.uniform(-0.05, 0.05) * fh])
    a = math.radians(tilt_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    mid = np.array([(bx0 + bx1) / 2, (by0 + by1) / 2])
    dst = np.float32([centre + rot @ ((p - mid) * k) for p in src])
    dst += rng.uniform(-0.015, 0.015, (4, 2)).astype(np.float32) * card_w  # perspective
    hom = cv2.getPerspectiveTransform(src, dst)
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    desk = np.empty((fh, fw, 3), np.float32)
    desk[:] = desk_bgr
    desk *= (0.92 + 0.08 * np.sin(xx / 90.0 + yy / 140.0))[..., None]
    warped = cv2.warpPerspective(plane, hom, (fw, fh), flags=cv2.INTER_LINEAR).astype(np.float32)
    alpha_src = _rounded_alpha(pw, ph, 3.18 / 85.6 * pw) if rounded else np.full((ph, pw), 255, np.uint8)
    alpha = cv2.warpPerspective(alpha_src, hom, (fw, fh)).astype(np.float32)[..., None] / 255.0
    img = desk * (1 - alpha) + warped * alpha
    img *= np.array(cast, np.float32)
    img = cv2.GaussianBlur(img, (0, 0), blur_sigma) + rng.normal(0, 3.0, img.shape).astype(np.float32)
    ok, buf = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, jpeg])
    assert ok
    still = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    card_src = np.float32([[bx0, by0], [bx1, by0], [bx1, by1], [bx0, by1]]).reshape(-1, 1, 2)
    corners = cv2.perspectiveTransform(card_src, hom).reshape(4, 2)
    return Scene(still, corners)
