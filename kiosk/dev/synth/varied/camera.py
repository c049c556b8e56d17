"""A camera photographing a flat object on a desk, in linear light, with the metadata a real camera reports.

Light: a lamp of correlated colour temperature 2,700-6,500 K (its linear-RGB colour from the Planckian locus,
Kim et al.'s cubic fit, normalised so 6,504 K is neutral), falling off across the frame. The sensor sees
``reflectance × lamp × SENSOR_RGB`` (an emissive display adds its own light). White balance: an
auto-white-balancing camera (picamera2's AWB) estimates the lamp as ``ColourTemperature`` and applies
``ColourGains`` (red, blue; green = 1) for that estimate, as picamera2 reports in each frame's metadata; its
estimate is off by a few per cent ('awb') or 12-30 % ('wb_error'). A 'fixed_wb' camera applies gains for
5,000 K whatever the light and reports no colour metadata (``metadata`` None), as OpenCV/USB cameras do.
So the residual cast of a neutral surface in the image is exactly ``lamp(T) × SENSOR × gains(T_est)``
(``label['cast']['neutral_bgr_ratio']``), and a colour reference that is not the card can come from the
metadata, the desk, or the card's unprinted paper.

Then: auto-exposure (the scene's bright end to ~0.8 of full scale, ± error), laminate highlight (specular:
the lamp's own colour, possibly clipping), defocus and motion blur, shot and read noise, sRGB encoding, JPEG.
The card's true corners in the frame are the image of its corners under the placement homography.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from kiosk.errors import ImageError, InvalidField

FRAME_SIZE = (1600, 1200)  # the kiosk's still
SENSOR_RGB = np.array([0.52, 1.0, 0.66], np.float32)  # R, G, B raw sensitivity to a neutral 6,504 K light
# Colour filters overlap (each raw channel sees some of its neighbours' light), which is why a real camera's
# gains stay moderate under tungsten; the colour-correction matrix (its inverse, rows summing to 1) undoes it.
SENSOR_MIX = np.array([[0.80, 0.17, 0.03], [0.12, 0.76, 0.12], [0.03, 0.20, 0.77]], np.float32)  # raw RGB ← RGB
CCM = np.linalg.inv(SENSOR_MIX).astype(np.float32)
FIXED_WB_KELVIN = 5000.0
DESKS = ("black_mat", "dark_wood", "grey_fabric", "light_wood", "white_table", "paper_pile")
DARK_DESKS = ("black_mat", "dark_wood", "grey_fabric")
FRAME_MARGIN = 0.03  # 'inside' scenes keep the whole card ≥ 3 % of the frame from every edge

# sRGB <-> linear, as lookup tables (uint8 -> float32; 12-bit linear -> uint8).
_TO_LINEAR = np.array([(v / 255) / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4
                       for v in range(256)], np.float32)
_LIN_STEPS = 4096
_FROM_LINEAR = np.array([round(255 * (12.92 * x if x <= 0.0031308 else 1.055 * x ** (1 / 2.4) - 0.055))
                         for x in np.linspace(0, 1, _LIN_STEPS)], np.uint8)


def to_linear(img_u8: np.ndarray) -> np.ndarray:
    """sRGB uint8 → linear float32 0..1."""
    return cv2.LUT(img_u8, _TO_LINEAR.reshape(1, 256))


def from_linear(lin: np.ndarray) -> np.ndarray:
    """Linear float 0..1 (clipped) → sRGB uint8."""
    scaled = lin * np.float32(_LIN_STEPS - 1)
    np.clip(scaled, 0, _LIN_STEPS - 1, out=scaled)
    return _FROM_LINEAR[(scaled + np.float32(0.5)).astype(np.uint16)]


def planck_xy(kelvin: float) -> tuple[float, float]:
    """CIE 1931 xy of a blackbody at ``kelvin`` (Kim et al. 2002 cubic fit, valid 1,667-25,000 K)."""
    t = float(kelvin)
    if not 1667 <= t <= 25000:
        raise InvalidField("kelvin", f"{kelvin!r} is outside 1,667-25,000 K")
    if t <= 4000:
        x = -0.2661239e9 / t ** 3 - 0.2343589e6 / t ** 2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t ** 3 + 2.1070379e6 / t ** 2 + 0.2226347e3 / t + 0.240390
    if t <= 2222:
        y = -1.1063814 * x ** 3 - 1.34811020 * x ** 2 + 2.18555832 * x - 0.20219683
    elif t <= 4000:
        y = -0.9549476 * x ** 3 - 1.37418593 * x ** 2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x ** 3 - 5.87338670 * x ** 2 + 3.75112997 * x - 0.37001483
    return x, y


_XYZ_TO_RGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])


def _xy_to_rgb(x: float, y: float) -> np.ndarray:
    xyz = np.array([x / y, 1.0, (1 - x - y) / y])
    return _XYZ_TO_RGB @ xyz


def lamp_rgb(kelvin: float) -> np.ndarray:
    """Linear RGB of a lamp at ``kelvin``, green = 1, neutral (1, 1, 1) at 6,504 K."""
    rgb = _xy_to_rgb(*planck_xy(kelvin)) / _xy_to_rgb(*planck_xy(6504.0))
    return (rgb / rgb[1]).astype(np.float32)


def raw_of(linear_rgb: np.ndarray) -> np.ndarray:
    """Raw sensor RGB of light with linear RGB ``linear_rgb``."""
    return (SENSOR_MIX @ np.asarray(linear_rgb, np.float32)) * SENSOR_RGB


def colour_gains(kelvin: float) -> tuple[float, float]:
    """(red, blue) gains a camera applies to balance a lamp it believes is at ``kelvin`` (green gain 1)."""
    raw = raw_of(lamp_rgb(kelvin))
    return float(raw[1] / raw[0]), float(raw[1] / raw[2])


@dataclass(frozen=True)
class CameraState:
    """How the camera balanced this frame; ``metadata`` is what the camera reports (None: reports nothing)."""

    kind: str  # 'awb' | 'wb_error' | 'fixed_wb'
    lamp_kelvin: float
    estimated_kelvin: float | None
    gains_rb: tuple[float, float]
    metadata: dict[str, Any] | None

    @property
    def neutral_rgb(self) -> np.ndarray:
        """Linear RGB (green = 1) in which a neutral surface comes out: the residual cast."""
        balanced = raw_of(lamp_rgb(self.lamp_kelvin)) * np.array([self.gains_rb[0], 1.0, self.gains_rb[1]], np.float32)
        out = CCM @ balanced
        return (out / out[1]).astype(np.float32)


def sample_camera(rng: np.random.Generator, kind: str, kelvin_range: tuple[float, float]) -> CameraState:
    """A lamp temperature in ``kelvin_range`` and the camera's balance of it. Raises InvalidField for an
    unknown kind."""
    lamp = float(rng.uniform(*kelvin_range))
    if kind == "awb":
        est = lamp * float(np.exp(rng.normal(0, 0.03)))
    elif kind == "wb_error":
        est = lamp * (1 + float(rng.choice([-1, 1])) * float(rng.uniform(0.12, 0.30)))
    elif kind == "fixed_wb":
        est = None
    else:
        raise InvalidField("camera", f"{kind!r} is not one of awb, wb_error, fixed_wb")
    balanced = FIXED_WB_KELVIN if est is None else float(np.clip(est, 1700, 24000))
    gains = colour_gains(balanced)
    metadata = None if est is None else {"ColourGains": [round(gains[0], 4), round(gains[1], 4)],
                                         "ColourTemperature": int(round(balanced))}
    return CameraState(kind, lamp, None if est is None else balanced, gains, metadata)


# ---------------------------------------------------------------- what the camera looks at

@dataclass
class Plane:
    """A flat object in front of the camera, in its own pixels.

    ``image``: sRGB-encoded reflectance (BGR uint8); ``alpha``: its outline (uint8); ``card_quad``: the card's
    corners TL, TR, BR, BL in plane px (the true corners the label reports, wherever the object puts them);
    ``gloss``: strength of its specular highlight (laminate ~1, glossy photo paper ~0.6, matte paper ~0.1);
    ``emission``: linear BGR light the object gives off itself (a display), or None; ``info``: for the label.
    """

    image: np.ndarray
    alpha: np.ndarray
    card_quad: np.ndarray
    gloss: float
    emission: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)
    # A display's refresh banding as a rolling shutter catches it: {'period_plane_px', 'depth'} (rows of the
    # plane); its phase is the photograph's, so it moves from one preview frame to the next.
    banding: dict[str, float] | None = None


def rounded_alpha(w: int, h: int, radius_px: float) -> np.ndarray:
    """A w×h rectangle with rounded corners (anti-aliased), uint8."""
    alpha = np.zeros((h, w), np.uint8)
    r = max(int(round(radius_px)), 0)
    if r == 0:
        alpha[:] = 255
        return alpha
    cv2.rectangle(alpha, (r, 0), (w - 1 - r, h - 1), 255, -1)
    cv2.rectangle(alpha, (0, r), (w - 1, h - 1 - r), 255, -1)
    for cx, cy in ((r, r), (w - 1 - r, r), (w - 1 - r, h - 1 - r), (r, h - 1 - r)):
        cv2.circle(alpha, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return alpha


def card_plane(card_u8: np.ndarray, corner_radius_px: float, gloss: float = 1.0) -> Plane:
    """A genuine laminated card: the art itself with its rounded corners."""
    h, w = card_u8.shape[:2]
    quad = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return Plane(card_u8, rounded_alpha(w, h, corner_radius_px), quad, gloss, None,
                 {"surface": "laminate", "corner_radius_px": round(corner_radius_px, 2)})


def _smooth_noise(rng: np.random.Generator, w: int, h: int, cell: int) -> np.ndarray:
    small = rng.random((max(h // cell, 2), max(w // cell, 2))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def make_desk(rng: np.random.Generator, kind: str, w: int, h: int) -> np.ndarray:
    """A desk surface as sRGB reflectance (BGR uint8, h×w): dark (black mat, dark wood, grey fabric) or bright
    (light wood, white table, a pile of paper). Raises InvalidField for an unknown kind."""
    if kind not in DESKS:
        raise InvalidField("desk", f"{kind!r} is not one of {', '.join(DESKS)}")
    sw, sh = w // 2, h // 2
    yy = np.arange(sh, dtype=np.float32)[:, None]
    xx = np.arange(sw, dtype=np.float32)[None, :]
    if kind in ("dark_wood", "light_wood"):
        base = (np.array([30, 45, 70], np.float32) if kind == "dark_wood" else np.array([120, 160, 200], np.float32))
        base = base * np.float32(rng.uniform(0.8, 1.15))
        warp = _smooth_noise(rng, sw, sh, 64) * 40
        grain = 0.5 + 0.5 * np.sin((yy + warp + 0 * xx) / np.float32(rng.uniform(3, 8)))
        tone = 0.8 + 0.2 * grain + 0.1 * (_smooth_noise(rng, sw, sh, 8) - 0.5)
        img = tone[..., None] * base
    elif kind == "grey_fabric":
        base = np.float32(rng.uniform(35, 80)) * np.array([1.0, 1.0, 1.0], np.float32) + rng.uniform(-6, 6, 3)
        period = rng.uniform(3, 6)
        weave = 0.5 + 0.25 * np.sin(xx * np.float32(2 * math.pi / period)) * np.sin(yy * np.float32(2 * math.pi / period))
        img = (0.8 + 0.25 * weave + 0.15 * (_smooth_noise(rng, sw, sh, 40) - 0.5))[..., None] * base
    elif kind == "black_mat":
        base = np.float32(rng.uniform(8, 22)) + rng.uniform(-2, 2, 3).astype(np.float32)
        img = (0.85 + 0.3 * _smooth_noise(rng, sw, sh, 50) + 0.1 * (rng.random((sh, sw)) - 0.5))[..., None] * base
    elif kind == "white_table":
        base = np.float32(rng.uniform(200, 240)) + rng.uniform(-8, 8, 3).astype(np.float32)
        img = (0.95 + 0.06 * _smooth_noise(rng, sw, sh, 60) + 0.02 * (rng.random((sh, sw)) - 0.5))[..., None] * base
    else:  # paper_pile: overlapping white sheets with faint lines of writing
        img = np.full((sh, sw, 3), float(rng.uniform(150, 190)), np.float32)
        for _ in range(int(rng.integers(3, 7))):
            x0, y0 = int(rng.integers(-sw // 3, sw)), int(rng.integers(-sh // 3, sh))
            pw, ph = int(rng.integers(sw // 3, sw)), int(rng.integers(sh // 3, sh))
            tone = float(rng.uniform(215, 245))
            cv2.rectangle(img, (x0, y0), (x0 + pw, y0 + ph), (tone, tone, tone - 4), -1)
            for row in range(y0 + 12, y0 + ph - 8, 11):
                cv2.line(img, (x0 + 10, row), (x0 + pw - 10, row), (tone - 70,) * 3, 1)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)


def place_quad(rng: np.random.Generator, card_aspect: float, framing: str, frame_size: tuple[int, int] = FRAME_SIZE
               ) -> tuple[np.ndarray, dict[str, Any]]:
    """Where the card's corners (TL, TR, BR, BL) land in the frame, and the placement parameters.

    'inside': card 40-78 % of the frame width, turned ±15°, perspective ≤ 6 %, ≥ 3 % margin; 'tight': turned
    ±30° with more perspective and pushed to exactly the 3 % margin on one or two sides; 'cut': 8-40 % of the
    card beyond one edge or a corner. Raises InvalidField for another framing.
    """
    fw, fh = frame_size
    p: dict[str, Any] = {"framing": framing}
    if framing == "inside":
        width, rot, persp = rng.uniform(0.40, 0.78) * fw, rng.uniform(-15, 15), rng.uniform(0.0, 0.06)
    elif framing == "tight":
        width, rot, persp = rng.uniform(0.55, 0.85) * fw, rng.uniform(-30, 30), rng.uniform(0.03, 0.10)
    elif framing == "cut":
        width, rot, persp = rng.uniform(0.45, 0.80) * fw, rng.uniform(-15, 15), rng.uniform(0.0, 0.06)
    else:
        raise InvalidField("framing", f"{framing!r} is not one of inside, tight, cut")
    height = width / card_aspect
    a = math.radians(rot)
    r = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    rect = np.array([[-width / 2, -height / 2], [width / 2, -height / 2], [width / 2, height / 2],
                     [-width / 2, height / 2]])
    quad = rect @ r.T + rng.uniform(-1, 1, (4, 2)) * persp * width
    margin = FRAME_MARGIN * np.array([fw, fh])
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    span = hi - lo
    fit = float(min(1.0, *((np.array([fw, fh]) - 2 * margin - 2) / span)))
    quad *= fit
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    span = hi - lo
    free = np.maximum(np.array([fw, fh]) - span - 2 * margin - 2, 0)
    if framing == "tight":
        pos = np.array([rng.choice([0.0, 1.0]), rng.uniform(0, 1)]) if rng.random() < 0.5 else \
            np.array([rng.uniform(0, 1), rng.choice([0.0, 1.0])])
    else:
        pos = rng.uniform(0, 1, 2)
    quad = quad + (margin + 1 - lo + free * pos)
    if framing == "cut":
        side = str(rng.choice(["left", "right", "top", "bottom", "corner"]))
        out = float(rng.uniform(0.08, 0.40))
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        span = hi - lo
        shift = np.zeros(2)
        if side in ("left", "corner"):
            shift[0] = -(lo[0] + span[0] * out)
        if side == "right":
            shift[0] = fw - hi[0] + span[0] * out
        if side == "top":
            shift[1] = -(lo[1] + span[1] * out)
        if side in ("bottom", "corner"):
            shift[1] = fh - hi[1] + span[1] * out
        quad = quad + shift
        p.update(out_side=side, out_fraction=round(out, 4))
    p.update(width_fraction=round(float(width * fit / fw), 4), rotation_deg=round(float(rot), 3),
             perspective=round(float(persp), 4))
    return quad.astype(np.float32), p


# ---------------------------------------------------------------- the photograph

def _motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    size = int(math.ceil(length)) | 1
    k = np.zeros((size, size), np.float32)
    c = size // 2
    a = math.radians(angle_deg)
    for t in np.linspace(-length / 2, length / 2, max(int(length * 3), 2)):
        k[int(round(c + t * math.sin(a))), int(round(c + t * math.cos(a)))] += 1
    return k / k.sum()


def photograph(plane: Plane, plane_to_frame: np.ndarray, desk_u8: np.ndarray, camera: CameraState,
               rng: np.random.Generator, frame_size: tuple[int, int] = FRAME_SIZE, quality: str = "normal",
               encode_jpeg: bool = True, highlight: dict[str, Any] | None = None,
               banding_phase: float | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """The camera's image of ``plane`` (placed by the 3×3 ``plane_to_frame``) lying on ``desk_u8``.

    ``highlight`` fixes the laminate highlight instead of drawing it ({'centre_plane': [fx, fy] plane fractions,
    'strength', 'radii_card': [fx, fy] card-width fractions, 'rot'}; strength 0 = none) and ``banding_phase``
    the display banding's phase: a preview sequence moves both from frame to frame.

    ``quality``: 'normal' (defocus 0.3-1.3 px, motion blur in 1 of 5, noise for gain 1-4) or 'clean' (no blur,
    no noise, no JPEG: for tests of labels against pixels). Returns the BGR uint8 frame and the photo's label
    ('corners', 'cast', 'exposure', 'highlight', 'blur', 'noise', 'jpeg_quality', 'metadata').
    Raises ImageError for a malformed plane.
    """
    fw, fh = frame_size
    if plane.image.dtype != np.uint8 or plane.image.ndim != 3 or plane.alpha.shape != plane.image.shape[:2]:
        raise ImageError("plane image must be BGR uint8 with a matching alpha")
    is_clean = quality == "clean"
    h = np.asarray(plane_to_frame, np.float64)
    # A camera integrates light over its pixels: low-pass a plane finer than the frame before resampling it,
    # partly (the remaining aliasing is the moiré a real photo of fine print or a screen shows).
    ph, pw = plane.image.shape[:2]
    quad_frame = cv2.perspectiveTransform(np.float32([[[0, 0]], [[pw, 0]], [[pw, ph]], [[0, ph]]]), h)[:, 0]
    shrink = pw / max(float(np.linalg.norm(quad_frame[1] - quad_frame[0])), 1.0)
    src, plane_alpha, emission = plane.image, plane.alpha, plane.emission
    band_label = None
    if emission is not None and plane.banding:
        phase = float(rng.uniform(0, 2 * math.pi)) if banding_phase is None else float(banding_phase)
        period, depth = float(plane.banding["period_plane_px"]), float(plane.banding["depth"])
        rows = 1 - depth * (0.5 + 0.5 * np.sin(np.arange(ph, dtype=np.float32) * np.float32(2 * math.pi / period)
                                               + np.float32(phase)))
        emission = emission * rows[:, None, None].astype(np.float32)
        band_label = {"period_plane_px": round(period, 1), "depth": round(depth, 3), "phase": round(phase, 4)}
    if shrink > 1.3:
        # Box-average the plane down to ~1.2 plane px per frame px (a pixel integrates light over its area),
        # then resample: what aliasing survives is the moiré a real photo of fine print or a screen shows.
        f = 1.2 / shrink
        size = (max(int(round(pw * f)), 2), max(int(round(ph * f)), 2))
        scale = np.array([[size[0] / pw, 0, 0], [0, size[1] / ph, 0], [0, 0, 1]], np.float64)
        src = cv2.resize(src, size, interpolation=cv2.INTER_AREA)
        plane_alpha = cv2.resize(plane_alpha, size, interpolation=cv2.INTER_AREA)
        if emission is not None:
            emission = cv2.resize(emission, size, interpolation=cv2.INTER_AREA)
        h_draw = h @ np.linalg.inv(scale)
    else:
        h_draw = h
    warped = cv2.warpPerspective(src, h_draw, (fw, fh), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(plane_alpha, h_draw, (fw, fh), flags=cv2.INTER_LINEAR).astype(np.float32) / 255
    # Soft drop shadow of the object on the desk.
    shadow_strength = float(rng.uniform(0.15, 0.45))
    off = np.float32([[1, 0, fw / 160], [0, 1, fh / 140]])
    small = cv2.resize(cv2.warpAffine(alpha, off, (fw, fh)), (fw // 4, fh // 4), interpolation=cv2.INTER_AREA)
    shadow = cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.5), (fw, fh), interpolation=cv2.INTER_LINEAR)

    desk_lin = to_linear(desk_u8)
    shade = 1 - np.float32(shadow_strength) * shadow
    desk_lin = cv2.multiply(desk_lin, cv2.merge([shade, shade, shade]))
    reflect = cv2.blendLinear(to_linear(warped), desk_lin, alpha, 1 - alpha)
    # Light across the frame: a lamp to one side and lens vignetting, in the lamp's colour.
    ang = rng.uniform(0, 2 * math.pi)
    falloff = float(rng.uniform(0.05, 0.35))
    xs = (np.arange(fw, dtype=np.float32) / fw - 0.5)[None, :]
    ys = (np.arange(fh, dtype=np.float32) / fh - 0.5)[:, None]
    light = 1 - np.float32(falloff) * np.clip(xs * np.float32(math.cos(ang)) + ys * np.float32(math.sin(ang)) + 0.5,
                                               0, 1)
    light = light * (1 - np.float32(0.25) * (xs * xs + ys * ys))
    lamp = lamp_rgb(camera.lamp_kelvin)[::-1]  # BGR, linear
    scene_lin = cv2.multiply(reflect, cv2.merge([light * lamp[0], light * lamp[1], light * lamp[2]]))
    # Laminate or paper highlight: a specular reflection of the lamp, in the lamp's colour (drawn in its box).
    hl: dict[str, Any] = {"strength": 0.0}
    if highlight is None and plane.gloss > 0 and rng.random() < 0.7:
        highlight = {"strength": float(plane.gloss * rng.uniform(0.1, 1.0)),
                     "centre_plane": [float(rng.uniform(0.15, 0.85)), float(rng.uniform(0.1, 0.9))],
                     "radii_card": [float(rng.uniform(0.08, 0.35)), float(rng.uniform(0.04, 0.15))],
                     "rot": float(rng.uniform(0, math.pi))}
    if highlight is not None and highlight["strength"] > 0:
        strength = float(highlight["strength"])
        cx, cy = highlight["centre_plane"]
        c = cv2.perspectiveTransform(np.float32([[[cx * pw, cy * ph]]]), h)[0, 0]
        card_w = float(np.linalg.norm(quad_frame[1] - quad_frame[0]))
        rx, ry = card_w * highlight["radii_card"][0], card_w * highlight["radii_card"][1]
        rot = float(highlight["rot"])
        reach = 5.5 * max(rx, ry)
        x0, x1 = int(max(c[0] - reach, 0)), int(min(c[0] + reach, fw))
        y0, y1 = int(max(c[1] - reach, 0)), int(min(c[1] + reach, fh))
        if x1 > x0 and y1 > y0:
            dx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(c[0])
            dy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(c[1])
            u = (dx * np.float32(math.cos(rot)) + dy * np.float32(math.sin(rot))) / np.float32(rx)
            v = (-dx * np.float32(math.sin(rot)) + dy * np.float32(math.cos(rot))) / np.float32(ry)
            blob = np.exp(-np.minimum(u * u + v * v, 30.0)) * alpha[y0:y1, x0:x1] * np.float32(strength)
            scene_lin[y0:y1, x0:x1] += blob[..., None] * lamp
        hl = {"strength": round(strength, 4), "centre_frame_px": [round(float(c[0]), 1), round(float(c[1]), 1)],
              "radii_px": [round(float(rx), 1), round(float(ry), 1)]}
    if emission is not None:
        scene_lin += cv2.warpPerspective(emission, h_draw, (fw, fh), flags=cv2.INTER_LINEAR)
    # Sensor, white balance gains, colour correction (BGR order throughout), then auto-exposure.
    gains = np.array([camera.gains_rb[1], 1.0, camera.gains_rb[0]], np.float32)
    to_raw = (SENSOR_MIX[::-1, ::-1] * SENSOR_RGB[::-1, None]) * gains[:, None]
    colour = CCM[::-1, ::-1] @ to_raw
    # Metering over the whole frame, as a camera's AE does: a bright desk or a clipped highlight dims the card.
    bright = float(np.percentile(cv2.transform(np.ascontiguousarray(scene_lin[::8, ::8]), colour)[..., 1], 98))
    target = float(rng.uniform(0.65, 0.92)) if not is_clean else 0.85
    exposure = target / max(bright, 1e-4)
    lin = cv2.transform(scene_lin, (colour * exposure).astype(np.float32))
    analog_gain = float(np.clip(exposure * rng.uniform(0.6, 1.4), 1.0, 8.0)) if not is_clean else 1.0
    blur: dict[str, Any] = {"defocus_sigma_px": 0.0, "motion_px": 0.0}
    noise: dict[str, Any] = {"shot": 0.0, "read": 0.0}
    if not is_clean:
        sigma = float(rng.uniform(0.3, 1.3))
        lin = cv2.GaussianBlur(lin, (0, 0), sigma)
        blur["defocus_sigma_px"] = round(sigma, 3)
        if rng.random() < 0.2:
            length, angle = float(rng.uniform(2, 5)), float(rng.uniform(0, 180))
            lin = cv2.filter2D(lin, -1, _motion_kernel(length, angle))
            blur.update(motion_px=round(length, 2), motion_angle_deg=round(angle, 1))
        # Shot noise grows with the square root of the signal, read noise with the analogue gain.
        shot = 0.012 * math.sqrt(analog_gain)
        read = 0.0015 * analog_gain
        sd = np.maximum(lin, 0) * np.float32(shot * shot)
        sd += np.float32(read * read)
        cv2.sqrt(sd, sd)
        gauss = np.empty_like(lin)
        cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
        cv2.randn(gauss, 0.0, 1.0)
        sd *= gauss
        lin += sd
        noise = {"shot": round(shot, 5), "read": round(read, 5), "analogue_gain": round(analog_gain, 3)}
    out = from_linear(lin)
    jpeg_q = None
    if encode_jpeg and not is_clean:
        jpeg_q = int(rng.integers(80, 96))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg_q])
        if not ok:
            raise ImageError("JPEG encoding failed")
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    corners = cv2.perspectiveTransform(plane.card_quad.reshape(-1, 1, 2).astype(np.float32), h)[:, 0]
    frame_poly = np.float32([[0, 0], [fw, 0], [fw, fh], [0, fh]])
    inter, _ = cv2.intersectConvexConvex(corners.astype(np.float32), frame_poly)
    d1, d2 = corners[2] - corners[0], corners[3] - corners[1]
    area = 0.5 * abs(float(d1[0] * d2[1] - d1[1] * d2[0]))
    metadata = None
    if camera.metadata is not None:
        metadata = dict(camera.metadata)
        metadata.update(AnalogueGain=round(analog_gain, 3), ExposureTime=int(round(20000 * exposure / analog_gain)))
    label = {
        "corners": [[round(float(x), 3), round(float(y), 3)] for x, y in corners],
        "visible_fraction": round(float(inter / area), 4) if area > 0 else 0.0,
        "frame_size": [fw, fh],
        "plane_to_frame": [[float(v) for v in row] for row in h],
        "cast": {"camera": camera.kind, "lamp_kelvin": round(camera.lamp_kelvin, 1),
                 "estimated_kelvin": None if camera.estimated_kelvin is None else round(camera.estimated_kelvin, 1),
                 "gains_rb": [round(camera.gains_rb[0], 4), round(camera.gains_rb[1], 4)],
                 "neutral_bgr_ratio": [round(float(v), 4) for v in camera.neutral_rgb[::-1]]},
        "exposure": round(float(exposure), 4),
        "falloff": round(falloff, 4),
        "shadow": round(shadow_strength, 4),
        "highlight": hl,
        "banding": band_label,
        "blur": blur,
        "noise": noise,
        "jpeg_quality": jpeg_q,
        "metadata": metadata,
    }
    return out, label
