"""Card art of varied SPECIMEN credentials (models E-H), front and back, with the label that says how it was made.

Drawn at ``DPI`` = 360 on ID-1 (85.60 × 53.98 mm → 1213 × 765 px), in layouts of our own per family: E/F show
separate emisión and vigencia years and the estado/municipio/localidad codes; G/H merge emisión-vigencia, box the
sección and carry two data QR codes plus a small services QR on the back. No INE artwork, emblem or security
design is reproduced; every card says MUESTRA.

Varied per card (drawn from the rng, recorded in the label): paper tint (hue, saturation 0.05-0.6 and a second
"iris" hue it blends into across the card), guilloché (kind, colour or grey, line spacing 0.25-0.9 mm, contrast),
typeface of the printed values, ink colours, block positions (± 0.6 mm), corner radius, wear of the laminate.

The MRZ follows ICAO 9303 TD1 geometry in OCR-B: 10 characters per inch (36 px), lines 1/6 inch apart (60 px),
left margin 3.5-4.5 mm, last baseline 3.0-4.2 mm above the bottom edge.
"""

from __future__ import annotations

import colorsys
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from kiosk.credential.citizen import Citizen, mrz_lines
from kiosk.dev.synth.card import crop_face_photo, qr_payloads
from kiosk.dev.synth.varied import guilloche, typefaces
from kiosk.dev.synth.varied.cells import TINTS
from kiosk.errors import InvalidField

DPI = 360
MM = DPI / 25.4
CARD_W_PX = int(round(85.60 * MM))  # 1213
CARD_H_PX = int(round(53.98 * MM))  # 765
MRZ_PITCH_PX = DPI / 10  # 36
MRZ_LINE_PITCH_PX = DPI / 6  # 60


@dataclass
class CardArt:
    """One side of a card: ``image`` (BGR uint8, CARD_H_PX × CARD_W_PX), ``paper`` (BGR float32, the tinted paper
    before any ink: what "unprinted" means on this card) and ``label`` (JSON-able: how it was drawn)."""

    image: np.ndarray
    paper: np.ndarray = field(repr=False)
    label: dict[str, Any]


def hsv_to_bgr(hue_deg: float, saturation: float, value: float) -> tuple[float, float, float]:
    """HSV (hue in degrees, s and v 0-1) → BGR 0-255 floats."""
    r, g, b = colorsys.hsv_to_rgb((hue_deg % 360) / 360.0, saturation, value)
    return (b * 255.0, g * 255.0, r * 255.0)


def sample_style(rng: np.random.Generator, tint: str, typeface_pool: tuple[str, ...]) -> dict[str, Any]:
    """Every drawing choice of one card (both sides share paper, inks and typeface). Raises InvalidField for an
    unknown tint family."""
    if tint not in TINTS:
        raise InvalidField("tint", f"{tint!r} is not one of {', '.join(TINTS)}")
    spec = TINTS[tint]
    hue = float(rng.uniform(*spec["hue_deg"]))
    sat = float(rng.uniform(*spec["saturation"]))
    value = float(rng.uniform(0.90, 0.975))
    iris_hue = hue + float(rng.uniform(-35, 35))
    iris_sat = sat * float(rng.uniform(0.55, 1.0))
    is_grey_guilloche = bool(rng.random() < 0.35)
    g_hue = hue + float(rng.choice([-1, 1]) * rng.uniform(20, 160))
    style = {
        "tint": tint,
        "tint_hue_deg": round(hue % 360, 2),
        "tint_saturation": round(sat, 4),
        "tint_value": round(value, 4),
        "iris_hue_deg": round(iris_hue % 360, 2),
        "iris_saturation": round(iris_sat, 4),
        "iris_angle_deg": round(float(rng.uniform(0, 180)), 1),
        "guilloche": {
            "kinds": [str(k) for k in rng.choice(guilloche.KINDS, size=int(rng.integers(1, 3)), replace=False)],
            "is_grey": is_grey_guilloche,
            "hue_deg": round(g_hue % 360, 2),
            "saturation": 0.0 if is_grey_guilloche else round(float(rng.uniform(0.25, 0.75)), 3),
            "spacing_mm": round(float(rng.choice([0.25, 0.35, 0.5, 0.7, 0.9])), 2),
            "thickness_px": int(rng.choice([1, 1, 2])),
            "contrast": round(float(rng.uniform(0.12, 0.45)), 3),
        },
        "typeface": str(rng.choice(typeface_pool)),
        "value_size_scale": round(float(rng.uniform(0.92, 1.08)), 3),
        "value_ink_bgr": [int(v) for v in rng.integers((10, 10, 10), (70, 55, 55))],
        "label_ink_bgr": [int(v) for v in hsv_to_bgr(float(rng.uniform(0, 360)), float(rng.uniform(0.3, 0.8)),
                                                     float(rng.uniform(0.30, 0.55)))],
        "jitter_mm": [round(float(v), 3) for v in rng.uniform(-0.6, 0.6, size=8)],
        "corner_radius_mm": round(float(rng.uniform(2.6, 3.5)), 3),
        "wear": round(float(rng.choice([0.0, rng.uniform(0.1, 0.5), rng.uniform(0.5, 1.0)])), 3),
        "mrz_left_mm": round(float(rng.uniform(3.5, 4.5)), 3),
        "mrz_bottom_mm": round(float(rng.uniform(3.0, 4.2)), 3),
        "mrz_size_scale": round(float(rng.uniform(0.96, 1.04)), 3),
        "mrz_band": str(rng.choice(["clear", "faint"])),
        "specimen_alpha": round(float(rng.uniform(0.08, 0.16)), 3),
    }
    return style


