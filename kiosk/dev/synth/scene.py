"""Camera-like scenes of a card: background, hand, perspective, blur, glare, noise, exposure, JPEG, and attacks.

``make_scene(card_bgr, rng, difficulty, attack)`` returns the scene and a JSON-able label whose 'corners' are the
exact image of the card's corners (0,0), (W,0), (W,H), (0,H) under the homography that placed it (TL, TR, BR, BL
in scene pixels; they may lie outside the frame for the 'partial' attack). For the 'screen' attack the corners are
those of the card as displayed on the phone; for 'blank' those of the blank card or sheet.

Difficulty parameter ranges (card width as a fraction of the frame width, angles in degrees, blur/noise in scene
pixels; a range is drawn uniformly):

=============  ===========  ===========  ===========
parameter      easy         normal       hard
=============  ===========  ===========  ===========
card_width     0.55-0.75    0.42-0.80    0.36-0.85
rotation       ±5           ±15          ±35
perspective    0-0.03       0.02-0.07    0.05-0.11   (corner jitter, fraction of card width)
defocus sigma  0-0.5        0.3-1.0      0.6-1.3
motion length  0            0-4 (p=0.3)  2-6 (p=0.6)
glare          p=0.1, 0.2-0.35   p=0.4, 0.3-0.6   p=0.7, 0.5-0.85   (peak added brightness / 255)
noise sigma    1-2.5        2-5          4-8
gain, gamma    0.9-1.1, 1   0.75-1.25, 0.85-1.15  0.6-1.4, 0.75-1.3
light falloff  0-0.15       0.1-0.3      0.2-0.45
jpeg quality   88-95        75-92        60-85
hand           p=0.3        p=0.5        p=0.7
=============  ===========  ===========  ===========

Attacks: 'photocopy' (grey, copier tone curve with few levels, paper texture, toner specks; cut out or on a
sheet), 'screen' (the card displayed on a phone in landscape: letterbox, colour cast, raised black level, RGB
stripe subpixels whose resampling gives moiré, glass reflection, bezel; exposure gain ×1.5 as auto-exposure),
'partial' (20-55 % of the card pushed out of the frame), 'blank' (a blank white card or sheet).
:func:`make_empty_scene` gives card-less frames (corners None) and :func:`make_capture_sequence` preview frames
of a card being brought in and held.

Glare is kept off the MRZ band (bottom 32 % of the card) and the thumb off the MRZ's margins, so even 'hard'
scenes leave the MRZ legible at the still resolution (MRZ pitch ≥ 16 px at the smallest card width); scenes
meant to be unreadable are the attacks, or come from ``overrides``.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from kiosk.errors import ImageError, InvalidField

DIFFICULTIES = ("easy", "normal", "hard")
ATTACKS = ("photocopy", "screen", "partial", "blank")
CARD_CORNER_RADIUS_FRACTION = 3.18 / 85.6  # ISO/IEC 7810 ID-1 corner radius over card width

_RANGES: dict[str, dict[str, Any]] = {
    "easy": dict(card_width=(0.55, 0.75), rotation=5, perspective=(0.0, 0.03), defocus=(0.0, 0.5),
                 motion=(0.0, (0, 0)), glare=(0.1, (0.2, 0.35)), noise=(1.0, 2.5), gain=(0.9, 1.1),
                 gamma=(1.0, 1.0), falloff=(0.0, 0.15), jpeg=(88, 95), hand=0.3),
    "normal": dict(card_width=(0.42, 0.80), rotation=15, perspective=(0.02, 0.07), defocus=(0.3, 1.0),
                   motion=(0.3, (0, 4)), glare=(0.4, (0.3, 0.6)), noise=(2.0, 5.0), gain=(0.75, 1.25),
                   gamma=(0.85, 1.15), falloff=(0.1, 0.3), jpeg=(75, 92), hand=0.5),
    "hard": dict(card_width=(0.36, 0.85), rotation=35, perspective=(0.05, 0.11), defocus=(0.6, 1.3),
                 motion=(0.6, (2, 6)), glare=(0.7, (0.5, 0.85)), noise=(4.0, 8.0), gain=(0.6, 1.4),
                 gamma=(0.75, 1.3), falloff=(0.2, 0.45), jpeg=(60, 85), hand=0.7),
}


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi)) if hi > lo else float(lo)


def sample_params(rng: np.random.Generator, difficulty: str, attack: str | None) -> dict[str, Any]:
    """Draw every scene parameter for ``difficulty`` (see the module table). Deterministic per ``rng`` state."""
    r = _RANGES[difficulty]
    p: dict[str, Any] = {}
    p["background"] = str(rng.choice(["wood", "textured", "cluttered", "fabric"]))
    p["card_width_fraction"] = _u(rng, *r["card_width"])
    p["rotation_deg"] = _u(rng, -r["rotation"], r["rotation"])
    p["perspective"] = _u(rng, *r["perspective"])
    p["corner_jitter"] = rng.uniform(-1, 1, size=(4, 2)).round(4).tolist()
    p["position"] = rng.uniform(0, 1, size=2).round(4).tolist()
    p["defocus_sigma_px"] = _u(rng, *r["defocus"])
    p_motion, (m_lo, m_hi) = r["motion"]
    p["motion_length_px"] = _u(rng, m_lo, m_hi) if rng.random() < p_motion else 0.0
    p["motion_angle_deg"] = _u(rng, 0, 180)
    p_glare, (g_lo, g_hi) = r["glare"]
    p["glare_strength"] = _u(rng, g_lo, g_hi) if rng.random() < p_glare else 0.0
    p["glare_center"] = [_u(rng, 0.1, 0.9), _u(rng, 0.08, 0.6)]  # card fractions, above the MRZ band
    p["glare_radius"] = _u(rng, 0.05, 0.14)  # fraction of the card width
    p["noise_sigma"] = _u(rng, *r["noise"])
    p["gain"] = _u(rng, *r["gain"])
    p["gamma"] = _u(rng, *r["gamma"])
    p["white_balance"] = rng.uniform(0.94, 1.06, size=3).round(4).tolist()
    p["falloff"] = _u(rng, *r["falloff"])
    p["falloff_angle_deg"] = _u(rng, 0, 360)
    p["jpeg_quality"] = int(rng.integers(r["jpeg"][0], r["jpeg"][1] + 1))
    p["hand"] = bool(rng.random() < r["hand"]) and attack not in ("screen", "blank")
    p["hand_side"] = str(rng.choice(["left", "right"]))
    p["hand_y"] = _u(rng, 0.25, 0.5)
    p["skin_bgr"] = [int(v) for v in rng.integers((70, 100, 140), (130, 160, 215))]
    p["shadow"] = _u(rng, 0.15, 0.45)
    if attack == "photocopy":
        p["copy_on_sheet"] = bool(rng.random() < 0.5)
        p["copy_levels"] = int(rng.integers(4, 9))
        p["toner_density"] = _u(rng, 0.0005, 0.003)
    elif attack == "screen":
        p["screen_px_high"] = int(rng.integers(280, 440))
        p["screen_cast_bgr"] = [_u(rng, 1.0, 1.15), _u(rng, 0.95, 1.05), _u(rng, 0.82, 0.95)]
        p["screen_black_level"] = _u(rng, 12, 35)
        p["screen_glare"] = _u(rng, 0.1, 0.35)
        p["gain"] *= 1.5  # auto-exposure on a self-lit, dimmer-than-paper display
    elif attack == "partial":
        p["out_fraction"] = _u(rng, 0.2, 0.55)
        p["out_side"] = str(rng.choice(["left", "right", "top", "bottom", "corner"]))
    elif attack == "blank":
        p["blank_kind"] = str(rng.choice(["card", "sheet"]))
        p["blank_tone"] = _u(rng, 225, 250)
    return p


# ---------------------------------------------------------------- backgrounds

def _smooth_noise(rng: np.random.Generator, w: int, h: int, cell: int) -> np.ndarray:
    small = rng.random((max(h // cell, 2), max(w // cell, 2))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def make_background(rng: np.random.Generator, kind: str, w: int, h: int) -> np.ndarray:
    """A synthetic surface: 'wood' table, 'textured', 'cluttered' desk or 'fabric'. BGR uint8 (h, w)."""
    # Drawn at half size then upscaled: cheaper, and the camera blurs the background anyway.
    return cv2.resize(_background_half(rng, kind, w // 2, h // 2), (w, h), interpolation=cv2.INTER_LINEAR)


def _background_half(rng: np.random.Generator, kind: str, sw: int, sh: int) -> np.ndarray:
    base = rng.integers(60, 200, size=3).astype(np.float32)
    if kind == "wood":
        base = np.array([rng.uniform(40, 90), rng.uniform(80, 130), rng.uniform(120, 180)], np.float32)
        yy = np.arange(sh, dtype=np.float32)[:, None]
        warp = _smooth_noise(rng, sw, sh, 64) * 40
        grain = 0.5 + 0.5 * np.sin((yy + warp) / rng.uniform(3, 8))
        tone = 0.75 + 0.25 * grain + 0.1 * (_smooth_noise(rng, sw, sh, 8) - 0.5)
        img = tone[..., None] * base
    elif kind == "fabric":
        yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
        period = rng.uniform(3, 7)
        weave = 0.5 + 0.25 * np.sin(xx * 2 * math.pi / period) * np.sin(yy * 2 * math.pi / period)
        img = (0.7 + 0.3 * weave + 0.15 * (_smooth_noise(rng, sw, sh, 40) - 0.5))[..., None] * base
    else:
        tone = 0.7 + 0.35 * _smooth_noise(rng, sw, sh, 30) + 0.1 * (rng.random((sh, sw)) - 0.5)
        img = tone[..., None].astype(np.float32) * base
        if kind == "cluttered":
            img = np.clip(img, 0, 255).astype(np.uint8)
            for _ in range(int(rng.integers(8, 20))):
                color = tuple(int(v) for v in rng.integers(0, 256, 3))
                x, y = int(rng.integers(0, sw)), int(rng.integers(0, sh))
                shape = rng.integers(0, 4)
                if shape == 0:
                    cv2.rectangle(img, (x, y), (x + int(rng.integers(20, 200)), y + int(rng.integers(10, 120))),
                                  color, -1)
                elif shape == 1:
                    cv2.circle(img, (x, y), int(rng.integers(8, 60)), color, -1, cv2.LINE_AA)
                elif shape == 2:
                    cv2.line(img, (x, y), (int(rng.integers(0, sw)), int(rng.integers(0, sh))), color,
                             int(rng.integers(1, 6)), cv2.LINE_AA)
                else:  # text-like rows: a paper with writing
                    pw, ph = int(rng.integers(80, 220)), int(rng.integers(60, 160))
                    cv2.rectangle(img, (x, y), (x + pw, y + ph), (235, 235, 235), -1)
                    for row in range(y + 10, y + ph - 6, 9):
                        cv2.line(img, (x + 8, row), (x + 8 + int(rng.integers(20, max(pw - 16, 21))), row),
                                 (60, 60, 60), 2)
            img = img.astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- geometry

def _card_quad(p: dict[str, Any], card_w: float, card_h: float, frame_w: int, frame_h: int,
               attack: str | None) -> np.ndarray:
    width = p["card_width_fraction"] * frame_w
    height = width * card_h / card_w
    a = math.radians(p["rotation_deg"])
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    rect = np.array([[-width / 2, -height / 2], [width / 2, -height / 2], [width / 2, height / 2],
                     [-width / 2, height / 2]])
    quad = rect @ rot.T + np.array(p["corner_jitter"]) * p["perspective"] * width
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    span = hi - lo
    if attack == "partial":
        # Push the card past one side by out_fraction of its extent.
        cx = frame_w / 2 + (p["position"][0] - 0.5) * max(frame_w - span[0], 0) * 0.5
        cy = frame_h / 2 + (p["position"][1] - 0.5) * max(frame_h - span[1], 0) * 0.5
        side, f = p["out_side"], p["out_fraction"]
        if side in ("left", "corner"):
            cx = -lo[0] - span[0] * f
        if side == "right":
            cx = frame_w - hi[0] + span[0] * f
        if side == "top":
            cy = -lo[1] - span[1] * f
        if side in ("bottom", "corner"):
            cy = frame_h - hi[1] + span[1] * f
        return quad + np.array([cx, cy])
    margin = 0.03 * np.array([frame_w, frame_h])
    # A large card turned far can overflow the frame: shrink it until it fits (genuine scenes show all of it).
    fit = float(min(1.0, *((np.array([frame_w, frame_h]) - 2 * margin) / span)))
    if fit < 1.0:
        quad = quad * fit
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        span = hi - lo
    free = np.maximum(np.array([frame_w, frame_h]) - span - 2 * margin, 0)
    offset = margin - lo + free * np.array(p["position"])
    return quad + offset


def _rounded_alpha(w: int, h: int, radius: float) -> np.ndarray:
    alpha = np.zeros((h, w), np.uint8)
    r = int(round(radius))
    cv2.rectangle(alpha, (r, 0), (w - 1 - r, h - 1), 255, -1)
    cv2.rectangle(alpha, (0, r), (w - 1, h - 1 - r), 255, -1)
    for cx, cy in ((r, r), (w - 1 - r, r), (w - 1 - r, h - 1 - r), (r, h - 1 - r)):
        cv2.circle(alpha, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return alpha


def _draw_hand(plane: np.ndarray, alpha: np.ndarray, p: dict[str, Any], card_box: tuple[int, int, int, int],
               layer: str) -> None:
    """Skin-coloured fingers behind the card edge ('behind') or a thumb over it ('front'), in the card plane."""
    x0, y0, x1, y1 = card_box
    w, h = x1 - x0, y1 - y0
    skin = tuple(int(v) for v in p["skin_bgr"])
    is_left = p["hand_side"] == "left"
    edge_x = x0 if is_left else x1
    out = -1 if is_left else 1
    cy = y0 + p["hand_y"] * h
    if layer == "behind":
        for i in range(4):  # fingers behind the card, reaching out from under it
            fy = int(cy - 0.18 * h + i * 0.12 * h)
            center = (int(edge_x + out * 0.03 * w), fy)
            axes = (int(0.09 * w), int(0.045 * h))
            cv2.ellipse(plane, center, axes, 0, 0, 360, skin, -1, cv2.LINE_AA)
            cv2.ellipse(alpha, center, axes, 0, 0, 360, 255, -1, cv2.LINE_AA)
        palm = (int(edge_x + out * 0.13 * w), int(cy))
        cv2.ellipse(plane, palm, (int(0.09 * w), int(0.26 * h)), 0, 0, 360, skin, -1, cv2.LINE_AA)
        cv2.ellipse(alpha, palm, (int(0.09 * w), int(0.26 * h)), 0, 0, 360, 255, -1, cv2.LINE_AA)
    else:  # the thumb presses the card's short edge, reaching ≤ 4 % of the card width inwards
        center = (int(edge_x + out * 0.025 * w), int(cy + 0.05 * h))
        axes = (int(0.06 * w), int(0.075 * h))
        shade = tuple(int(v * 0.9) for v in skin)
        cv2.ellipse(plane, center, axes, 15 * out, 0, 360, shade, -1, cv2.LINE_AA)
        cv2.ellipse(alpha, center, axes, 15 * out, 0, 360, 255, -1, cv2.LINE_AA)
        nail = (int(edge_x - out * 0.012 * w), int(cy + 0.05 * h))
        cv2.ellipse(plane, nail, (int(0.018 * w), int(0.03 * h)), 0, 0, 360,
                    tuple(min(int(v * 1.15), 255) for v in skin), -1, cv2.LINE_AA)


# ---------------------------------------------------------------- attacks on the card image

def _photocopy(card: np.ndarray, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, tuple]:
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY).astype(np.float32)
    # Copier tone curve: midtones flattened into few levels, highlights blown to paper white.
    levels = p["copy_levels"]
    g = np.clip((gray - 40) / 180, 0, 1)
    g = np.round(g * (levels - 1)) / (levels - 1)
    g = cv2.GaussianBlur(g, (0, 0), 1.0) * 225 + 25
    h, w = g.shape
    if p["copy_on_sheet"]:
        pad_x, pad_y = int(w * 0.25), int(h * 0.35)
        sheet = np.full((h + 2 * pad_y, w + 2 * pad_x), 250, np.float32)
        sheet[pad_y:pad_y + h, pad_x:pad_x + w] = g
        g, box = sheet, (pad_x, pad_y, pad_x + w, pad_y + h)
    else:
        box = (0, 0, w, h)
    gh, gw = g.shape
    paper = (_smooth_noise(rng, gw, gh, 25) - 0.5) * 10 + (rng.random((gh, gw)).astype(np.float32) - 0.5) * 6
    g = g + paper
    toner = rng.random((gh, gw)) < p["toner_density"]
    g[toner] = rng.uniform(20, 90, size=int(toner.sum()))
    g = cv2.GaussianBlur(g, (3, 3), 0)
    out = np.clip(g, 0, 255).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR), box


def _screen(card: np.ndarray, p: dict[str, Any]) -> tuple[np.ndarray, tuple]:
    """The card shown on a phone in landscape: letterboxed, colour cast, subpixel grid, bezel. Returns the
    phone image and the card's box in it."""
    scr_h = p["screen_px_high"]
    scr_w = int(scr_h * 2.1)
    disp_h = int(scr_h * 0.92)
    disp_w = int(disp_h * card.shape[1] / card.shape[0])
    screen = np.zeros((scr_h, scr_w, 3), np.float32)
    sx, sy = (scr_w - disp_w) // 2, (scr_h - disp_h) // 2
    screen[sy:sy + disp_h, sx:sx + disp_w] = cv2.resize(card, (disp_w, disp_h), interpolation=cv2.INTER_AREA)
    black = p["screen_black_level"]
    screen = black + screen * np.array(p["screen_cast_bgr"], np.float32) * (255 - black) / 255
    # Each screen pixel becomes 3×3 device pixels: vertical R, G, B stripes with a dark gap row.
    k = 3
    big = cv2.resize(screen, (k * scr_w, k * scr_h), interpolation=cv2.INTER_NEAREST)
    # Each stripe shows its own channel fully and leaks 40 % of the others (a camera never resolves subpixels
    # perfectly); the gap row loses 25 %. The display ends up ~55 % as bright as the card: the scene's exposure
    # gain for screens is raised to match (see sample_params), as a camera's auto-exposure would.
    stripes = np.full((1, k * scr_w, 3), 0.4, np.float32)
    for ch, col in ((2, 0), (1, 1), (0, 2)):
        stripes[0, col::k, ch] = 1.0
    rows = np.ones((k * scr_h, 1, 1), np.float32)
    rows[k - 1::k] = 0.75
    big *= stripes
    big *= rows
    # Reflection of the room on the glass: a soft diagonal band.
    bh, bw = big.shape[:2]
    diag = (np.arange(bw, dtype=np.float32) / bw)[None, :] - (np.arange(bh, dtype=np.float32) / bh * 0.6)[:, None]
    band = np.exp(-((diag - 0.35) ** 2) / 0.02) * np.float32(p["screen_glare"] * 255)
    big += band[..., None]
    bezel = int(0.06 * bh)
    phone = np.full((bh + 2 * bezel, bw + 2 * bezel, 3), 22, np.uint8)
    phone[bezel:bezel + bh, bezel:bezel + bw] = np.clip(big, 0, 255).astype(np.uint8)
    box = (bezel + k * sx, bezel + k * sy, bezel + k * (sx + disp_w), bezel + k * (sy + disp_h))
    return phone, box


