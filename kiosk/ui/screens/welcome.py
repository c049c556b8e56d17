"""Welcome: what this is, language, accessibility options, and one big Start button."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import columns
from kiosk.ui.screens._base import ScreenContext, begin


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
    help_w = th.px(150 if not th.is_portrait else 130)
    r = pygame.Rect(header.right - mgn - help_w, header.centery - th.min_touch_px // 2, help_w, th.min_touch_px)
    p.button(r, ctx.t("btn.help"), ev.HelpRequested(), kind="secondary", icon="help", role="small")

    body = layout.body
    start_h = max(th.min_touch_px, th.px(90))
    start_w = min(body.width, th.px(420))
    text_area = pygame.Rect(body.left, body.top + th.px(6), body.width, body.height - start_h - th.px(16))
    title_h = min(p.text_height(ctx.t("welcome.title"), text_area.width, role="huge", bold=True),
                  text_area.height // 2)
    r = p.text(ctx.t("welcome.title"), pygame.Rect(text_area.left, text_area.top, text_area.width, title_h),
               role="huge", bold=True, align="center")
    y = r.bottom + th.px(10)
    rest = pygame.Rect(text_area.left, y, text_area.width, text_area.bottom - y)
    body_h = min(p.text_height(ctx.t("welcome.body"), rest.width), rest.height * 2 // 3)
    r = p.text(ctx.t("welcome.body"), pygame.Rect(rest.left, rest.top, rest.width, body_h), align="center")
    p.text(ctx.t("welcome.steps"), pygame.Rect(rest.left, r.bottom + th.px(8), rest.width,
                                                max(0, rest.bottom - r.bottom - th.px(8))),
           colour=p.palette.primary, bold=True, align="center")
    start = pygame.Rect(0, 0, start_w, start_h)
    start.midbottom = (body.centerx, body.bottom)
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
