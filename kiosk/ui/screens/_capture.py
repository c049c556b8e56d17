"""Shared layout of the camera steps: live preview with an overlay guide beside (or above) the instructions."""

from __future__ import annotations

import pygame

from kiosk.ui.layout import make_layout, split_media
from kiosk.ui.screens._base import ScreenContext, begin
from kiosk.ui.widgets import draw_card_schematic, draw_pictogram, draw_preview, progress_bar


def guidance_text(ctx: ScreenContext, code: str | None) -> str | None:
    """The guidance code's text, or None when the code is unknown (never show a raw code to a citizen)."""
    if not code:
        return None
    return ctx.t(code) if ctx.tr.has(code) else None


def capture_screen(ctx: ScreenContext, heading: str, instructions: str, *, guide: str, is_mirrored: bool,
                   status: str | None, status_is_ok: bool, pictogram: str | None = None,
                   progress_label: str | None = None, card_side: str | None = None) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    # The frame changes 30 times a second, the rest only when the guidance does: draw the rest once, keep it
    # (with its text and touch records) and paint only the preview over it each frame.
    key = ("capture", th, m.state, m.step, m.step_key, heading, instructions, guide, status, status_is_ok,
           pictogram, progress_label, m.liveness_completed, m.liveness_total, card_side)
    cached = ctx.content_cache.get(key)
    if cached is None:
        layout = begin(ctx, has_footer=False)
        _draw_panel(ctx, layout.body, heading, instructions, guide=guide, status=status, status_is_ok=status_is_ok,
                    pictogram=pictogram, progress_label=progress_label, card_side=card_side)
        cached = (p.surface.copy(), list(p.texts), list(p.targets))
        if len(ctx.content_cache) > 8:
            ctx.content_cache.clear()
        ctx.content_cache[key] = cached
    else:
        p.surface.blit(cached[0], (0, 0))
        p.texts.extend(cached[1])
        p.targets.extend(cached[2])
    media, _ = _split(ctx, guide)
    frame = ctx.preview if m.is_preview else None
    image = getattr(frame, "image", None)
    draw_preview(p, media, ctx.blitter, image, guide=guide, is_ok=status_is_ok,
                 progress=m.progress if guide == "card" else None, is_mirrored=is_mirrored,
                 frame_key=getattr(frame, "index", None), t_s=ctx.now_s,
                 card_outline=getattr(frame, "card_outline", None) if guide == "card" else None)


def _split(ctx: ScreenContext, guide: str) -> tuple[pygame.Rect, pygame.Rect]:
    th = ctx.theme
    body = make_layout(th, has_footer=False).body
    # portrait selfie: a 3:4 centre crop shows the face bigger than the camera's 4:3 frame would
    aspect = 3 / 4 if (th.is_portrait and guide == "face") else 4 / 3
    return split_media(th, body, aspect, max_fraction=0.6 if not th.is_portrait else 0.55)


def _draw_panel(ctx: ScreenContext, body: pygame.Rect, heading: str, instructions: str, *, guide: str,
                status: str | None, status_is_ok: bool, pictogram: str | None, progress_label: str | None,
                card_side: str | None) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    _, panel = _split(ctx, guide)
    inner = panel.inflate(-th.px(4), 0)
    y = inner.top
    h = min(p.text_height(heading, inner.width, role="title", bold=True), inner.height // 3)
    r = p.text(heading, pygame.Rect(inner.left, y, inner.width, h), role="title", bold=True)
    y = r.bottom + th.px(6)
    if pictogram:
        size = min(th.px(110), (inner.bottom - y) // 3)
        pic = pygame.Rect(inner.left, y, inner.width if th.is_portrait else size, size)
        if th.is_portrait:
            pic = pygame.Rect(inner.left, y, size, size)
        draw_pictogram(p, pictogram, pic)
        text_box = pygame.Rect(pic.right + th.gap_px, y, inner.right - pic.right - th.gap_px, size)
        p.text(instructions, text_box, role="title", bold=True, valign="middle",
               colour=p.palette.primary if not th.is_high_contrast else p.palette.warning)
        y = pic.bottom + th.px(8)
    else:
        bh = min(p.text_height(instructions, inner.width), (inner.bottom - y) // 2)
        r = p.text(instructions, pygame.Rect(inner.left, y, inner.width, bh), colour=p.palette.text_muted)
        y = r.bottom + th.px(10)
    if progress_label:
        lh = p.fonts.line_height(th.font_px("small"))
        p.text(progress_label, pygame.Rect(inner.left, y, inner.width, lh), role="small",
               colour=p.palette.text_muted, max_lines=1)
        y += lh + th.px(4)
        bar = pygame.Rect(inner.left, y, inner.width, th.px(12))
        total = max(1, m.liveness_total)
        progress_bar(p, bar, m.liveness_completed / total)
        y = bar.bottom + th.px(10)
    if status:
        box = pygame.Rect(inner.left, y, inner.width, max(0, inner.bottom - y))
        need = p.text_height(status, box.width - th.px(24), role="button", bold=True) + th.px(20)
        box.height = min(box.height, need)
        colour = p.palette.success if status_is_ok else p.palette.warning
        pygame.draw.rect(p.surface, p.palette.surface, box, border_radius=th.radius_px)
        pygame.draw.rect(p.surface, colour, box, width=th.line_px + 1, border_radius=th.radius_px)
        p.text(status, box.inflate(-th.px(24), -th.px(12)), role="button", bold=True, valign="middle")
        y = box.bottom + th.px(12)
    if card_side and inner.bottom - y >= th.px(120):
        # where there is room (portrait), a drawing of the side to show
        pic = pygame.Rect(inner.left, y, inner.width, min(inner.bottom - y, th.px(200)))
        draw_card_schematic(p, pic, "GH", card_side)