def _paper(style: dict[str, Any]) -> np.ndarray:
    """Tinted paper, blending from the tint into the iris hue along ``iris_angle_deg`` (rainbow printing)."""
    h, w = CARD_H_PX, CARD_W_PX
    c0 = np.array(hsv_to_bgr(style["tint_hue_deg"], style["tint_saturation"], style["tint_value"]), np.float32)
    c1 = np.array(hsv_to_bgr(style["iris_hue_deg"], style["iris_saturation"], style["tint_value"]), np.float32)
    a = math.radians(style["iris_angle_deg"])
    # The blend is smooth (rainbow printing has no visible seams): computed at 1/8 size and upscaled.
    sw, sh = w // 8, h // 8
    xs = (np.arange(sw, dtype=np.float32) / sw - 0.5) * math.cos(a)
    ys = (np.arange(sh, dtype=np.float32) / sh - 0.5) * math.sin(a)
    t = np.clip(xs[None, :] + ys[:, None] + 0.5, 0, 1)
    t = (0.5 - 0.5 * np.cos(math.pi * t)).astype(np.float32)
    t = cv2.resize(t, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    return c0 + (c1 - c0) * t


def _ink_guilloche(img: np.ndarray, style: dict[str, Any], rng: np.random.Generator, keep_out: np.ndarray | None
                   ) -> None:
    g = style["guilloche"]
    spacing_px = g["spacing_mm"] * MM
    total = np.zeros(img.shape[:2], np.float32)
    for kind in g["kinds"]:
        total = np.maximum(total, guilloche.pattern(kind, CARD_H_PX, CARD_W_PX, spacing_px, rng, g["thickness_px"]))
    if keep_out is not None:
        total *= keep_out
    if g["is_grey"]:
        ink = np.array([95, 95, 95], np.float32)
    else:
        ink = np.array(hsv_to_bgr(g["hue_deg"], g["saturation"], 0.55), np.float32)
    a = (total * np.float32(g["contrast"]))[..., None]
    img *= 1 - a
    img += ink * a


@functools.cache
def _specimen_mask() -> np.ndarray:
    m = typefaces.mask("MUESTRA", typefaces.LABEL_TYPEFACE, 11 * MM)
    canvas = np.zeros((CARD_H_PX, CARD_W_PX), np.float32)
    mh, mw = m.shape
    x0, y0 = (CARD_W_PX - mw) // 2, (CARD_H_PX - mh) // 2
    canvas[y0:y0 + mh, x0:x0 + mw] = m.astype(np.float32) / 255
    rot = cv2.getRotationMatrix2D((CARD_W_PX / 2, CARD_H_PX / 2), 16, 1.0)
    out = cv2.warpAffine(canvas, rot, (CARD_W_PX, CARD_H_PX))
    out.setflags(write=False)
    return out


def _specimen(img: np.ndarray, style: dict[str, Any], y_limit_px: int) -> None:
    """Diagonal MUESTRA in a darker shade of the paper's own hue (no strong colour the cues could lean on)."""
    ink = np.array(hsv_to_bgr(style["tint_hue_deg"], min(style["tint_saturation"] + 0.2, 0.9), 0.45), np.float32)
    a = (_specimen_mask()[:y_limit_px] * np.float32(style["specimen_alpha"]))[..., None]
    region = img[:y_limit_px]
    region *= 1 - a
    region += ink * a


def _wear(img: np.ndarray, style: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Scratches in the laminate (lighter hairlines), scuffs (a milky haze), edge wear. Returns what was drawn."""
    level = style["wear"]
    marks: list[dict[str, Any]] = []
    if level <= 0:
        return marks
    h, w = img.shape[:2]
    scratch = np.zeros((h, w), np.uint8)
    for _ in range(int(level * 40)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        ang, length = rng.uniform(0, math.pi), rng.uniform(20, 260)
        x1, y1 = x + length * math.cos(ang), y + length * math.sin(ang)
        cv2.line(scratch, (int(x), int(y)), (int(x1), int(y1)), int(rng.integers(60, 200)), 1, cv2.LINE_AA)
    a = (scratch.astype(np.float32) / 255 * 0.5)[..., None]
    img *= 1 - a
    img += 245 * a
    marks.append({"kind": "scratches", "n": int(level * 40)})
    n_scuffs = int(rng.integers(0, 1 + int(level * 4)))
    for _ in range(n_scuffs):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(30, 140)
        x0, x1, y0, y1 = (int(max(cx - 3 * r, 0)), int(min(cx + 3 * r, w)), int(max(cy - 3 * r, 0)),
                          int(min(cy + 3 * r, h)))
        yy, xx = np.ogrid[y0:y1, x0:x1]
        haze = (np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)) * (0.18 * level)).astype(np.float32)
        patch = img[y0:y1, x0:x1]
        patch *= 1 - haze[..., None]
        patch += 235 * haze[..., None]
    marks.append({"kind": "scuffs", "n": n_scuffs})
    # Edge wear: the print fades within ~1 mm of the edge.
    edge = np.ones((h, w), np.float32)
    d = int(1.0 * MM)
    ramp = np.linspace(1 - 0.35 * level, 1, d, dtype=np.float32)
    edge[:d] *= ramp[:, None]
    edge[-d:] *= ramp[::-1, None]
    edge[:, :d] *= ramp[None, :]
    edge[:, -d:] *= ramp[None, ::-1]
    img *= edge[..., None]
    img += 240 * (1 - edge[..., None])
    marks.append({"kind": "edge_fade", "depth_mm": 1.0})
    return marks


def _px(mm_x: float, mm_y: float, style: dict[str, Any], block: int) -> tuple[float, float]:
    j = style["jitter_mm"]
    return (mm_x + j[block % 8]) * MM, (mm_y + j[(block + 3) % 8] * 0.5) * MM


class _Writer:
    """Labels and values in this card's typefaces and inks; remembers where each field was printed."""

    def __init__(self, img: np.ndarray, style: dict[str, Any]) -> None:
        self.img = img
        self.style = style
        self.fields: dict[str, list[int]] = {}
        self.label_ink = tuple(style["label_ink_bgr"])
        self.value_ink = tuple(style["value_ink_bgr"])

    def label(self, text: str, x: float, y: float, size_mm: float = 1.55) -> float:
        box = typefaces.draw(self.img, text, x, y, typefaces.LABEL_TYPEFACE, size_mm * MM, self.label_ink)
        return float(box[2])

    def value(self, name: str, text: str, x: float, y: float, size_mm: float, max_w_mm: float,
              anchor: str = "left") -> None:
        face = self.style["typeface"]
        size = typefaces.fit_size(text, face, size_mm * MM * self.style["value_size_scale"], max_w_mm * MM)
        box = typefaces.draw(self.img, text, x, y, face, size, self.value_ink, anchor=anchor)
        self.fields[name] = [int(v) for v in box]


def _u8(img: np.ndarray) -> np.ndarray:
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def render_front(c: Citizen, style: dict[str, Any], face_bgr: np.ndarray,
                 face_box: tuple[float, float, float, float] | None, rng: np.random.Generator) -> CardArt:
    """Front of ``c``'s card in ``style`` (from :func:`sample_style`). Raises InvalidField for models A-D and
    ImageError for an unusable face image."""
    _require_mrz_model(c)
    paper = _paper(style)
    img = paper.copy()
    _ink_guilloche(img, style, rng, None)
    _specimen(img, style, CARD_H_PX)
    w = _Writer(img, style)
    is_gh = c.model.has_merged_vigencia
    # Header: an abstract emblem (rings) and the titles.
    ex, ey = _px(7.5, 6.0, style, 0)
    for r_mm, t in ((4.2, 3), (3.0, 1), (1.8, 1)):
        cv2.circle(img, (int(ex), int(ey)), int(r_mm * MM), w.label_ink, t, cv2.LINE_AA)
    hx, hy = _px(13.5, 5.2, style, 1)
    typefaces.draw(img, "MÉXICO", hx, hy, typefaces.LABEL_TYPEFACE, 3.0 * MM, w.value_ink)
    typefaces.draw(img, "CREDENCIAL PARA VOTAR", hx, hy + 3.4 * MM, typefaces.LABEL_TYPEFACE, 2.1 * MM, w.label_ink)
    typefaces.draw(img, f"MUESTRA SIN VALIDEZ · MODELO {c.model.value}", 83.0 * MM, 4.2 * MM,
                   typefaces.LABEL_TYPEFACE, 1.5 * MM, w.label_ink, anchor="right")
    # Photo on the left (models E-H).
    px0, py0 = _px(3.2, 12.5, style, 2)
    pw, ph = int(22.0 * MM), int(29.0 * MM)
    px0, py0 = int(px0), int(py0)
    photo = crop_face_photo(face_bgr, face_box, (pw, ph)).astype(np.float32)
    img[py0:py0 + ph, px0:px0 + pw] = photo
    photo_box = [px0, py0, px0 + pw, py0 + ph]

    fx, fy = _px(27.5, 13.2, style, 3)
    w.label("NOMBRE", fx, fy)
    for i, (name, part) in enumerate((("surname_paternal", c.surname_paternal),
                                      ("surname_maternal", c.surname_maternal), ("given_names", c.given_names))):
        w.value(name, part, fx, fy + (3.3 + i * 3.1) * MM, 2.75, 38.0)
    sx, sy = _px(70.0, 13.2, style, 4)
    w.label("SEXO", sx, sy)
    w.value("sex", c.sex, sx, sy + 3.3 * MM, 2.75, 6.0)
    dx, dy = _px(27.5, 25.6, style, 5)
    w.label("DOMICILIO", dx, dy)
    for i, part in enumerate(c.address_lines[:3]):
        w.value(f"address_{i}", part, dx, dy + (3.0 + i * 2.75) * MM, 2.3, 45.0)
    kx, ky = _px(27.5, 37.9, style, 6)
    end = w.label("CLAVE DE ELECTOR", kx, ky)
    w.value("clave_elector", c.clave_elector, end + 0.8 * MM, ky + 0.2 * MM, 2.45, 71.5 - end / MM - 0.8)
    end = w.label("CURP", kx, ky + 3.3 * MM)
    w.value("curp", c.curp, end + 0.8 * MM, ky + 3.5 * MM, 2.45, 30.0)
    w.label("AÑO DE REGISTRO", 72.3 * MM, ky - 1.2 * MM, 1.2)
    w.value("registro", f"{c.registro_year} {c.emision}", 72.3 * MM, ky + 1.9 * MM, 2.3, 11.5)
    birth = c.birth_date.strftime("%d/%m/%Y")
    rx, ry = _px(27.5, 44.6, style, 7)
    if is_gh:
        end = w.label("FECHA DE NACIMIENTO", rx, ry)
        w.value("birth_date", birth, end + 0.8 * MM, ry + 0.2 * MM, 2.45, 18.0)
        bx, by = int(rx), int(ry + 1.4 * MM)
        cv2.rectangle(img, (bx, by), (bx + int(13.5 * MM), by + int(6.6 * MM)), w.label_ink, 2, cv2.LINE_AA)
        w.label("SECCIÓN", bx + 0.6 * MM, by + 1.9 * MM, 1.3)
        w.value("seccion", c.seccion, bx + 6.75 * MM, by + 6.0 * MM, 3.4, 12.0, anchor="center")
        end = w.label("VIGENCIA", rx + 16.5 * MM, ry + 4.6 * MM)
        w.value("vigencia", f"{c.emission_year} - {c.vigencia_year}", end + 0.8 * MM, ry + 4.8 * MM, 2.6, 20.0)
    else:
        ex2, ey2 = _px(68.8, 19.8, style, 4)
        w.label("FECHA DE NACIMIENTO", ex2, ey2, 1.1)
        w.value("birth_date", birth, ex2, ey2 + 2.9 * MM, 2.3, 14.0)
        from kiosk.credential.states import STATES

        estado = STATES.get(c.residence_state, ("", "00"))[1]
        codes = rng.integers(1, 125), rng.integers(1, 40)
        x = rx
        for name, lab, val in (("estado", "ESTADO", estado), ("municipio", "MUNICIPIO", f"{int(codes[0]):03d}"),
                               ("seccion", "SECCIÓN", c.seccion)):
            end = w.label(lab, x, ry, 1.35)
            w.value(name, val, end + 0.6 * MM, ry + 0.2 * MM, 2.3, 8.0)
            x = end + 8.5 * MM
        x = rx
        for name, lab, val in (("localidad", "LOCALIDAD", f"{int(codes[1]):04d}"),
                               ("emision", "EMISIÓN", str(c.emission_year)),
                               ("vigencia", "VIGENCIA", str(c.vigencia_year))):
            end = w.label(lab, x, ry + 3.2 * MM, 1.35)
            w.value(name, val, end + 0.6 * MM, ry + 3.4 * MM, 2.3, 9.0)
            x = end + 9.5 * MM
    # Ghost photo: small, faded, grey, on the right (models E-H).
    gx, gy = int(75.5 * MM), int(25.0 * MM)
    gw, gh = int(7.5 * MM), int(9.5 * MM)
    ghost = cv2.cvtColor(cv2.resize(_u8(photo), (gw, gh), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    img[gy:gy + gh, gx:gx + gw] = img[gy:gy + gh, gx:gx + gw] * 0.7 + ghost[..., None].astype(np.float32) * 0.3
    wear = _wear(img, style, rng)
    label = {"side": "front", "model": c.model.value, "dpi": DPI, "size_px": [CARD_W_PX, CARD_H_PX],
             "photo_box_px": photo_box, "fields_px": w.fields, "wear_marks": wear}
    return CardArt(_u8(img), paper, label)


def _qr(payload: str, size_px: int) -> np.ndarray:
    import zxingcpp  # lazy: only card rendering needs it

    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    module = np.array(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=True))
    return cv2.resize(module, (size_px, size_px), interpolation=cv2.INTER_NEAREST)


def _signature(img: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator) -> None:
    x0, y0, x1, y1 = box
    t = np.linspace(0, 1, 300)
    loops = rng.uniform(2.5, 6)
    xs = x0 + 10 + t * (x1 - x0 - 20) + rng.uniform(6, 16) * np.sin(2 * math.pi * loops * t + rng.uniform(0, 6))
    ys = (y0 + y1) / 2 + (y1 - y0) * 0.3 * np.sin(2 * math.pi * loops * 1.3 * t) * (0.5 + 0.5 * np.cos(5 * t))
    ink = tuple(int(v) for v in rng.integers((60, 20, 10), (140, 70, 50)))
    cv2.polylines(img, [np.stack([xs, ys], 1).astype(np.int32)], False, ink, 2, cv2.LINE_AA)


def render_back(c: Citizen, style: dict[str, Any], rng: np.random.Generator) -> CardArt:
    """Back of ``c``'s card in ``style``: QR codes, signature/fingerprint boxes (E/F) or vote boxes and microtext
    (G/H), and the TD1 MRZ in OCR-B (see the module doc). Raises InvalidField for models A-D, FontMissing
    without OCR-B."""
    _require_mrz_model(c)
    paper = _paper(style)
    img = paper.copy()
    lines = mrz_lines(c)
    left = style["mrz_left_mm"] * MM
    last_baseline = CARD_H_PX - style["mrz_bottom_mm"] * MM
    baselines = [last_baseline - (2 - i) * MRZ_LINE_PITCH_PX for i in range(3)]
    band_top = int(baselines[0] - 1.45 * MRZ_LINE_PITCH_PX)
    keep_out = None
    if style["mrz_band"] == "clear":
        keep_out = np.ones((CARD_H_PX, CARD_W_PX), np.float32)
        keep_out[band_top:] = 0.0
    else:
        keep_out = np.ones((CARD_H_PX, CARD_W_PX), np.float32)
        keep_out[band_top:] = 0.35  # the pattern runs faintly under the MRZ
    _ink_guilloche(img, style, rng, keep_out)
    _specimen(img, style, band_top)
    w = _Writer(img, style)
    payloads = qr_payloads(c)
    qr_boxes = []
    q = int(17.0 * MM)
    qx, qy = _px(3.0, 3.5, style, 0)
    qx, qy = int(qx), int(qy)
    if c.model.has_merged_vigencia:
        for i in range(2):
            x = qx + i * (q + int(2.0 * MM))
            img[qy:qy + q, x:x + q] = _qr(payloads[i], q)[..., None]
            qr_boxes.append([x, qy, x + q, qy + q])
        s = int(9.0 * MM)
        sx = int(CARD_W_PX - 3.5 * MM - s)
        img[qy:qy + s, sx:sx + s] = _qr(payloads[2], s)[..., None]
        qr_boxes.append([sx, qy, sx + s, qy + s])
        # Vote-marking boxes and microtext (G/H).
        vx, vy = int(42.0 * MM), int(14.0 * MM)
        for i, year in enumerate(("21", "24", "27", "30")):
            x = vx + int(i * 6.5 * MM)
            cv2.rectangle(img, (x, vy), (x + int(5.0 * MM), vy + int(4.5 * MM)), w.label_ink, 1, cv2.LINE_AA)
            w.label(year, x + 1.2 * MM, vy + 3.3 * MM, 1.6)
        typefaces.draw(img, "MUESTRA SIN VALIDEZ " * 12, 3.0 * MM, 24.5 * MM, typefaces.LABEL_TYPEFACE, 0.55 * MM,
                       w.label_ink)
    else:
        img[qy:qy + q, qx:qx + q] = _qr(payloads[0], q)[..., None]
        qr_boxes.append([qx, qy, qx + q, qy + q])
        w.label("FIRMA", 24.0 * MM, 5.0 * MM)
        _signature(img, (int(24 * MM), int(6 * MM), int(58 * MM), int(19 * MM)), rng)
        cv2.rectangle(img, (int(63 * MM), int(3.5 * MM)), (int(81 * MM), int(23 * MM)), w.label_ink, 1, cv2.LINE_AA)
        w.label("HUELLA", 68.0 * MM, 25.5 * MM, 1.4)
    for i, text in enumerate(("Documento de muestra generado por software: no es una credencial oficial",
                              "y no identifica a ninguna persona. Specimen for testing only.")):
        typefaces.draw(img, text, 3.0 * MM, (29.0 + i * 2.4) * MM, typefaces.LABEL_TYPEFACE, 1.5 * MM, w.label_ink)
    if style["mrz_band"] == "clear":
        img[band_top:] = img[band_top:] * 0.3 + 248 * 0.7
    size = MRZ_PITCH_PX * 1.4 * style["mrz_size_scale"]
    ink = (28, 24, 22)
    for line, baseline in zip(lines, baselines, strict=True):
        for i, ch in enumerate(line):
            typefaces.draw(img, ch, left + (i + 0.5) * MRZ_PITCH_PX, baseline, typefaces.MRZ_TYPEFACE, size, ink,
                           anchor="center")
    wear = _wear(img, style, rng)
    mrz_box = [int(left - 4), int(baselines[0] - 0.7 * MRZ_LINE_PITCH_PX), int(left + 30 * MRZ_PITCH_PX + 4),
               int(baselines[-1] + 8)]
    label = {"side": "back", "model": c.model.value, "dpi": DPI, "size_px": [CARD_W_PX, CARD_H_PX],
             "mrz_lines": list(lines), "mrz_box_px": mrz_box, "mrz_baselines_px": [round(b, 2) for b in baselines],
             "mrz_left_px": round(left, 2), "mrz_pitch_px": MRZ_PITCH_PX, "qr_boxes_px": qr_boxes,
             "wear_marks": wear}
    return CardArt(_u8(img), paper, label)


def _require_mrz_model(c: Citizen) -> None:
    if not c.model.has_mrz:
        raise InvalidField("model", f"varied SPECIMEN cards exist for models E-H only, got {c.model.value}")
