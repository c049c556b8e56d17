"""Welcome: what this is, language, accessibility options, and one big Start button."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import columns
from kiosk.ui.screens._base import ScreenContext, begin
from kiosk.ui.widgets import draw_pictogram


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx)
    header = layout.header
    mgn = th.margin_px
    # language buttons in the header (the language is always shown in its own language)
    lang_w = th.px(150 if not th.is_large_text else 175)
    x = mgn
    for lang in ("es", "en"):
        r = pygame.Rect(x, header.centery - th.min_touch_px // 2, lang_w, th.min_touch_px)
        chosen = m.language == lang
        p.button(r, ctx.t(f"lang.{lang}"), ev.LanguageChosen(lang), kind="primary" if chosen else "secondary",
                 icon="check" if chosen else "globe", role="small")
        x = r.right + th.gap_px

    body = layout.body
    start_h = max(th.min_touch_px, th.px(90))
    start_w = min(body.width, th.px(420))
    gap = th.px(12)
    title_h = min(p.text_height(ctx.t("welcome.title"), body.width, role="huge", bold=True), body.height // 3)
    text_h = min(p.text_height(ctx.t("welcome.body"), body.width), body.height // 4)
    free = body.height - title_h - text_h - start_h - 3 * gap
    steps_h = min(free, th.px(150) if not th.is_portrait else th.px(260))
    show_steps = steps_h >= th.px(70)
    group_h = title_h + text_h + start_h + 2 * gap + ((steps_h + gap) if show_steps else 0)
    y = body.top + max(0, (body.height - group_h) // 2)
    r = p.text(ctx.t("welcome.title"), pygame.Rect(body.left, y, body.width, title_h), role="huge", bold=True,
               align="center")
    y = r.bottom + gap
    r = p.text(ctx.t("welcome.body"), pygame.Rect(body.left, y, body.width, text_h), align="center")
    y = r.bottom + gap
    if show_steps:
        cells = columns(pygame.Rect(body.left, y, body.width, steps_h), 3, th.gap_px)
        for cell, (pic, key) in zip(cells, (("card", "welcome.step_card"), ("straight", "welcome.step_face"),
                                            ("signature", "welcome.step_sign")), strict=True):
            cap_h = min(cell.height // 2, p.fonts.line_height(th.font_px("body"), True) * 2)
            draw_pictogram(p, pic, pygame.Rect(cell.left, cell.top, cell.width, cell.height - cap_h))
            p.text(ctx.t(key), pygame.Rect(cell.left, cell.bottom - cap_h, cell.width, cap_h), bold=True,
                   align="center", colour=p.palette.primary if not th.is_high_contrast else p.palette.text)
        y += steps_h + gap
    start = pygame.Rect(0, 0, start_w, start_h)
    start.midtop = (body.centerx, min(y, body.bottom - start_h))
    p.button(start, ctx.t("btn.start"), ev.StartPressed(), kind="primary", icon="next", role="title")

    # accessibility toggles in the footer
    inner = layout.footer.inflate(-2 * mgn, -2 * mgn)
    h = max(th.min_touch_px, min(inner.height, th.px(76)))
    inner = pygame.Rect(inner.left, inner.centery - h // 2, inner.width, h)
    flags = (("high_contrast", m.high_contrast, "contrast"), ("large_text", m.large_text, "text"),
             ("voice", m.voice, "voice"))
    for rect, (flag, is_on, icon) in zip(columns(inner, 3, th.gap_px), flags, strict=True):
        p.button(rect, ctx.t(f"a11y.{flag}"), ev.AccessibilityToggled(flag),
                 kind="primary" if is_on else "secondary", icon="check" if is_on else icon, role="small")
