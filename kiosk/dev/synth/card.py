"""SPECIMEN INE-style credentials (models E-H) rendered as ID-1 images at 300 dpi (1011×638 px, BGR uint8).

The cards follow the LAYOUT of models E-H (photo on the left, fields to the right, emphasised sección and merged
emisión-vigencia field on G/H, TD1 MRZ at the bottom of the back, QR codes) but not INE's security design: the
background is a plain gradient with a generic line pattern drawn here, there is no INE emblem, and every card
carries a large "MUESTRA / SPECIMEN" mark and the text "CREDENCIAL DE MUESTRA — SIN VALIDEZ".

MRZ rendering is a contract with the document-vision code (keep it stable): OCR-B (``fonts.mrz_font_path()``),
``MRZ_FONT_SIZE_PX`` = 42 px em size (10 characters per inch: a fixed 30 px pitch), black on a plain light band,
lines left-aligned at ``MRZ_LEFT_PX`` with baselines at ``MRZ_BASELINES_PX``.
"""

from __future__ import annotations

import functools
import hashlib
import math

import cv2
import numpy as np

from kiosk.credential.citizen import Citizen, mrz_lines
from kiosk.credential.models import CardModel
from kiosk.dev.synth import fonts
from kiosk.errors import ImageError

CARD_W_PX = 1011  # 85.60 mm at 300 dpi
CARD_H_PX = 638  # 53.98 mm at 300 dpi
MRZ_FONT_SIZE_PX = 42
MRZ_PITCH_PX = 30  # 2.54 mm: OCR-B at 10 characters per inch
MRZ_LEFT_PX = 56
MRZ_BASELINES_PX = (508, 558, 608)  # 1/6 inch line pitch, last line ~2.5 mm above the bottom edge
MRZ_BAND_TOP_PX = 462
# Box around the 3 MRZ lines (x0, y0, x1, y1 px on the card), a little margin around the glyphs.
MRZ_BOX = (MRZ_LEFT_PX - 6, MRZ_BASELINES_PX[0] - 36, MRZ_LEFT_PX + 30 * MRZ_PITCH_PX + 6, MRZ_BASELINES_PX[-1] + 8)
SPECIMEN_TEXT = "CREDENCIAL DE MUESTRA — SIN VALIDEZ"
PHOTO_BOX = (34, 128, 294, 458)  # x0, y0, x1, y1: 260×330 px (22×28 mm)

INK = (40, 30, 25)
LABEL = (95, 80, 70)
RED = (40, 40, 200)


def _rng_for(c: Citizen, salt: str) -> np.random.Generator:
    # Card decorations (signature, municipio codes) derive from the citizen so a card renders identically twice.
    digest = hashlib.sha256(f"{salt}|{c.cic}|{c.identificador}|{c.curp}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@functools.cache
def _background(side: str, model: str) -> np.ndarray:
    """Gradient plus a generic guilloché-like line pattern (our own drawing), cached per side and model."""
    h, w = CARD_H_PX, CARD_W_PX
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx / w * 0.7 + yy / h * 0.3)[..., None]
    if side == "front":
        c0 = np.array([236, 240, 246], np.float32)  # warm paper
        c1 = np.array([222, 232, 214], np.float32)  # pale teal
    else:
        c0 = np.array([242, 236, 230], np.float32)
        c1 = np.array([226, 222, 238], np.float32)
    if model in ("G", "H"):
        c1 = c1[[1, 2, 0]]
    img = (c0 * (1 - t) + c1 * t).astype(np.uint8)
    line = (200, 190, 175) if side == "front" else (205, 185, 200)
    # Rosettes: hypotrochoid curves, the classic guilloché building block.
    for cx, cy, r_big, r_small, d in ((w * 0.72, h * 0.42, 150, 37, 95), (w * 0.2, h * 0.8, 110, 29, 70)):
        th = np.linspace(0, 2 * math.pi * r_small, 4000)
        k = (r_big - r_small) / r_small
        pts = np.stack([cx + (r_big - r_small) * np.cos(th) + d * np.cos(k * th),
                        cy + (r_big - r_small) * np.sin(th) - d * np.sin(k * th)], axis=1)
        cv2.polylines(img, [pts.astype(np.int32)], False, line, 1, cv2.LINE_AA)
    # Wavy bands across the card.
    xs = np.arange(0, w, 3, dtype=np.float32)
    for i in range(14):
        phase = i * 0.45
        base = 60 + i * 40
        ys = base + 9 * np.sin(xs / 38.0 + phase) + 5 * np.sin(xs / 11.0 - phase)
        cv2.polylines(img, [np.stack([xs, ys], 1).astype(np.int32)], False, line, 1, cv2.LINE_AA)
    return img