def _blank(card: np.ndarray, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, tuple]:
    h, w = card.shape[:2]
    if p["blank_kind"] == "sheet":  # a letter-size sheet
        h = int(w * 1.29)
    tone = p["blank_tone"]
    img = np.full((h, w), tone, np.float32) + (_smooth_noise(rng, w, h, 50) - 0.5) * 8
    return cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR), (0, 0, w, h)


# ---------------------------------------------------------------- photometric effects

def _motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    size = max(int(math.ceil(length)) | 1, 3)
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    dx, dy = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    cv2.line(kernel, (int(round(c - dx * length / 2)), int(round(c - dy * length / 2))),
             (int(round(c + dx * length / 2)), int(round(c + dy * length / 2))), 1.0, 1, cv2.LINE_AA)
    return kernel / kernel.sum()


def _sensor_noise(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Gaussian sensor noise (int16) drawn at half resolution and enlarged: demosaicing correlates neighbouring
    pixels' noise in real cameras anyway, and it is 4× cheaper. OpenCV's generator is seeded from ``rng``."""
    h, w = shape[:2]
    half = np.empty(((h + 1) // 2, (w + 1) // 2) + tuple(shape[2:]), np.int16)
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
    cv2.randn(half, 0.0, float(sigma))
    return cv2.resize(half, (w, h), interpolation=cv2.INTER_NEAREST)


def make_scene(card_bgr: np.ndarray, rng: np.random.Generator, difficulty: str = "normal",
               attack: str | None = None, frame_size: tuple[int, int] = (1600, 1200),
               overrides: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Photograph ``card_bgr`` as a camera would; see :func:`make_scene_jpeg` (same arguments and errors).

    Returns (scene BGR uint8 of frame_size, label).
    """
    scene_bgr, label, _ = make_scene_jpeg(card_bgr, rng, difficulty, attack, frame_size, overrides)
    return scene_bgr, label


def make_scene_jpeg(card_bgr: np.ndarray, rng: np.random.Generator, difficulty: str = "normal",
                    attack: str | None = None, frame_size: tuple[int, int] = (1600, 1200),
                    overrides: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any], bytes]:
    """Photograph ``card_bgr`` (a rendered card, any size) as a camera would. Deterministic per ``rng`` state.

    ``difficulty`` is 'easy', 'normal' or 'hard' (ranges in the module doc); ``attack`` is None, 'photocopy',
    'screen', 'partial' or 'blank'; ``frame_size`` is (width, height) px; ``overrides`` replaces sampled
    parameters by name (e.g. ``{'glare_strength': 0.0}``). Returns (scene BGR uint8 of frame_size, label,
    the scene's JPEG bytes — the scene is exactly their decoding, so writing them avoids a second compression),
    with label keys 'corners', 'difficulty', 'attack', 'params', 'frame_size', 'card_size', 'homography',
    'visible_fraction', 'is_blank'.

    Raises InvalidField('difficulty' / 'attack' / 'frame_size' / 'overrides', ...) on bad arguments and
    ImageError if ``card_bgr`` is not a BGR uint8 image.
    """
    if difficulty not in DIFFICULTIES:
        raise InvalidField("difficulty", f"{difficulty!r} is not one of {', '.join(DIFFICULTIES)}")
    if attack is not None and attack not in ATTACKS:
        raise InvalidField("attack", f"{attack!r} is not one of {', '.join(ATTACKS)} (or None)")
    if not isinstance(card_bgr, np.ndarray) or card_bgr.dtype != np.uint8 or card_bgr.ndim != 3 \
            or card_bgr.shape[2] != 3 or min(card_bgr.shape[:2]) < 32:
        raise ImageError("card image must be a BGR uint8 array of at least 32×32 px")
    fw, fh = (int(v) for v in frame_size)
    if not (64 <= fw <= 8000 and 64 <= fh <= 8000):
        raise InvalidField("frame_size", f"{frame_size!r} must be (width, height) between 64 and 8000 px")
    p = sample_params(rng, difficulty, attack)
    if overrides:
        unknown = set(overrides) - set(p)
        if unknown:
            raise InvalidField("overrides", f"unknown scene parameter(s) {sorted(unknown)}")
        p.update(overrides)

    # Illumination (falloff across the frame × white balance × exposure gain) is smooth, so it is computed at
    # half resolution: applied to the background before upscaling and to the object inside its box only.
    hw_, hh_ = fw // 2, fh // 2
    ang = math.radians(p["falloff_angle_deg"])
    xs = (np.arange(hw_, dtype=np.float32) / hw_ - 0.5) * math.cos(ang)
    ys = (np.arange(hh_, dtype=np.float32) / hh_ - 0.5) * math.sin(ang)
    light = 1 - np.float32(p["falloff"]) * np.clip(ys[:, None] + xs[None, :] + 0.5, 0, 1)
    wb = [float(v) * p["gain"] for v in p["white_balance"]]
    light_half = cv2.multiply(cv2.cvtColor(light, cv2.COLOR_GRAY2BGR), (wb[0], wb[1], wb[2], 0.0))
    background = cv2.resize(cv2.multiply(_background_half(rng, p["background"], hw_, hh_), light_half,
                                         dtype=cv2.CV_8U), (fw, fh), interpolation=cv2.INTER_LINEAR)

    # The object placed in the scene ("plane") and the card's box inside it.
    if attack == "photocopy":
        plane, box = _photocopy(card_bgr, rng, p)
    elif attack == "screen":
        plane, box = _screen(card_bgr, p)
    elif attack == "blank":
        plane, box = _blank(card_bgr, rng, p)
    else:
        plane, box = card_bgr, (0, 0, card_bgr.shape[1], card_bgr.shape[0])
    ph, pw = plane.shape[:2]
    bx0, by0, bx1, by1 = box
    is_rounded = attack in (None, "partial") or (attack == "photocopy" and not p["copy_on_sheet"]) or (
        attack == "blank" and p["blank_kind"] == "card")
    plane_alpha = (_rounded_alpha(pw, ph, CARD_CORNER_RADIUS_FRACTION * pw) if is_rounded
                   else np.full((ph, pw), 255, np.uint8))
    if attack == "screen":
        plane_alpha = _rounded_alpha(pw, ph, 0.08 * ph)

    # Where the card (its box) lands; the rest of the plane follows the same homography.
    quad = _card_quad(p, bx1 - bx0, by1 - by0, fw, fh, attack)
    if attack == "screen":
        # A camera integrates light over each pixel: partially low-pass the subpixel grid before resampling it,
        # leaving the aliasing (moiré) a real photo of a screen shows without the grid collapsing to black.
        shrink = (bx1 - bx0) / max(float(np.linalg.norm(quad[1] - quad[0])), 1.0)
        if shrink > 1.2:
            plane = cv2.GaussianBlur(plane, (0, 0), 0.3 * shrink)
    src_box = np.float32([[bx0, by0], [bx1, by0], [bx1, by1], [bx0, by1]])
    homography = cv2.getPerspectiveTransform(src_box, quad.astype(np.float32))

    # Hand: draw in a padded plane so fingers can extend past the card, then warp with the same homography.
    pad = int(0.3 * pw) if p["hand"] else 0
    shift = np.array([[1, 0, -pad], [0, 1, -pad], [0, 0, 1]], np.float64)
    big = np.zeros((ph + 2 * pad, pw + 2 * pad, 3), np.uint8)
    big_alpha = np.zeros((ph + 2 * pad, pw + 2 * pad), np.uint8)
    if p["hand"]:
        _draw_hand(big, big_alpha, p, (pad + bx0, pad + by0, pad + bx1, pad + by1), "behind")
    a = plane_alpha.astype(np.float32)[..., None] / 255
    region = big[pad:pad + ph, pad:pad + pw].astype(np.float32)
    big[pad:pad + ph, pad:pad + pw] = (plane * a + region * (1 - a)).astype(np.uint8)
    big_alpha[pad:pad + ph, pad:pad + pw] = np.maximum(big_alpha[pad:pad + ph, pad:pad + pw], plane_alpha)
    if p["hand"]:
        _draw_hand(big, big_alpha, p, (pad + bx0, pad + by0, pad + bx1, pad + by1), "front")
    h_big = homography @ shift

    # Everything the object changes lies in its bounding box (plus shadow): composite only there.
    big_corners = np.float32([[[0, 0]], [[big.shape[1], 0]], [[big.shape[1], big.shape[0]]],
                              [[0, big.shape[0]]]])
    outline = cv2.perspectiveTransform(big_corners, h_big)[:, 0]
    sigma = max(fw / 200, 2.0)
    offset = (int(fw / 150), int(fh / 150))
    margin = int(3 * sigma) + max(offset) + 2
    rx0, ry0 = (int(max(np.floor(v) - margin, 0)) for v in outline.min(axis=0))
    rx1 = int(min(np.ceil(outline[:, 0].max()) + margin, fw))
    ry1 = int(min(np.ceil(outline[:, 1].max()) + margin, fh))
    scene_u8 = background
    if rx1 > rx0 and ry1 > ry0:
        rw, rh = rx1 - rx0, ry1 - ry0
        to_roi = np.array([[1, 0, -rx0], [0, 1, -ry0], [0, 0, 1]], np.float64)
        warped = cv2.warpPerspective(big, to_roi @ h_big, (rw, rh), flags=cv2.INTER_LINEAR)
        lx0, ly0 = rx0 // 2, ry0 // 2
        lx1, ly1 = min((rx1 + 1) // 2 + 1, hw_), min((ry1 + 1) // 2 + 1, hh_)
        light_roi = cv2.resize(light_half[ly0:ly1, lx0:lx1], ((lx1 - lx0) * 2, (ly1 - ly0) * 2),
                               interpolation=cv2.INTER_LINEAR)[ry0 - 2 * ly0:ry0 - 2 * ly0 + rh,
                                                               rx0 - 2 * lx0:rx0 - 2 * lx0 + rw]
        if light_roi.shape[:2] != (rh, rw):  # odd frame sizes: pad by edge replication
            light_roi = cv2.copyMakeBorder(light_roi, 0, rh - light_roi.shape[0], 0, rw - light_roi.shape[1],
                                           cv2.BORDER_REPLICATE)
        warped = cv2.multiply(warped, light_roi, dtype=cv2.CV_8U)
        alpha = cv2.warpPerspective(big_alpha, to_roi @ h_big, (rw, rh), flags=cv2.INTER_LINEAR)
        alpha = alpha.astype(np.float32) * np.float32(1 / 255)
        shadow_shift = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
        # The shadow is soft: blur it at quarter resolution.
        small = cv2.resize(cv2.warpAffine(alpha, shadow_shift, (rw, rh)), (max(rw // 4, 1), max(rh // 4, 1)),
                           interpolation=cv2.INTER_AREA)
        shadow = cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / 4), (rw, rh), interpolation=cv2.INTER_LINEAR)
        # uint8 arithmetic through OpenCV: several times faster than float numpy on a Pi-class CPU.
        shade = cv2.cvtColor(1 - np.float32(p["shadow"]) * shadow, cv2.COLOR_GRAY2BGR)
        roi = cv2.multiply(background[ry0:ry1, rx0:rx1], shade, dtype=cv2.CV_8U)
        roi = cv2.blendLinear(warped, roi, alpha, 1 - alpha)

        # Glare: a specular blob on the card surface (above the MRZ band), elongated along the card.
        if p["glare_strength"] > 0 and attack != "blank":
            gx, gy = p["glare_center"]
            centre = cv2.perspectiveTransform(
                np.float32([[[bx0 + gx * (bx1 - bx0), by0 + gy * (by1 - by0)]]]), to_roi @ homography)[0, 0]
            radius = float(p["glare_radius"] * np.linalg.norm(quad[1] - quad[0]))
            xs = ((np.arange(rw, dtype=np.float32) - centre[0]) / (1.6 * radius)) ** 2
            ys = ((np.arange(rh, dtype=np.float32) - centre[1]) / radius) ** 2
            blob = np.exp(-np.minimum(ys[:, None] + xs[None, :], 30.0))
            glare = cv2.cvtColor(blob * alpha * np.float32(p["glare_strength"] * 255), cv2.COLOR_GRAY2BGR)
            roi = cv2.add(roi, glare, dtype=cv2.CV_8U)
        scene_u8 = background.copy()
        scene_u8[ry0:ry1, rx0:rx1] = roi

    # Camera response: gamma.
    lut = np.clip(255 * np.power(np.arange(256) / 255.0, p["gamma"]) + 0.5, 0, 255).astype(np.uint8)
    scene_u8 = cv2.LUT(scene_u8, lut)

    if p["defocus_sigma_px"] > 0.05:
        scene_u8 = cv2.GaussianBlur(scene_u8, (0, 0), p["defocus_sigma_px"])
    if p["motion_length_px"] >= 1.0:
        scene_u8 = cv2.filter2D(scene_u8, -1, _motion_kernel(p["motion_length_px"], p["motion_angle_deg"]))
    noise = _sensor_noise(rng, scene_u8.shape, p["noise_sigma"])
    scene_u8 = cv2.add(scene_u8, noise, dtype=cv2.CV_8U)
    ok, buf = cv2.imencode(".jpg", scene_u8, [cv2.IMWRITE_JPEG_QUALITY, p["jpeg_quality"]])
    if not ok:
        raise ImageError("JPEG encoding of the scene failed")
    jpeg = buf.tobytes()
    scene_u8 = cv2.imdecode(buf, cv2.IMREAD_COLOR)

    corners = quad.astype(float)
    frame_poly = np.float32([[0, 0], [fw, 0], [fw, fh], [0, fh]])
    inter_area, _ = cv2.intersectConvexConvex(corners.astype(np.float32), frame_poly)
    d1, d2 = corners[2] - corners[0], corners[3] - corners[1]
    quad_area = 0.5 * abs(float(d1[0] * d2[1] - d1[1] * d2[0]))
    label = {
        "corners": [[round(float(x), 3), round(float(y), 3)] for x, y in corners],
        "difficulty": difficulty,
        "attack": attack,
        "params": _jsonable(p),
        "frame_size": [fw, fh],
        "card_size": [int(card_bgr.shape[1]), int(card_bgr.shape[0])],
        # card pixel → scene pixel: the card's box in the placed object (scaled on a screen) then the placement
        "homography": [[float(v) for v in row] for row in (homography @ np.array(
            [[(bx1 - bx0) / card_bgr.shape[1], 0, bx0], [0, (by1 - by0) / card_bgr.shape[0], by0], [0, 0, 1]],
            np.float64))],
        "visible_fraction": round(float(inter_area / quad_area), 4) if quad_area > 0 else 0.0,
        "is_blank": attack == "blank",
    }
    return scene_u8, label, jpeg


def make_capture_sequence(card_bgr: np.ndarray, rng: np.random.Generator, n_frames: int = 30,
                          difficulty: str = "easy", frame_size: tuple[int, int] = (640, 480),
                          fps: float = 15.0, settle_fraction: float = 0.5
                          ) -> list[tuple[float, np.ndarray, dict[str, Any]]]:
    """Preview frames of a card being brought in front of the camera and then held still, for auto-capture tests.

    During the first (1 - ``settle_fraction``) of the frames the card slides in from a corner, grows and turns
    (with motion blur); the rest it is held with sub-pixel tremor. The scene (background, light, card) stays the
    same. Returns (timestamp_s, frame, label) per frame; labels carry exact corners and 'is_settled'.
    Raises InvalidField for bad arguments (see :func:`make_scene`), 'n_frames' outside 1-2000, or
    'settle_fraction' outside 0-1.
    """
    if not isinstance(n_frames, int) or not 1 <= n_frames <= 2000:
        raise InvalidField("n_frames", f"must be an integer 1-2000, got {n_frames!r}")
    if not 0.0 <= settle_fraction <= 1.0:
        raise InvalidField("settle_fraction", f"must be 0-1, got {settle_fraction!r}")
    base_seed = int(rng.integers(0, 2**63 - 1))
    final = sample_params(np.random.default_rng(base_seed), difficulty, None)
    n_move = int(round(n_frames * (1 - settle_fraction)))
    frames = []
    for i in range(n_frames):
        progress = min(i / max(n_move, 1), 1.0) if n_move else 1.0
        ease = 1 - (1 - progress) ** 3  # decelerating as a hand does when aiming
        speed = 3 * (1 - progress) ** 2 / max(n_move, 1)  # derivative of the ease, per frame
        tremor = rng.normal(0, 0.002, size=2) if progress >= 1.0 else np.zeros(2)
        overrides = {
            "position": [float(np.clip(final["position"][0] * ease + tremor[0], 0, 1)),
                         float(np.clip(final["position"][1] * ease + tremor[1], 0, 1))],
            "card_width_fraction": final["card_width_fraction"] * (0.6 + 0.4 * ease),
            "rotation_deg": final["rotation_deg"] + 20 * (1 - ease),
            "motion_length_px": float(min(speed * frame_size[0] * 0.5, 25.0)),
            "motion_angle_deg": 35.0,
        }
        frame, label = make_scene(card_bgr, np.random.default_rng(base_seed), difficulty, None, frame_size,
                                  overrides)
        if progress >= 1.0:  # fresh sensor noise on every held frame, as a live camera gives
            frame = cv2.add(frame, _sensor_noise(rng, frame.shape, 1.5), dtype=cv2.CV_8U)
        label["is_settled"] = progress >= 1.0
        frames.append((round(i / fps, 4), frame, label))
    return frames


def make_empty_scene(rng: np.random.Generator, difficulty: str = "normal",
                     frame_size: tuple[int, int] = (1600, 1200)) -> tuple[np.ndarray, dict[str, Any]]:
    """A scene with no card at all (the same backgrounds, light, blur, noise and JPEG as :func:`make_scene`),
    labelled with ``corners`` None: the negative case for card detection. Raises InvalidField on bad arguments.
    """
    if difficulty not in DIFFICULTIES:
        raise InvalidField("difficulty", f"{difficulty!r} is not one of {', '.join(DIFFICULTIES)}")
    fw, fh = (int(v) for v in frame_size)
    if not (64 <= fw <= 8000 and 64 <= fh <= 8000):
        raise InvalidField("frame_size", f"{frame_size!r} must be (width, height) between 64 and 8000 px")
    p = sample_params(rng, difficulty, None)
    p["hand"] = False
    p["glare_strength"] = 0.0
    background = make_background(rng, p["background"], fw, fh)
    lut = np.clip(255 * np.power(np.arange(256) / 255.0, p["gamma"]) + 0.5, 0, 255).astype(np.uint8)
    wb = [float(v) * p["gain"] for v in p["white_balance"]]
    img = cv2.LUT(cv2.multiply(background, (wb[0], wb[1], wb[2], 0.0)), lut)
    if p["defocus_sigma_px"] > 0.05:
        img = cv2.GaussianBlur(img, (0, 0), p["defocus_sigma_px"])
    img = cv2.add(img, _sensor_noise(rng, img.shape, p["noise_sigma"]), dtype=cv2.CV_8U)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, p["jpeg_quality"]])
    if not ok:
        raise ImageError("JPEG encoding of the scene failed")
    label = {"corners": None, "difficulty": difficulty, "attack": None, "params": _jsonable(p),
             "frame_size": [fw, fh], "card_size": None, "homography": None, "visible_fraction": 0.0,
             "is_blank": False}
    return cv2.imdecode(buf, cv2.IMREAD_COLOR), label


def _jsonable(p: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in p.items():
        if isinstance(v, float):
            v = round(v, 4)
        elif isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out
