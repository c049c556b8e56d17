"""Adaptive screen layouts: where the header, body, footer and camera preview go on each supported panel.

Supported panels: 800×480 (official 7" landscape), 720×1280 (Touch Display 2 portrait), 1024×600, 1280×800.
Other sizes work too (everything is proportional), these are the ones the tests render.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from kiosk.ui.theme import Theme

SUPPORTED_SIZES: tuple[tuple[int, int], ...] = ((800, 480), (720, 1280), (1024, 600), (1280, 800))
CARD_ASPECT = 85.60 / 53.98  # ID-1 width / height
PREVIEW_ASPECT = 4 / 3


@dataclass(frozen=True)
class Layout:
    """The regions of one screen. All rects are in screen pixels."""

    screen: pygame.Rect
    header: pygame.Rect   # step indicator, Help and Cancel
    body: pygame.Rect
    footer: pygame.Rect   # the screen's main actions
    is_portrait: bool


def make_layout(theme: Theme, *, has_header: bool = True, has_footer: bool = True) -> Layout:
    """Split the screen into header / body / footer for ``theme``'s size."""
    w, h = theme.width_px, theme.height_px
    m = theme.margin_px
    screen = pygame.Rect(0, 0, w, h)
    header_h = max(theme.min_touch_px + theme.px(12), theme.px(74)) if has_header else 0
    footer_h = max(theme.min_touch_px + 2 * m, theme.px(92)) if has_footer else 0
    if theme.is_large_text:
        footer_h = max(footer_h, theme.px(104)) if has_footer else 0
    header = pygame.Rect(0, 0, w, header_h)
    footer = pygame.Rect(0, h - footer_h, w, footer_h)
    body = pygame.Rect(m, header_h + (m if not has_header else m // 2), w - 2 * m, 0)
    body.height = footer.top - body.top - (m // 2 if has_footer else m)
    return Layout(screen=screen, header=header, body=body, footer=footer, is_portrait=theme.is_portrait)


def split_media(theme: Theme, body: pygame.Rect, aspect: float = PREVIEW_ASPECT,
                *, max_fraction: float = 0.62) -> tuple[pygame.Rect, pygame.Rect]:
    """Split ``body`` into (media, panel): the preview beside the guidance text (landscape) or above it (portrait).

    The media rect has exactly ``aspect`` (width / height) and takes at most ``max_fraction`` of the split axis.
    """
    gap = theme.gap_px
    if theme.is_portrait:
        mw = body.width
        mh = min(round(mw / aspect), round(body.height * max_fraction))
        mw = min(mw, round(mh * aspect))
        media = pygame.Rect(0, 0, mw, mh)
        media.midtop = body.midtop
        panel = pygame.Rect(body.left, media.bottom + gap, body.width, body.bottom - media.bottom - gap)
    else:
        mh = body.height
        mw = min(round(mh * aspect), round(body.width * max_fraction))
        mh = min(mh, round(mw / aspect))
        media = pygame.Rect(body.left, 0, mw, mh)
        media.centery = body.centery
        panel = pygame.Rect(media.right + gap, body.top, body.right - media.right - gap, body.height)
    return media, panel


def columns(rect: pygame.Rect, n: int, gap_px: int) -> list[pygame.Rect]:
    """``n`` equal columns across ``rect`` separated by ``gap_px``. Raises ValueError for n < 1."""
    if n < 1:
        raise ValueError("need at least one column")
    w = (rect.width - gap_px * (n - 1)) / n
    return [pygame.Rect(round(rect.left + i * (w + gap_px)), rect.top, round(w), rect.height) for i in range(n)]


def rows(rect: pygame.Rect, n: int, gap_px: int) -> list[pygame.Rect]:
    """``n`` equal rows down ``rect`` separated by ``gap_px``. Raises ValueError for n < 1."""
    if n < 1:
        raise ValueError("need at least one row")
    h = (rect.height - gap_px * (n - 1)) / n
    return [pygame.Rect(rect.left, round(rect.top + i * (h + gap_px)), rect.width, round(h)) for i in range(n)]


def fit_aspect(rect: pygame.Rect, aspect: float) -> pygame.Rect:
    """The largest rect of ``aspect`` (width / height) centred in ``rect``."""
    w = min(rect.width, round(rect.height * aspect))
    h = min(rect.height, round(w / aspect))
    out = pygame.Rect(0, 0, w, h)
    out.center = rect.center
    return out


def footer_buttons(theme: Theme, footer: pygame.Rect, n: int) -> list[pygame.Rect]:
    """Rects for ``n`` footer buttons, main action last (rightmost / bottom-right)."""
    m = theme.margin_px
    inner = footer.inflate(-2 * m, -2 * m)
    h = max(theme.min_touch_px, min(inner.height, theme.px(76)))
    inner = pygame.Rect(inner.left, inner.centery - h // 2, inner.width, h)
    if n <= 0:
        return []
    if n == 1:
        w = inner.width if theme.is_portrait else min(inner.width, max(theme.px(300), inner.width // 2))
        r = pygame.Rect(0, 0, w, h)
        r.center = inner.center
        if not theme.is_portrait:
            r.right = inner.right
        return [r]
    return columns(inner, n, theme.gap_px * 2)
