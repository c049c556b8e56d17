"""Drawing primitives for the kiosk screens: text that always fits, big buttons, indicators, QR, preview, pictograms.

Everything draws through a :class:`Painter`, which records the rect of every text it draws (with the box it had to
fit in) and every touch target, so tests can check that nothing is clipped and every target is big enough, and the
loop can map a touch to the event of the target under it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pygame

from kiosk.ui.layout import CARD_ASPECT, fit_aspect
from kiosk.ui.theme import RGB, Fonts, Palette, Theme

# An action is a flow event (a frozen dataclass from kiosk.flow.events) or a UI-local action (LocalAction).
Action = Any


@dataclass(frozen=True)
class LocalAction:
    """A touch handled inside the UI (scrolling, typing a PIN digit, ticking a box), not sent to the flow."""

    name: str
    value: Any = None


@dataclass(frozen=True)
class TextRecord:
    """One text drawn: where it landed, the box it had to fit in, and whether it fitted without truncation."""

    text: str
    rect: pygame.Rect
    box: pygame.Rect
    size_px: int
    is_fitted: bool


@dataclass(frozen=True)
class Target:
    """A touch target: touching inside ``rect`` triggers ``action`` (when ``is_enabled``)."""

    rect: pygame.Rect
    action: Action
    label: str
    is_enabled: bool = True


@dataclass
class _Wrapped:
    size_px: int
    lines: list[str]
    line_px: int
    is_fitted: bool


def wrap_words(text: str, max_width_px: int, measure: Callable[[str], int]) -> list[str]:
    """Greedy word wrap; a word longer than the line is broken between characters. Keeps explicit newlines."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        current = ""
        for word in words:
            candidate = word if not current else f"{current} {word}"
            if measure(candidate) <= max_width_px:
                current = candidate
                continue
            if current:
                lines.append(current)
                current = ""
            while word and measure(word) > max_width_px:  # break an over-long word
                cut = len(word)
                while cut > 1 and measure(word[:cut]) > max_width_px:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