def _specimen_overlay(img: np.ndarray, y_limit_px: int) -> None:
    """Large diagonal 'MUESTRA / SPECIMEN' in translucent red over the card, above ``y_limit_px``."""
    mask = np.zeros(img.shape[:2], np.uint8)
    for word, dy in (("MUESTRA", -40), ("SPECIMEN", 80)):
        m = fonts.text_mask(word, "sans-bold", 120)
        h, w = m.shape
        x0 = (CARD_W_PX - w) // 2
        y0 = CARD_H_PX // 2 - h // 2 + dy - 40
        mask[max(y0, 0):y0 + h, x0:x0 + w] = np.maximum(mask[max(y0, 0):y0 + h, x0:x0 + w], m[max(-y0, 0):])
    rot = cv2.getRotationMatrix2D((CARD_W_PX / 2, CARD_H_PX / 2), 18, 1.0)
    mask = cv2.warpAffine(mask, rot, (CARD_W_PX, CARD_H_PX))
    mask[y_limit_px:] = 0
    fonts.blend_mask(img, mask, 0, 0, (60, 60, 215), alpha=0.28)


def _banner(img: np.ndarray, y0: int, y1: int) -> None:
    img[y0:y1] = (img[y0:y1].astype(np.float32) * 0.25 + np.array(RED, np.float32) * 0.75).astype(np.uint8)
    fonts.draw_text(img, f"{SPECIMEN_TEXT} · SPECIMEN", CARD_W_PX / 2, y1 - (y1 - y0) * 0.28, "sans-bold",
                    (y1 - y0) * 0.6, (255, 255, 255), anchor="center")


