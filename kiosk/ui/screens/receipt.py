"""Receipt: thanks; what was supported, when; the folio in big letters; a QR of the signed receipt (folio +
device signature, checkable later by central's public folio check); and when the screen closes."""

from __future__ import annotations

from datetime import datetime

import pygame

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, begin, footer, title
from kiosk.ui.widgets import draw_qr


def sealed_at_text(wall_s: float | None, language: str) -> str:
    """The sealing time in the kiosk's local time, as people write it ('15 de enero de 2027, 17:05')."""
    if wall_s is None:
        return ""
    from babel.dates import format_datetime

    if language == "es":
        return format_datetime(datetime.fromtimestamp(wall_s), "d 'de' MMMM 'de' y, HH:mm", locale="es_MX")
    return format_datetime(datetime.fromtimestamp(wall_s), "MMMM d, y, h:mm a", locale="en_US")


def receipt_lines(ctx: ScreenContext) -> str:
    m = ctx.m
    lang = m.language
    lines = []
    if m.aspirant is not None and m.process is not None:
        process = m.process.title.get(lang) or m.process.title.get("es", "")
        lines.append(ctx.t("receipt.what", aspirant=m.aspirant.name, process=process))
    when = sealed_at_text(m.sealed_wall_s, lang)
    if when:
        lines.append(ctx.t("receipt.when", when=when))
    return "\n".join(lines)


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx)
    body = layout.body
    folio = m.folio or "—"
    if th.is_portrait:
        text_area = pygame.Rect(body.left, body.top, body.width, body.height * 58 // 100)
        qr_area = pygame.Rect(body.left, text_area.bottom + th.gap_px, body.width,
                              body.bottom - text_area.bottom - th.gap_px)
    else:
        qr_side = min(body.height, body.width * 35 // 100)
        qr_area = pygame.Rect(body.right - qr_side, body.top, qr_side, body.height)
        text_area = pygame.Rect(body.left, body.top, qr_area.left - body.left - th.gap_px * 2, body.height)
    rest = title(ctx, text_area, ctx.t("receipt.title"), None, max_title_frac=0.25)
    details = receipt_lines(ctx)
    if details:
        dh = min(p.text_height(details, rest.width, role="small"), rest.height // 3)
        r = p.text(details, pygame.Rect(rest.left, rest.top, rest.width, dh), role="small")
        rest = pygame.Rect(rest.left, r.bottom + th.px(8), rest.width, max(0, rest.bottom - r.bottom - th.px(8)))
    lh = p.fonts.line_height(th.font_px("small"))
    p.text(ctx.t("receipt.folio"), pygame.Rect(rest.left, rest.top, rest.width, lh), role="small",
           colour=p.palette.text_muted, max_lines=1)
    fh = p.fonts.line_height(th.font_px("huge"), True)
    r = p.text(folio, pygame.Rect(rest.left, rest.top + lh, rest.width, fh), role="huge", bold=True, max_lines=1)
    y = r.bottom + th.px(8)
    tail = ctx.t("receipt.keep")
    if m.countdown_s is not None:
        tail += " " + ctx.tr.tn("receipt.closing", m.countdown_s)
    p.text(tail, pygame.Rect(rest.left, y, rest.width, max(0, rest.bottom - y)), role="small",
           colour=p.palette.text_muted)
    if m.folio:
        draw_qr(p, qr_area, m.receipt_qr or m.folio)
    footer(ctx, [(ctx.t("btn.finish"), ev.Confirmed(), "primary")], icons=("check",))
