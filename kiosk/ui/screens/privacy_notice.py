"""Privacy notice (FACTS §7): every checklist item, scrollable; an explicit consent tick AND "Acepto";
"No acepto" leaves without penalty. Shown before any camera starts."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import footer_buttons
from kiosk.ui.screens._base import ScreenContext, begin, scroll_area
from kiosk.ui.widgets import LocalAction, Painter, draw_qr

#: (heading key, text key) in the order of FACTS §7's checklist.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("privacy.who.h", "privacy.who"),              # 1 responsible, process, aspirant
    ("privacy.what.h", "privacy.what"),            # 2 what is captured
    ("privacy.why.h", "privacy.why"),              # 3 purpose
    ("privacy.transfer.h", "privacy.transfer"),    # 4 transfers
    ("privacy.sensitive.h", "privacy.sensitive"),  # 5 political preference, express consent
    ("privacy.decline.h", "privacy.decline"),      # 5 decline without penalty
    ("privacy.arco.h", "privacy.arco"),            # 6 ARCO and revocation
    ("privacy.retention.h", "privacy.retention"),  # 7 retention and wipe
    ("privacy.legal.h", "privacy.legal"),          # 9 legal reminders
    ("privacy.full.h", "privacy.full"),            # 8 integral notice + contact (QR)
)


def notice_texts(ctx: ScreenContext) -> list[tuple[str, str]]:
    """The notice as (heading, paragraph) pairs in the screen's language, with the process data filled in."""
    m = ctx.m
    lang = m.language
    process = m.process
    aspirant = m.aspirant
    values = {
        "responsible": process.responsable if process else "—",
        "process": (process.title.get(lang) or process.title.get("es", "")) if process else "—",
        "aspirant": aspirant.name if aspirant else "—",
        "url": process.privacy_url if process and process.privacy_url else "—",
        "legal_basis": process.legal_basis if process and process.legal_basis else "—",
        "contact": m.support.get("email", "") or m.support.get("phone", "") or "—",
        "grace_days": m.support.get("purge_grace_days", "30"),
    }
    return [(ctx.t(h), ctx.t(b, **values)) for h, b in SECTIONS]


def render(ctx: ScreenContext) -> None:
    p, m, th, local = ctx.p, ctx.m, ctx.theme, ctx.local
    layout = begin(ctx)
    body = layout.body
    check_h = th.min_touch_px + th.px(10) + (th.px(16) if th.is_large_text else 0)
    title_h = p.fonts.line_height(th.font_px("title"), True)
    # on a short screen the title scrolls with the notice, so more of the notice is visible at once
    is_title_fixed = body.height - check_h - title_h >= 6 * p.fonts.line_height(th.font_px("body"))
    if is_title_fixed:
        p.text(ctx.t("privacy.title"), pygame.Rect(body.left, body.top, body.width, title_h), role="title",
               bold=True, max_lines=1)
    else:
        title_h = 0
    check = pygame.Rect(body.left, body.bottom - check_h, body.width, check_h)
    notice_h = 0
    if local.notice == "privacy.tick_first":  # "Acepto" was tapped before the box: say what is missing
        notice_h = p.text_height(ctx.t("privacy.tick_first"), body.width, role="body", bold=True)
        p.text(ctx.t("privacy.tick_first"), pygame.Rect(body.left, check.top - notice_h, body.width, notice_h),
               role="body", bold=True, colour=p.palette.danger if not th.is_high_contrast else p.palette.warning)
    area = pygame.Rect(body.left, body.top + title_h + th.px(4), body.width,
                       check.top - notice_h - body.top - title_h - th.px(10))
    sections = notice_texts(ctx)
    url = m.process.privacy_url if m.process and m.process.privacy_url else ""

    def draw(sub: Painter, width: int) -> int:
        y = 0
        gap = th.px(10)
        if not is_title_fixed:
            hh = sub.text_height(ctx.t("privacy.title"), width, role="title", bold=True)
            sub.text(ctx.t("privacy.title"), pygame.Rect(0, y, width, hh), role="title", bold=True)
            y += hh + gap
        for i, (heading, text) in enumerate(sections):
            hh = sub.text_height(heading, width, role="body", bold=True)
            sub.text(heading, pygame.Rect(0, y, width, hh), role="body", bold=True, colour=sub.palette.primary
                     if not th.is_high_contrast else sub.palette.warning)
            y += hh + th.px(2)
            bh = sub.text_height(text, width, role="body")
            sub.text(text, pygame.Rect(0, y, width, bh), role="body")
            y += bh + gap
            if i == len(sections) - 1 and url:
                side = min(width, th.px(150))
                draw_qr(sub, pygame.Rect(0, y, side, side), url)
                y += side + gap
        return y

    key = ("privacy", is_title_fixed, m.language, m.process.id if m.process else None, m.aspirant.id if m.aspirant else None)
    scroll_area(ctx, area, key, draw)
    p.checkbox(check, ctx.t("privacy.checkbox"), local.is_consent_checked, LocalAction("toggle_consent"))
    buttons: list[tuple[str, object, str]] = []
    if m.can_go_back:  # a wrong aspirant is an easy slip: go back to the choice rather than cancel everything
        buttons.append((ctx.t("btn.back"), ev.BackRequested(), "secondary"))
    buttons.append((ctx.t("privacy.decline_btn"), ev.ConsentDeclined(), "secondary"))
    rects = footer_buttons(th, layout.footer, len(buttons) + 1)
    for rect, (label, action, kind) in zip(rects, buttons, strict=False):
        p.button(rect, label, action, kind=kind, icon="cross" if isinstance(action, ev.ConsentDeclined) else None)
    # "Acepto" greyed until the box is ticked, yet a tap on it explains instead of doing nothing
    p.button(rects[-1], ctx.t("privacy.accept"),
             ev.ConsentGiven() if local.is_consent_checked else LocalAction("consent_needs_tick"),
             kind="primary", icon="check", is_dimmed=not local.is_consent_checked)