def crop_face_photo(face_bgr: np.ndarray, face_box: tuple[float, float, float, float] | None = None,
                    size: tuple[int, int] = (PHOTO_BOX[2] - PHOTO_BOX[0], PHOTO_BOX[3] - PHOTO_BOX[1])
                    ) -> np.ndarray:
    """Passport-style crop of a face image, resized to ``size`` (w, h) px.

    ``face_box`` (x0, y0, x1, y1 px) centres the crop on a detected face with room for hair and shoulders;
    without it a centre crop of the upper part of the image is used. Raises ImageError on an unusable image.
    """
    if not isinstance(face_bgr, np.ndarray) or face_bgr.dtype != np.uint8 or face_bgr.ndim not in (2, 3):
        raise ImageError("face image must be a uint8 BGR or grayscale array")
    if face_bgr.ndim == 2:
        face_bgr = cv2.cvtColor(face_bgr, cv2.COLOR_GRAY2BGR)
    elif face_bgr.shape[2] == 4:
        face_bgr = cv2.cvtColor(face_bgr, cv2.COLOR_BGRA2BGR)
    ih, iw = face_bgr.shape[:2]
    if ih < 16 or iw < 16:
        raise ImageError(f"face image too small: {iw}×{ih} px")
    out_w, out_h = size
    aspect = out_w / out_h
    if face_box is not None:
        x0, y0, x1, y1 = face_box
        fw = max(x1 - x0, 1.0)
        ch = fw * 2.1  # ID photos show the head and the top of the shoulders
        cw = ch * aspect
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 + fw * 0.12
    else:
        cw = min(iw, ih * aspect)
        ch = cw / aspect
        cx, cy = iw / 2, min(ih / 2, ch / 2 + ih * 0.05)
    # Affine crop so a box reaching past the image edge is padded with edge pixels, not distorted.
    sx = out_w / cw
    m = np.array([[sx, 0, out_w / 2 - cx * sx], [0, sx, out_h / 2 - cy * sx]], np.float32)
    return cv2.warpAffine(face_bgr, m, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def _label_value(img, label: str, value: str, x: float, y: float, value_size: float = 24, max_w: int = 420,
                 label_size: float = 15, inline: bool = False) -> None:
    fonts.draw_text(img, label, x, y, "sans-bold", label_size, LABEL)
    if inline:
        lx = x + fonts.text_width(label, "sans-bold", label_size) + 10
        size = fonts.fit_size(value, "sans-condensed-bold", value_size, max_w)
        fonts.draw_text(img, value, lx, y + 1, "sans-condensed-bold", size, INK)
    else:
        size = fonts.fit_size(value, "sans-condensed-bold", value_size, max_w)
        fonts.draw_text(img, value, x, y + value_size + 4, "sans-condensed-bold", size, INK)


def _location_codes(c: Citizen) -> tuple[str, str, str]:
    from kiosk.credential.states import STATES

    r = _rng_for(c, "codes")
    estado = STATES.get(c.residence_state, ("", "00"))[1]
    return estado, f"{int(r.integers(1, 125)):03d}", f"{int(r.integers(1, 40)):04d}"


def render_front(c: Citizen, face_bgr: np.ndarray,
                 face_box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Front of ``c``'s SPECIMEN card: 1011×638 BGR uint8.

    ``face_bgr`` is any face image; ``face_box`` (x0, y0, x1, y1 px in it), if known, centres the photo.
    Raises ImageError on an unusable face image and InvalidField for a model without this layout (A-D).
    """
    _require_mrz_model(c)
    img = _background("front", c.model.value).copy()
    is_gh = c.model.has_merged_vigencia
    # Header: generic emblem of our own (not INE's) and titles.
    cv2.circle(img, (78, 60), 38, (120, 110, 60), 3, cv2.LINE_AA)
    cv2.circle(img, (78, 60), 26, (120, 110, 60), 1, cv2.LINE_AA)
    fonts.draw_text(img, "MX", 78, 70, "sans-bold", 26, (120, 110, 60), anchor="center")
    fonts.draw_text(img, "MÉXICO", 135, 50, "sans-bold", 30, INK)
    fonts.draw_text(img, "CREDENCIAL PARA VOTAR · MODELO DE MUESTRA " + c.model.value, 135, 84, "sans-bold", 20,
                    LABEL)
    fonts.draw_text(img, "SPECIMEN", 990, 50, "sans-bold", 26, RED, anchor="right")

    photo = crop_face_photo(face_bgr, face_box)
    x0, y0, x1, y1 = PHOTO_BOX
    img[y0:y1, x0:x1] = photo
    cv2.rectangle(img, (x0 - 1, y0 - 1), (x1, y1), (120, 120, 120), 1)

    fx = 318
    fonts.draw_text(img, "NOMBRE", fx, 140, "sans-bold", 15, LABEL)
    for i, part in enumerate((c.surname_paternal, c.surname_maternal, c.given_names)):
        size = fonts.fit_size(part, "sans-condensed-bold", 27, 470)
        fonts.draw_text(img, part, fx, 172 + i * 31, "sans-condensed-bold", size, INK)
    fonts.draw_text(img, "SEXO", 830, 140, "sans-bold", 15, LABEL)
    fonts.draw_text(img, c.sex, 830, 172, "sans-condensed-bold", 27, INK)
    if not is_gh:
        _label_value(img, "FECHA DE NACIMIENTO", c.birth_date.strftime("%d/%m/%Y"), 830, 200, 24, 170,
                     label_size=12)

    fonts.draw_text(img, "DOMICILIO", fx, 262, "sans-bold", 15, LABEL)
    for i, part in enumerate(c.address_lines[:3]):
        size = fonts.fit_size(part, "sans-condensed", 22, 520)
        fonts.draw_text(img, part, fx, 289 + i * 26, "sans-condensed", size, INK)

    _label_value(img, "CLAVE DE ELECTOR", c.clave_elector, fx, 384, 24, 420, inline=True)
    _label_value(img, "CURP", c.curp, fx, 418, 24, 300, inline=True)
    _label_value(img, "AÑO DE REGISTRO", f"{c.registro_year} {c.emision}", 690, 418, 24, 140, label_size=13,
                 inline=True)
    if is_gh:
        _label_value(img, "FECHA DE NACIMIENTO", c.birth_date.strftime("%d/%m/%Y"), fx, 452, 24, 200,
                     label_size=13, inline=True)
        # G/H: sección emphasised in a box, emisión and vigencia merged into one field.
        cv2.rectangle(img, (fx - 4, 470), (fx + 196, 540), (90, 70, 50), 2, cv2.LINE_AA)
        fonts.draw_text(img, "SECCIÓN", fx + 6, 490, "sans-bold", 14, LABEL)
        fonts.draw_text(img, c.seccion, fx + 96, 532, "sans-bold", 44, INK, anchor="center")
        _label_value(img, "VIGENCIA", f"{c.emission_year} - {c.vigencia_year}", fx + 226, 500, 28, 260,
                     label_size=15)
    else:
        estado, municipio, localidad = _location_codes(c)
        _label_value(img, "ESTADO", estado, fx, 452, 22, 60, label_size=13, inline=True)
        _label_value(img, "MUNICIPIO", municipio, fx + 120, 452, 22, 60, label_size=13, inline=True)
        _label_value(img, "SECCIÓN", c.seccion, fx + 280, 452, 22, 80, label_size=13, inline=True)
        _label_value(img, "LOCALIDAD", localidad, fx, 484, 22, 80, label_size=13, inline=True)
        _label_value(img, "EMISIÓN", str(c.emission_year), fx + 200, 484, 22, 80, label_size=13, inline=True)
        _label_value(img, "VIGENCIA", str(c.vigencia_year), fx + 360, 484, 22, 80, label_size=13, inline=True)

    # Ghost photo: small, faded, grayscale (a layout element of E-H).
    gw, gh, gx, gy = 80, 102, 895, 452
    ghost = cv2.cvtColor(cv2.resize(photo, (gw, gh), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    region = img[gy:gy + gh, gx:gx + gw].astype(np.float32)
    img[gy:gy + gh, gx:gx + gw] = (region * 0.72 + ghost[..., None].astype(np.float32) * 0.28).astype(np.uint8)

    _specimen_overlay(img, CARD_H_PX)
    _banner(img, CARD_H_PX - 40, CARD_H_PX)
    return img


def _qr(payload: str, size_px: int) -> np.ndarray:
    import zxingcpp  # lazy: only the card renderer needs it

    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    module = np.array(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=True))
    return cv2.resize(module, (size_px, size_px), interpolation=cv2.INTER_NEAREST)


def qr_payloads(c: Citizen) -> list[str]:
    """SPECIMEN QR payloads on the back: synthetic identifiers only, never INE's (unpublished) format."""
    base = f"MUESTRA-SIN-VALIDEZ|SPECIMEN|MODELO={c.model.value}|CIC={c.cic}|ID={c.identificador}"
    if c.model.has_merged_vigencia:
        return [base + "|PARTE=1/2|SECCION=" + c.seccion, base + f"|PARTE=2/2|VIGENCIA={c.vigencia_year}",
                "https://example.invalid/muestra"]
    return [base + f"|SECCION={c.seccion}|VIGENCIA={c.vigencia_year}"]


def _signature(img: np.ndarray, c: Citizen, box: tuple[int, int, int, int]) -> None:
    r = _rng_for(c, "signature")
    x0, y0, x1, y1 = box
    n = 260
    t = np.linspace(0, 1, n)
    loops = r.uniform(3, 7)
    xs = x0 + 15 + t * (x1 - x0 - 30) + r.uniform(8, 18) * np.sin(2 * math.pi * loops * t + r.uniform(0, 6))
    amp = (y1 - y0) * 0.28
    ys = (y0 + y1) / 2 + amp * np.sin(2 * math.pi * loops * 1.5 * t) * (0.4 + 0.6 * np.abs(np.sin(3 * t)))
    cv2.polylines(img, [np.stack([xs, ys], 1).astype(np.int32)], False, (110, 50, 20), 2, cv2.LINE_AA)
    cv2.line(img, (x0 + 10, y1 - 8), (x1 - 10, y1 - 8), (150, 140, 130), 1, cv2.LINE_AA)


def render_back(c: Citizen) -> np.ndarray:
    """Back of ``c``'s SPECIMEN card: QR codes, signature, and the TD1 MRZ in OCR-B (see module doc).

    Raises InvalidField for a model without an MRZ (A-D) and FontMissing without OCR-B.
    """
    _require_mrz_model(c)
    img = _background("back", c.model.value).copy()
    _banner(img, 0, 40)
    payloads = qr_payloads(c)
    if c.model.has_merged_vigencia:
        for i, p in enumerate(payloads[:2]):
            q = _qr(p, 250)
            img[62:312, 36 + i * 270:286 + i * 270] = cv2.cvtColor(q, cv2.COLOR_GRAY2BGR)
        small = _qr(payloads[2], 120)
        img[62:182, 855:975] = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        sig_box = (600, 200, 975, 320)
    else:
        q = _qr(payloads[0], 250)
        img[62:312, 36:286] = cv2.cvtColor(q, cv2.COLOR_GRAY2BGR)
        fonts.draw_text(img, "FIRMA", 330, 90, "sans-bold", 15, LABEL)
        sig_box = (330, 100, 700, 230)
        cv2.rectangle(img, (760, 70), (960, 300), (150, 140, 130), 1)
        fonts.draw_text(img, "HUELLA (MUESTRA)", 860, 320, "sans", 13, LABEL, anchor="center")
    _signature(img, c, sig_box)
    for i, line in enumerate(("Documento de prueba generado por software. No es una credencial oficial",
                              "y no identifica a ninguna persona. Test document: not an official credential.")):
        fonts.draw_text(img, line, 36, 360 + i * 24, "sans", 17, LABEL)
    _specimen_overlay(img, MRZ_BAND_TOP_PX - 8)
    # Plain band behind the MRZ, as on real documents, so the OCR zone has no pattern.
    img[MRZ_BAND_TOP_PX:CARD_H_PX - 6, 20:CARD_W_PX - 20] = (
        img[MRZ_BAND_TOP_PX:CARD_H_PX - 6, 20:CARD_W_PX - 20] * 0.25 + 250 * 0.75).astype(np.uint8)
    draw_mrz(img, mrz_lines(c))
    return img


def draw_mrz(img: np.ndarray, lines: tuple[str, str, str]) -> None:
    """Draw the three MRZ lines at the fixed TD1 positions, one character per 30 px cell."""
    for line, baseline in zip(lines, MRZ_BASELINES_PX, strict=True):
        for i, ch in enumerate(line):
            # Character by character on the pitch grid: OCR-B is monospaced, this also pins every glyph
            # to the exact cell H2's reader expects.
            fonts.draw_text(img, ch, MRZ_LEFT_PX + i * MRZ_PITCH_PX + MRZ_PITCH_PX / 2, baseline, "ocr-b",
                            MRZ_FONT_SIZE_PX, (20, 20, 20), anchor="center")


def _require_mrz_model(c: Citizen) -> None:
    if c.model not in (CardModel.E, CardModel.F, CardModel.G, CardModel.H):
        from kiosk.errors import InvalidField

        raise InvalidField("model", f"SPECIMEN cards exist for models E-H only, got {c.model.value}")