class Painter:
    """Draws onto one surface for one frame and records texts and touch targets."""

    def __init__(self, surface: pygame.Surface, theme: Theme, fonts: Fonts,
                 wrap_cache: dict[tuple[Any, ...], _Wrapped] | None = None) -> None:
        self.surface = surface
        self.theme = theme
        self.fonts = fonts
        self.texts: list[TextRecord] = []
        self.targets: list[Target] = []
        self.wrap_cache = wrap_cache if wrap_cache is not None else {}

    @property
    def palette(self) -> Palette:
        return self.theme.palette

    # ----- text -----------------------------------------------------------------------------------------------
    def _fit(self, text: str, width_px: int, height_px: int, size_px: int, bold: bool,
             max_lines: int | None) -> _Wrapped:
        key = (text, width_px, height_px, size_px, bold, max_lines)
        found = self.wrap_cache.get(key)
        if found is not None:
            return found
        min_px = min(self.theme.min_font_px, size_px)
        size = size_px
        while True:
            font = self.fonts.font(size, bold)
            lines = wrap_words(text, width_px, lambda s, f=font: f.size(s)[0])
            line_px = font.get_linesize()
            # a word cut in two reads badly: shrink instead; cut at the smallest size is reported as not fitting
            is_word_cut = len(lines) > text.count("\n") + 1 and sum(len(x.split()) for x in lines) > len(text.split())
            fits = (len(lines) * line_px <= height_px and (max_lines is None or len(lines) <= max_lines)
                    and all(font.size(line)[0] <= width_px for line in lines) and not is_word_cut)
            if fits or size <= min_px:
                break
            size = max(min_px, int(size * 0.92))
        if not fits:
            # keep what fits and mark the cut with an ellipsis; the record says it did not fit
            keep = max(1, height_px // line_px)
            if max_lines is not None:
                keep = min(keep, max_lines)
            if keep < len(lines):
                lines = lines[:keep]
                last = lines[-1]
                while last and font.size(last + "…")[0] > width_px:
                    last = last[:-1]
                lines[-1] = last + "…"
        result = _Wrapped(size_px=size, lines=lines, line_px=line_px, is_fitted=fits)
        if len(self.wrap_cache) > 2000:
            self.wrap_cache.clear()
        self.wrap_cache[key] = result
        return result

    def text(self, text: str, box: pygame.Rect, *, role: str = "body", colour: RGB | None = None,
             bold: bool = False, align: str = "left", valign: str = "top", size_px: int | None = None,
             max_lines: int | None = None) -> pygame.Rect:
        """Draw ``text`` wrapped (and shrunk if needed) to fit ``box``; returns the rect actually covered.

        ``align``: 'left' | 'center' | 'right'; ``valign``: 'top' | 'middle' | 'bottom'.
        """
        colour = colour or self.palette.text
        box = pygame.Rect(box)
        if not text:
            return pygame.Rect(box.left, box.top, 0, 0)
        wrapped = self._fit(text, max(1, box.width), max(1, box.height),
                            size_px or self.theme.font_px(role), bold, max_lines)
        total_h = len(wrapped.lines) * wrapped.line_px
        if valign == "middle":
            y = box.top + (box.height - total_h) // 2
        elif valign == "bottom":
            y = box.bottom - total_h
        else:
            y = box.top
        y = max(y, box.top) if wrapped.is_fitted else box.top
        covered = pygame.Rect(box.left, y, 0, 0)
        first = True
        for line in wrapped.lines:
            surf = self.fonts.render(line, wrapped.size_px, colour, bold)
            if align == "center":
                x = box.left + (box.width - surf.get_width()) // 2
            elif align == "right":
                x = box.right - surf.get_width()
            else:
                x = box.left
            line_rect = pygame.Rect(x, y, surf.get_width(), min(surf.get_height(), wrapped.line_px))
            if line_rect.bottom <= box.bottom or wrapped.is_fitted:
                self.surface.blit(surf, (x, y))
            covered = line_rect.copy() if first else covered.union(line_rect)
            first = False
            y += wrapped.line_px
        self.texts.append(TextRecord(text=text, rect=covered, box=box, size_px=wrapped.size_px,
                                     is_fitted=wrapped.is_fitted))
        return covered

    def text_height(self, text: str, width_px: int, *, role: str = "body", bold: bool = False) -> int:
        """Height the text needs at its role's size when wrapped to ``width_px`` (no shrinking)."""
        font = self.fonts.font(self.theme.font_px(role), bold)
        lines = wrap_words(text, max(1, width_px), lambda s: font.size(s)[0])
        return len(lines) * font.get_linesize()

    # ----- targets --------------------------------------------------------------------------------------------
    def target(self, rect: pygame.Rect, action: Action, label: str, *, is_enabled: bool = True) -> None:
        """Register a touch target without drawing anything."""
        self.targets.append(Target(rect=pygame.Rect(rect), action=action, label=label, is_enabled=is_enabled))

    def target_at(self, pos: tuple[float, float]) -> Target | None:
        """The topmost enabled target under ``pos`` (targets registered later are on top)."""
        for tgt in reversed(self.targets):
            if tgt.rect.collidepoint(pos):
                return tgt if tgt.is_enabled else None
        return None

    def button(self, rect: pygame.Rect, label: str, action: Action, *, kind: str = "primary",
               is_enabled: bool = True, icon: str | None = None, role: str = "button",
               is_dimmed: bool = False) -> pygame.Rect:
        """A big rounded button with a centred label; ``kind``: primary | secondary | danger | ghost.

        ``is_dimmed`` draws it greyed out yet keeps it tappable, so a tap can say why it cannot go on yet."""
        pal = self.palette
        rect = pygame.Rect(rect)
        if not is_enabled or is_dimmed:
            fill, fg = pal.disabled, pal.on_disabled
        elif kind == "primary":
            fill, fg = pal.primary, pal.on_primary
        elif kind == "danger":
            fill, fg = pal.danger, pal.on_danger
        elif kind == "ghost":
            fill, fg = pal.background, pal.text
        else:
            fill, fg = pal.secondary, pal.on_secondary
        radius = self.theme.radius_px
        pygame.draw.rect(self.surface, fill, rect, border_radius=radius)
        if kind in ("secondary", "ghost") or self.theme.is_high_contrast:
            pygame.draw.rect(self.surface, pal.outline if kind != "primary" else fg, rect,
                             width=self.theme.line_px, border_radius=radius)
        pad = self.theme.px(10)
        inner = rect.inflate(-2 * pad, -pad)
        if icon:
            isz = min(inner.height, self.theme.px(30))
            longest = max(label.split(" "), key=len) if label else ""
            if self.fonts.width(longest, self.theme.font_px(role), True) > inner.width - isz - pad:
                icon = None  # the words matter more than the picture
        if icon:
            isz = min(inner.height, self.theme.px(30))
            # icon + label laid out together, centred
            label_w = min(self.fonts.width(label, self.theme.font_px(role), True), inner.width - isz - pad)
            total = isz + pad + label_w
            icon_rect = pygame.Rect(0, 0, isz, isz)
            icon_rect.midleft = (inner.centerx - total // 2, inner.centery)
            draw_icon(self.surface, icon, icon_rect, fg, self.theme.line_px + 1)
            text_box = pygame.Rect(icon_rect.right + pad, inner.top, inner.right - icon_rect.right - pad,
                                   inner.height)
            self.text(label, text_box, role=role, colour=fg, bold=True, align="left", valign="middle")
        else:
            self.text(label, inner, role=role, colour=fg, bold=True, align="center", valign="middle")
        self.target(rect, action, label, is_enabled=is_enabled)
        return rect

    def checkbox(self, rect: pygame.Rect, label: str, is_checked: bool, action: Action) -> pygame.Rect:
        """A large tickable box with its label; the whole row is the target."""
        pal = self.palette
        rect = pygame.Rect(rect)
        pygame.draw.rect(self.surface, pal.surface, rect, border_radius=self.theme.radius_px)
        pygame.draw.rect(self.surface, pal.primary if is_checked else pal.outline, rect,
                         width=self.theme.line_px + (1 if is_checked else 0), border_radius=self.theme.radius_px)
        side = min(rect.height - self.theme.px(16), self.theme.px(44))
        box = pygame.Rect(0, 0, side, side)
        box.midleft = (rect.left + self.theme.px(12), rect.centery)
        pygame.draw.rect(self.surface, pal.primary if is_checked else pal.surface, box,
                         border_radius=self.theme.px(6))
        pygame.draw.rect(self.surface, pal.primary if is_checked else pal.text, box, width=self.theme.px(3),
                         border_radius=self.theme.px(6))
        if is_checked:
            draw_icon(self.surface, "check", box.inflate(-side // 4, -side // 4), pal.on_primary,
                      self.theme.px(4))
        text_box = pygame.Rect(box.right + self.theme.px(12), rect.top + self.theme.px(4),
                               rect.right - box.right - self.theme.px(20), rect.height - self.theme.px(8))
        self.text(label, text_box, role="body", bold=True, valign="middle")
        self.target(rect, action, label)
        return rect

    def panel(self, rect: pygame.Rect, *, colour: RGB | None = None, outline: bool = True) -> None:
        pygame.draw.rect(self.surface, colour or self.palette.surface, rect, border_radius=self.theme.radius_px)
        if outline:
            pygame.draw.rect(self.surface, self.palette.outline, rect, width=max(1, self.theme.line_px - 1),
                             border_radius=self.theme.radius_px)


# ----- indicators ---------------------------------------------------------------------------------------------
def step_indicator(p: Painter, rect: pygame.Rect, step: int, total: int, label: str) -> None:
    """Segments for the steps (done / current / to do) and a 'Paso n de N' label above them."""
    if total <= 0:
        return
    pal = p.palette
    label_h = min(rect.height // 2, p.fonts.line_height(p.theme.font_px("small")) + 2)
    p.text(label, pygame.Rect(rect.left, rect.top, rect.width, label_h), role="small", colour=pal.text_muted,
           valign="bottom")
    bar_h = max(p.theme.px(8), min(p.theme.px(12), rect.height - label_h - p.theme.px(6)))
    top = rect.top + label_h + p.theme.px(5)
    gap = p.theme.px(5)
    seg_w = (rect.width - gap * (total - 1)) / total
    for i in range(total):
        seg = pygame.Rect(round(rect.left + i * (seg_w + gap)), top, max(2, round(seg_w)), bar_h)
        if i < step - 1:
            colour = pal.primary
        elif i == step - 1:
            colour = pal.warning if not p.theme.is_high_contrast else pal.primary
        else:
            colour = pal.disabled
        pygame.draw.rect(p.surface, colour, seg, border_radius=bar_h // 2)


def progress_bar(p: Painter, rect: pygame.Rect, fraction: float) -> None:
    """A horizontal bar filled to ``fraction`` (clamped to 0..1)."""
    fraction = min(1.0, max(0.0, float(fraction)))
    pal = p.palette
    radius = rect.height // 2
    pygame.draw.rect(p.surface, pal.disabled, rect, border_radius=radius)
    if fraction > 0:
        fill = pygame.Rect(rect.left, rect.top, max(rect.height, round(rect.width * fraction)), rect.height)
        pygame.draw.rect(p.surface, pal.primary, fill, border_radius=radius)


def spinner(p: Painter, center: tuple[int, int], radius_px: int, t_s: float) -> None:
    """An animated ring of dots (one turn every 1.2 s) saying 'working, please wait'."""
    pal = p.palette
    n = 12
    head = (t_s / 1.2) % 1.0 * n
    dot = max(3, radius_px // 6)
    for i in range(n):
        ang = 2 * math.pi * i / n - math.pi / 2
        age = (head - i) % n
        shade = max(0.15, 1.0 - age / n)
        colour = tuple(round(pal.background[k] + (pal.primary[k] - pal.background[k]) * shade) for k in range(3))
        x = center[0] + radius_px * math.cos(ang)
        y = center[1] + radius_px * math.sin(ang)
        pygame.draw.circle(p.surface, colour, (round(x), round(y)), dot)


def countdown_ring(p: Painter, center: tuple[int, int], radius_px: int, remaining_s: float,
                   total_s: float) -> None:
    """A ring emptying as time runs out, with the seconds left in the middle."""
    pal = p.palette
    frac = 0.0 if total_s <= 0 else min(1.0, max(0.0, remaining_s / total_s))
    width = max(4, radius_px // 7)
    pygame.draw.circle(p.surface, pal.disabled, center, radius_px, width)
    if frac > 0:
        # a filled band polygon: pygame's thick arcs leave holes
        n = max(8, round(120 * frac))
        angles = [-math.pi / 2 + 2 * math.pi * frac * k / n for k in range(n + 1)]
        outer = [(center[0] + radius_px * math.cos(a), center[1] + radius_px * math.sin(a)) for a in angles]
        r_in = radius_px - width
        inner = [(center[0] + r_in * math.cos(a), center[1] + r_in * math.sin(a)) for a in reversed(angles)]
        pygame.draw.polygon(p.surface, pal.warning, outer + inner)
    seconds = str(max(0, math.ceil(remaining_s)))
    box = pygame.Rect(0, 0, round(radius_px * 1.3), round(radius_px * 1.1))
    box.center = center
    p.text(seconds, box, size_px=max(12, round(radius_px * 0.8)), bold=True, align="center", valign="middle")


# ----- QR -----------------------------------------------------------------------------------------------------
_QR_CACHE: dict[tuple[str, int, RGB, RGB], pygame.Surface] = {}


def qr_matrix(text: str) -> np.ndarray:
    """The QR modules of ``text`` as a bool array (True = dark), without quiet zone.

    Raises ValueError when zxing-cpp cannot encode the text.
    """
    import zxingcpp

    try:
        barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
        img = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    except Exception as exc:  # zxing raises its own error types
        raise ValueError(f"cannot encode a QR code: {exc}") from exc
    if img.ndim == 3:
        img = img[..., 0]
    return img < 128


def qr_surface(text: str, side_px: int, dark: RGB = (0, 0, 0), light: RGB = (255, 255, 255)) -> pygame.Surface:
    """A square QR code of ``text`` no larger than ``side_px``, with a 2-module quiet zone, crisp modules."""
    key = (text, side_px, dark, light)
    found = _QR_CACHE.get(key)
    if found is not None:
        return found
    modules = qr_matrix(text)
    n = modules.shape[0] + 4
    scale = max(1, side_px // n)
    canvas = np.zeros((n, n), dtype=bool)
    canvas[2:-2, 2:-2] = modules
    rgb = np.where(canvas[..., None], np.array(dark, np.uint8), np.array(light, np.uint8)).astype(np.uint8)
    # pygame surfarray is (x, y): transpose rows/cols
    small = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))
    surf = pygame.transform.scale(small, (n * scale, n * scale))
    if len(_QR_CACHE) > 16:
        _QR_CACHE.clear()
    _QR_CACHE[key] = surf
    return surf


def draw_qr(p: Painter, rect: pygame.Rect, text: str) -> pygame.Rect:
    """Draw a QR of ``text`` centred in ``rect`` (always black on white, even in high contrast)."""
    surf = qr_surface(text, min(rect.width, rect.height))
    dest = surf.get_rect(center=rect.center)
    p.surface.blit(surf, dest)
    return dest


# ----- camera preview -----------------------------------------------------------------------------------------
class PreviewBlitter:
    """Turns the worker's BGR preview into a surface scaled to the preview box, converting once per frame index.

    Uses ``pygame.transform.scale`` (nearest) rather than smoothscale: a live preview does not need filtering
    and the Pi's CPU does.
    """

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._surface: pygame.Surface | None = None

    def forget(self) -> None:
        """Drop the last frame (it may show a citizen's card or face)."""
        self._key, self._surface = None, None

    def surface_for(self, image_bgr: np.ndarray, size: tuple[int, int], *, is_mirrored: bool,
                    frame_key: Any = None, target: pygame.Surface | None = None) -> pygame.Surface:
        """Scaled surface of ``image_bgr`` (H×W×3 uint8). Raises ValueError for another shape or dtype."""
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
            raise ValueError(f"preview must be H×W×3 uint8 BGR, got {image_bgr.shape} {image_bgr.dtype}")
        key = (frame_key if frame_key is not None else id(image_bgr), size, is_mirrored)
        if key == self._key and self._surface is not None:
            return self._surface
        h, w = image_bgr.shape[:2]
        want = size[0] / max(1, size[1])
        if abs(w / h - want) > 0.02:  # centre-crop to the box's shape rather than distort the picture
            if w / h > want:
                cw = max(1, round(h * want))
                image_bgr = image_bgr[:, (w - cw) // 2:(w - cw) // 2 + cw]
            else:
                ch = max(1, round(w / want))
                image_bgr = image_bgr[(h - ch) // 2:(h - ch) // 2 + ch, :]
            h, w = image_bgr.shape[:2]
        raw = pygame.image.frombuffer(np.ascontiguousarray(image_bgr), (w, h), "BGR")
        if target is not None and raw.get_bitsize() != target.get_bitsize():
            # convert the small frame once here, not the big scaled one at every blit
            same = pygame.Surface((w, h), 0, target)
            same.blit(raw, (0, 0))
            raw = same
        scaled = pygame.transform.scale(raw, size)
        if is_mirrored:
            scaled = pygame.transform.flip(scaled, True, False)
        self._key, self._surface = key, scaled
        return scaled


_MASKS: dict[tuple[Any, ...], pygame.Surface] = {}


def _guide_mask(size: tuple[int, int], guide_rect: pygame.Rect, kind: str, radius_px: int) -> pygame.Surface:
    """White inside the guide, grey outside: multiplied onto the preview it dims everything but the target."""
    key = (size, tuple(guide_rect), kind, radius_px)
    found = _MASKS.get(key)
    if found is None:
        found = pygame.Surface(size)
        found.fill((150, 150, 150) if kind == "card" else (135, 135, 135))
        if kind == "card":
            pygame.draw.rect(found, (255, 255, 255), guide_rect, border_radius=radius_px)
        else:
            pygame.draw.ellipse(found, (255, 255, 255), guide_rect)
        if len(_MASKS) > 8:
            _MASKS.clear()
        _MASKS[key] = found
    return found


def card_guide_rect(media: pygame.Rect) -> pygame.Rect:
    """Where the card outline goes in the preview: ID-1 aspect, 78 % of the preview width."""
    w = round(media.width * 0.78)
    h = round(w / CARD_ASPECT)
    if h > media.height * 0.85:
        h = round(media.height * 0.85)
        w = round(h * CARD_ASPECT)
    r = pygame.Rect(0, 0, w, h)
    r.center = media.center
    return r


def face_guide_rect(media: pygame.Rect) -> pygame.Rect:
    """Where the face oval goes: a 3:4 ellipse, 70 % of the preview height."""
    h = round(media.height * 0.72)
    w = round(h * 0.75)
    r = pygame.Rect(0, 0, w, h)
    r.center = (media.centerx, media.centery - media.height // 30)
    return r


def preview_point(media: pygame.Rect, frame_size: tuple[int, int], point: tuple[float, float], *,
                  is_mirrored: bool = False) -> tuple[int, int]:
    """Where ``point`` (fractions of the camera frame's width and height) lands in ``media``, given that
    :class:`PreviewBlitter` centre-crops the frame to the box's shape and may mirror it."""
    w, h = frame_size
    want = media.width / max(1, media.height)
    x, y = point[0] * w, point[1] * h
    if w / max(1, h) > want:  # wider than the box: the sides were cropped
        cw = h * want
        x, w = x - (w - cw) / 2, cw
    else:
        ch = w / want
        y, h = y - (h - ch) / 2, ch
    fx, fy = x / max(1e-6, w), y / max(1e-6, h)
    if is_mirrored:
        fx = 1.0 - fx
    return round(media.left + fx * media.width), round(media.top + fy * media.height)


def draw_preview(p: Painter, media: pygame.Rect, blitter: PreviewBlitter, image_bgr: np.ndarray | None, *,
                 guide: str, is_ok: bool = False, progress: float | None = None, is_mirrored: bool = False,
                 frame_key: Any = None, t_s: float = 0.0,
                 card_outline: tuple[tuple[float, float], ...] | None = None) -> None:
    """The live preview in ``media`` with an overlay guide ('card' or 'face') and the capture progress.

    ``card_outline``: the card found in this frame (corners as fractions of the frame), drawn over it so the
    citizen sees the kiosk has the card — in the 'ready' colour once every check passes. Without an image
    (camera starting), a dark box with a spinner.
    """
    pal = p.palette
    if image_bgr is not None:
        surf = blitter.surface_for(image_bgr, media.size, is_mirrored=is_mirrored, frame_key=frame_key,
                                   target=p.surface)
        p.surface.blit(surf, media.topleft)
    else:
        pygame.draw.rect(p.surface, (40, 44, 50), media)
        spinner(p, media.center, min(media.width, media.height) // 8, t_s)
    colour = pal.guide_ok if is_ok else pal.guide
    width = max(3, p.theme.px(4))
    if guide in ("card", "face"):
        g = card_guide_rect(media) if guide == "card" else face_guide_rect(media)
        # darken outside the guide with a cached multiply mask (an alpha overlay costs a full blend per frame)
        p.surface.blit(_guide_mask(media.size, g.move(-media.left, -media.top), guide, p.theme.px(14)),
                       media.topleft, special_flags=pygame.BLEND_RGB_MULT)
    if guide == "card":
        pygame.draw.rect(p.surface, colour, g, width=width, border_radius=p.theme.px(14))
        # corner brackets make the target read as "put the card here"
        arm = g.width // 7
        for cx, cy, dx, dy in ((g.left, g.top, 1, 1), (g.right, g.top, -1, 1), (g.left, g.bottom, 1, -1),
                               (g.right, g.bottom, -1, -1)):
            pygame.draw.line(p.surface, colour, (cx, cy), (cx + dx * arm, cy), width * 2)
            pygame.draw.line(p.surface, colour, (cx, cy), (cx, cy + dy * arm), width * 2)
        if card_outline is not None and image_bgr is not None and len(card_outline) == 4:
            size = (int(image_bgr.shape[1]), int(image_bgr.shape[0]))
            pts = [preview_point(media, size, c, is_mirrored=is_mirrored) for c in card_outline]
            clip = p.surface.get_clip()
            p.surface.set_clip(media)  # a card half out of the frame must not paint over the panel
            pygame.draw.polygon(p.surface, pal.guide_ok if is_ok else pal.guide_found, pts, width=width)
            p.surface.set_clip(clip)
    elif guide == "face":
        pygame.draw.ellipse(p.surface, colour, g, width=width)
    if progress is not None and progress > 0:
        bar = pygame.Rect(media.left + p.theme.px(8), media.bottom - p.theme.px(18), media.width - p.theme.px(16),
                          p.theme.px(10))
        progress_bar(p, bar, progress)
    pygame.draw.rect(p.surface, pal.outline, media, width=max(1, p.theme.line_px - 1))


# ----- signature pad ------------------------------------------------------------------------------------------
Point = tuple[float, float, float]  # (x, y, t_s); x, y normalised to the pad (0..1 of its width/height)


@dataclass
class SignaturePad:
    """Strokes of a handwritten signature with timestamps, with clear / undo / redo and a minimum-ink check.

    Points are stored normalised to the pad (x in 0..1 of its width, y in 0..1 of its height) so a signature
    does not depend on the screen it was drawn on; ``t_s`` is the clock's monotonic time of the touch.
    ``min_ink`` is the pen travel needed, in pad widths (1.0 = one full width of ink).
    """

    min_ink: float = 0.8
    min_points: int = 12
    aspect: float = 3.0  # pad width / height, to measure ink in true proportions
    strokes: list[list[Point]] = field(default_factory=list)
    _redo: list[list[Point]] = field(default_factory=list)
    _is_drawing: bool = False

    def press(self, x: float, y: float, t_s: float) -> None:
        """Start a stroke at the normalised point (clamped to the pad)."""
        self.strokes.append([(_clamp01(x), _clamp01(y), float(t_s))])
        self._redo.clear()
        self._is_drawing = True

    def move(self, x: float, y: float, t_s: float) -> None:
        """Extend the current stroke; ignored when no stroke is in progress."""
        if not self._is_drawing or not self.strokes:
            return
        point = (_clamp01(x), _clamp01(y), float(t_s))
        last = self.strokes[-1][-1]
        if point[0] == last[0] and point[1] == last[1]:
            return
        self.strokes[-1].append(point)

    def release(self, x: float, y: float, t_s: float) -> None:
        """End the current stroke."""
        if self._is_drawing:
            self.move(x, y, t_s)
        self._is_drawing = False

    def clear(self) -> None:
        """Remove every stroke (it can be brought back one by one with redo)."""
        self._redo = list(self.strokes) + self._redo  # redo brings them back in the order they were drawn
        self.strokes = []
        self._is_drawing = False

    def undo(self) -> None:
        if self.strokes:
            self._redo.insert(0, self.strokes.pop())
        self._is_drawing = False

    def redo(self) -> None:
        if self._redo:
            self.strokes.append(self._redo.pop(0))

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def ink_length(self) -> float:
        """Total pen travel in pad widths."""
        total = 0.0
        for stroke in self.strokes:
            for (x0, y0, _), (x1, y1, _) in zip(stroke, stroke[1:], strict=False):
                total += math.hypot(x1 - x0, (y1 - y0) / self.aspect)
        return total

    @property
    def point_count(self) -> int:
        return sum(len(s) for s in self.strokes)

    @property
    def has_enough_ink(self) -> bool:
        """True when the signature has enough ink to be a signature rather than a dot or a stray touch."""
        return self.ink_length >= self.min_ink and self.point_count >= self.min_points

    def export(self) -> tuple[tuple[Point, ...], ...]:
        """Immutable copy of the strokes for the flow event."""
        return tuple(tuple(s) for s in self.strokes)


def _clamp01(v: float) -> float:
    return min(1.0, max(0.0, float(v)))


def draw_signature(p: Painter, rect: pygame.Rect, pad: SignaturePad, hint: str) -> None:
    """The pad: white box, a baseline with an ×, the strokes, and a hint while it is empty."""
    pal = p.palette
    pygame.draw.rect(p.surface, pal.pad, rect, border_radius=p.theme.radius_px)
    pygame.draw.rect(p.surface, pal.outline, rect, width=p.theme.line_px, border_radius=p.theme.radius_px)
    base_y = rect.top + round(rect.height * 0.75)
    x0, x1 = rect.left + p.theme.px(40), rect.right - p.theme.px(20)
    pygame.draw.line(p.surface, (150, 150, 150), (x0, base_y), (x1, base_y), max(1, p.theme.px(2)))
    xs = p.theme.px(10)
    cx, cy = rect.left + p.theme.px(22), base_y - p.theme.px(12)
    pygame.draw.line(p.surface, (150, 150, 150), (cx - xs, cy - xs), (cx + xs, cy + xs), max(1, p.theme.px(3)))
    pygame.draw.line(p.surface, (150, 150, 150), (cx - xs, cy + xs), (cx + xs, cy - xs), max(1, p.theme.px(3)))
    if not pad.strokes and hint:
        box = pygame.Rect(rect.left + p.theme.px(50), rect.top + p.theme.px(8), rect.width - p.theme.px(70),
                          base_y - rect.top - p.theme.px(16))
        p.text(hint, box, role="body", colour=(110, 110, 110), align="center", valign="middle")
    width = max(2, p.theme.px(4))
    for stroke in pad.strokes:
        pts = [(rect.left + x * rect.width, rect.top + y * rect.height) for x, y, _ in stroke]
        if len(pts) == 1:
            pygame.draw.circle(p.surface, pal.ink, (round(pts[0][0]), round(pts[0][1])), width // 2 + 1)
        else:
            pygame.draw.lines(p.surface, pal.ink, False, pts, width)
            for pt in pts:  # round joints: a thick polyline otherwise looks broken
                pygame.draw.circle(p.surface, pal.ink, (round(pt[0]), round(pt[1])), width // 2)


# ----- icons and pictograms -----------------------------------------------------------------------------------
def draw_icon(surface: pygame.Surface, name: str, rect: pygame.Rect, colour: RGB, width: int) -> None:
    """Small line icons drawn with primitives: check, cross, help, back, globe, contrast, text, voice, camera.

    Unknown names draw nothing.
    """
    r = pygame.Rect(rect)
    cx, cy = r.center
    s = min(r.width, r.height)
    if name == "check":
        pts = [(r.left + s * 0.1, cy), (r.left + s * 0.4, r.top + s * 0.8), (r.left + s * 0.92, r.top + s * 0.2)]
        pygame.draw.lines(surface, colour, False, pts, width)
    elif name == "cross":
        d = s * 0.32
        pygame.draw.line(surface, colour, (cx - d, cy - d), (cx + d, cy + d), width)
        pygame.draw.line(surface, colour, (cx - d, cy + d), (cx + d, cy - d), width)
    elif name == "help":
        pygame.draw.circle(surface, colour, (cx, cy), s // 2, max(2, width - 1))
        pygame.draw.arc(surface, colour, pygame.Rect(cx - s * 0.18, cy - s * 0.32, s * 0.36, s * 0.32),
                        -math.pi / 2, math.pi, max(2, width - 1))
        pygame.draw.line(surface, colour, (cx, cy), (cx, cy + s * 0.1), max(2, width - 1))
        pygame.draw.circle(surface, colour, (cx, round(cy + s * 0.25)), max(2, width - 1))
    elif name == "back":
        pygame.draw.lines(surface, colour, False, [(cx + s * 0.15, cy - s * 0.3), (cx - s * 0.15, cy),
                                                   (cx + s * 0.15, cy + s * 0.3)], width)
    elif name == "next":
        pygame.draw.lines(surface, colour, False, [(cx - s * 0.15, cy - s * 0.3), (cx + s * 0.15, cy),
                                                   (cx - s * 0.15, cy + s * 0.3)], width)
    elif name == "globe":
        pygame.draw.circle(surface, colour, (cx, cy), s // 2, max(2, width - 1))
        pygame.draw.ellipse(surface, colour, pygame.Rect(cx - s * 0.2, cy - s * 0.5, s * 0.4, s), max(1, width - 2))
        pygame.draw.line(surface, colour, (cx - s // 2, cy), (cx + s // 2, cy), max(1, width - 2))
    elif name == "contrast":
        pygame.draw.circle(surface, colour, (cx, cy), s // 2, max(2, width - 1))
        pygame.draw.polygon(surface, colour, [(cx, cy - s // 2)] + [
            (cx + s / 2 * math.cos(a), cy + s / 2 * math.sin(a))
            for a in np.linspace(-math.pi / 2, math.pi / 2, 12)] + [(cx, cy + s // 2)])
    elif name == "text":
        f = pygame.Rect(r.left, r.top + s * 0.15, s * 0.7, s * 0.8)
        pygame.draw.lines(surface, colour, False, [(f.left, f.bottom), (f.centerx, f.top), (f.right, f.bottom)],
                          width)
        pygame.draw.line(surface, colour, (f.left + f.width * 0.25, f.centery + s * 0.1),
                         (f.right - f.width * 0.25, f.centery + s * 0.1), width)
        pygame.draw.line(surface, colour, (r.right - s * 0.15, r.top + s * 0.15), (r.right - s * 0.15,
                                                                                  r.top + s * 0.55), width)
        pygame.draw.line(surface, colour, (r.right - s * 0.35, r.top + s * 0.35), (r.right + s * 0.05,
                                                                                  r.top + s * 0.35), width)
    elif name == "voice":
        body = [(r.left + s * 0.1, cy - s * 0.15), (r.left + s * 0.3, cy - s * 0.15), (r.left + s * 0.55, cy - s * 0.4),
                (r.left + s * 0.55, cy + s * 0.4), (r.left + s * 0.3, cy + s * 0.15), (r.left + s * 0.1, cy + s * 0.15)]
        pygame.draw.polygon(surface, colour, body)
        for k in (1, 2):
            arc = pygame.Rect(0, 0, s * 0.3 * k, s * 0.45 * k)
            arc.center = (r.left + s * 0.55, cy)
            pygame.draw.arc(surface, colour, arc, -math.pi / 3, math.pi / 3, max(2, width - 1))
    elif name == "phone":
        pygame.draw.rect(surface, colour, pygame.Rect(cx - s * 0.22, r.top, s * 0.44, s), max(2, width - 1),
                         border_radius=max(2, s // 8))
        pygame.draw.circle(surface, colour, (cx, round(r.top + s * 0.85)), max(2, s // 14))


def _face(surface: pygame.Surface, center: tuple[float, float], r: float, colour: RGB, bg: RGB, width: int,
          *, eyes_closed: bool = False, glasses: bool = False, turn: float = 0.0) -> None:
    cx, cy = center
    pygame.draw.ellipse(surface, colour, pygame.Rect(cx - r * 0.8, cy - r, r * 1.6, r * 2), width)
    ex = r * 0.32
    ey = cy - r * 0.15
    off = turn * r * 0.3
    for side in (-1, 1):
        x = cx + side * ex + off
        if eyes_closed:
            pygame.draw.line(surface, colour, (x - r * 0.12, ey), (x + r * 0.12, ey), width)
        else:
            pygame.draw.circle(surface, colour, (round(x), round(ey)), max(2, round(r * 0.08)))
        if glasses:
            pygame.draw.circle(surface, colour, (round(x), round(ey)), round(r * 0.2), max(1, width - 1))
    mouth = pygame.Rect(cx - r * 0.3 + off, cy + r * 0.25, r * 0.6, r * 0.35)
    pygame.draw.arc(surface, colour, mouth, math.pi + 0.3, 2 * math.pi - 0.3, width)


def draw_pictogram(p: Painter, name: str, rect: pygame.Rect) -> None:
    """Selfie-tip and challenge pictograms drawn with primitives.

    Names: 'light' (face under a lamp), 'no_glasses', 'no_hat', 'straight' (face inside an oval), 'alone',
    'blink', 'turn_left', 'turn_right', 'smile', 'card_front', 'card_back', 'hand_card'. Unknown names draw a
    question mark so a missing picture is visible, not silent.
    """
    pal = p.palette
    s = p.surface
    r = fit_aspect(rect, 1.0)
    cx, cy = r.center
    rad = r.width * 0.34
    w = max(2, p.theme.px(3))
    fg, bg = pal.text, pal.background
    ok, bad = pal.success, pal.danger
    if name == "light":
        _face(s, (cx, cy + rad * 0.3), rad * 0.8, fg, bg, w)
        sun = (round(cx + rad * 0.95), round(cy - rad * 0.9))
        pygame.draw.circle(s, pal.warning, sun, round(rad * 0.25))
        for k in range(8):
            a = k * math.pi / 4
            pygame.draw.line(s, pal.warning, (sun[0] + rad * 0.35 * math.cos(a), sun[1] + rad * 0.35 * math.sin(a)),
                             (sun[0] + rad * 0.5 * math.cos(a), sun[1] + rad * 0.5 * math.sin(a)), w)
    elif name in ("no_glasses", "no_hat"):
        _face(s, (cx, cy + rad * 0.15), rad * 0.8, fg, bg, w, glasses=name == "no_glasses")
        if name == "no_hat":
            brim_y = cy + rad * 0.15 - rad * 0.75
            pygame.draw.line(s, fg, (cx - rad * 0.95, brim_y), (cx + rad * 0.95, brim_y), w + 1)
            pygame.draw.rect(s, fg, pygame.Rect(cx - rad * 0.5, brim_y - rad * 0.5, rad, rad * 0.5), w)
        pygame.draw.circle(s, bad, (cx, cy), round(rad * 1.45), w + 1)
        d = rad * 1.02
        pygame.draw.line(s, bad, (cx - d, cy + d), (cx + d, cy - d), w + 1)
    elif name == "straight":
        pygame.draw.ellipse(s, ok, pygame.Rect(cx - rad * 1.0, cy - rad * 1.3, rad * 2.0, rad * 2.6), w + 1)
        _face(s, (cx, cy), rad * 0.8, fg, bg, w)
    elif name == "alone":
        _face(s, (cx, cy), rad * 0.8, fg, bg, w)
        pygame.draw.circle(s, ok, (round(cx + rad * 1.0), round(cy + rad * 1.0)), round(rad * 0.35))
        draw_icon(s, "check", pygame.Rect(cx + rad * 0.75, cy + rad * 0.75, rad * 0.5, rad * 0.5),
                  pal.on_primary if not p.theme.is_high_contrast else (0, 0, 0), w)
    elif name == "blink":
        _face(s, (cx, cy), rad, fg, bg, w, eyes_closed=True)
    elif name in ("turn_left", "turn_right"):
        sign = -1 if name == "turn_left" else 1
        _face(s, (cx, cy), rad, fg, bg, w, turn=sign)
        ay = cy - rad * 1.25
        pygame.draw.line(s, ok, (cx - sign * rad * 0.6, ay), (cx + sign * rad * 0.9, ay), w + 1)
        tip = (cx + sign * rad * 0.9, ay)
        pygame.draw.polygon(s, ok, [tip, (tip[0] - sign * rad * 0.3, ay - rad * 0.2),
                                    (tip[0] - sign * rad * 0.3, ay + rad * 0.2)])
    elif name == "smile":
        _face(s, (cx, cy), rad, fg, bg, w)
    elif name == "signature":
        pts = [(cx - rad * 1.3 + k * rad * 0.1, cy + math.sin(k * 0.9) * rad * 0.5 - k * rad * 0.02)
               for k in range(27)]
        pygame.draw.lines(s, pal.ink if not p.theme.is_high_contrast else fg, False, pts, w)
        pygame.draw.line(s, fg, (cx - rad * 1.4, cy + rad * 0.8), (cx + rad * 1.4, cy + rad * 0.8), max(1, w - 1))
    elif name == "card":
        draw_card_schematic(p, r.inflate(-r.width // 10, -r.height // 10), "GH", "front")
    else:
        p.text("?", r, role="huge", align="center", valign="middle")


def draw_card_schematic(p: Painter, rect: pygame.Rect, family: str, side: str) -> pygame.Rect:
    """A simplified drawing of a credential layout (not INE's design): family 'EF', 'GH' or 'old', side
    'front'/'back'.

    Front: photo at the left and text lines; E/F show two year boxes (emisión, vigencia), G/H one wide field.
    Back: E/F one QR and a printed signature box above the MRZ; G/H two large QR codes and a small one.
    Returns the card rect.
    """
    pal = p.palette
    card = fit_aspect(rect, CARD_ASPECT)
    s = p.surface
    base = (236, 226, 240) if not p.theme.is_high_contrast else (255, 255, 255)
    ink = (90, 70, 110) if not p.theme.is_high_contrast else (0, 0, 0)
    pygame.draw.rect(s, base, card, border_radius=max(4, card.width // 18))
    pygame.draw.rect(s, pal.outline, card, width=max(1, p.theme.line_px - 1), border_radius=max(4, card.width // 18))
    u = card.width / 100.0
    lw = max(1, round(u * 0.8))

    def box(x: float, y: float, w: float, h: float, fill: bool = False) -> pygame.Rect:
        rr = pygame.Rect(round(card.left + x * u), round(card.top + y * u), max(1, round(w * u)),
                         max(1, round(h * u)))
        pygame.draw.rect(s, ink, rr, 0 if fill else lw)
        return rr

    def line(x: float, y: float, w: float) -> None:
        pygame.draw.line(s, ink, (card.left + x * u, card.top + y * u), (card.left + (x + w) * u, card.top + y * u),
                         max(1, round(u * 1.6)))

    def qr(x: float, y: float, size: float) -> None:
        rr = box(x, y, size, size)
        cell = size / 5
        for i in range(5):
            for j in range(5):
                if (i * 3 + j * 7 + i * j) % 3 == 0 or (i in (0, 4) and j in (0, 4)):
                    pygame.draw.rect(s, ink, pygame.Rect(rr.left + round(i * cell * u), rr.top + round(j * cell * u),
                                                         max(1, round(cell * u)), max(1, round(cell * u))))

    if side == "front":
        is_old = family == "old"  # models before 2014: photo on the right
        line(6, 7, 50)  # header band
        photo = box(70 if is_old else 6, 14, 24, 30)
        pygame.draw.circle(s, ink, (photo.centerx, photo.top + photo.height * 0.38), max(2, round(u * 5)), lw)
        pygame.draw.arc(s, ink, pygame.Rect(photo.left + u * 3, photo.top + photo.height * 0.62, photo.width - u * 6,
                                            photo.height * 0.6), 0, math.pi, lw)
        tx = 6 if is_old else 35
        for k, width in enumerate((40, 36, 44, 30, 38)):
            line(tx, 17 + k * 5.5, min(width, 58))
        if family == "GH":
            box(tx, 48, 40, 7, fill=False)
            line(tx + 3, 51.5, 34)
        else:
            box(tx, 48, 18, 7)
            box(tx + 22, 48, 18, 7)
    else:
        if family == "EF":
            qr(8, 6, 18)
            box(32, 8, 30, 10)  # printed signature
            pygame.draw.arc(s, ink, pygame.Rect(card.left + 35 * u, card.top + 9 * u, 24 * u, 8 * u), 0.3, 2.8, lw)
            box(70, 6, 14, 18)  # fingerprint box
        else:
            qr(6, 5, 24)
            qr(34, 5, 24)
            qr(80, 7, 12)
        for k in range(3):  # MRZ lines
            y = 43 + k * 5
            for c in range(28):
                box(6 + c * 3.2, y, 2.2, 3, fill=True)
    return card


def draw_person_help(p: Painter, rect: pygame.Rect) -> None:
    """A person with a raised hand: 'ask the staff'."""
    pal = p.palette
    r = fit_aspect(rect, 1.0)
    cx, cy = r.center
    u = r.width / 10
    w = max(2, p.theme.px(4))
    pygame.draw.circle(p.surface, pal.primary, (cx, round(cy - u * 2.6)), round(u * 1.3), w)
    pygame.draw.arc(p.surface, pal.primary, pygame.Rect(cx - u * 2.6, cy - u * 0.8, u * 5.2, u * 6.0), 0, math.pi, w)
    pygame.draw.line(p.surface, pal.primary, (cx + u * 1.9, cy + u * 0.2), (cx + u * 3.4, cy - u * 3.6), w)
    pygame.draw.circle(p.surface, pal.primary, (round(cx + u * 3.5), round(cy - u * 3.9)), round(u * 0.5), w)


def blit_photo(p: Painter, rect: pygame.Rect, image_bgr: np.ndarray | None, *, cache: dict[Any, Any],
               key: Any = None) -> pygame.Rect:
    """The photo cut from the card, fitted in ``rect`` with its aspect kept (smoothscaled once and cached)."""
    if image_bgr is None or getattr(image_bgr, "ndim", 0) != 3:
        pygame.draw.rect(p.surface, p.palette.disabled, rect, border_radius=p.theme.radius_px)
        return pygame.Rect(rect)
    h, w = image_bgr.shape[:2]
    dest = fit_aspect(rect, w / h)
    ck = (key if key is not None else id(image_bgr), dest.size)
    found = cache.get(ck)
    # the cached entry keeps its array: an id() reused by another citizen's photo can never match
    if found is None or found[0] is not image_bgr:
        raw = pygame.image.frombuffer(np.ascontiguousarray(image_bgr).tobytes(), (w, h), "BGR")
        found = (image_bgr, pygame.transform.smoothscale(raw, dest.size))
        cache.clear()
        cache[ck] = found
    surf = found[1]
    p.surface.blit(surf, dest)
    pygame.draw.rect(p.surface, p.palette.outline, dest, width=p.theme.line_px)
    return dest


def chunks(seq: Sequence[Any], n: int) -> list[Sequence[Any]]:
    """Split ``seq`` into consecutive groups of ``n`` (the last may be shorter). Raises ValueError for n < 1."""
    if n < 1:
        raise ValueError("group size must be ≥ 1")
    return [seq[i:i + n] for i in range(0, len(seq), n)]
