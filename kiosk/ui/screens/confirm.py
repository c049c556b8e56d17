"""Final confirmation: to whom the support goes, the one-support rule, and 'send'."""

from __future__ import annotations

import pygame

from apoyo_protocol.catalog import WORDING
from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, begin, footer, title


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx)
    lang = m.language
    process = (m.process.title.get(lang) or m.process.title.get("es", "")) if m.process else "—"
    aspirant = m.aspirant.name if m.aspirant else "—"
    act = m.process.act if m.process else "apoyo"
    # An affiliation or a refrendo is not a "support": the citizen reads what they are actually doing.
    wording = WORDING[act][lang if lang in WORDING[act] else "es"] if act != "apoyo" else None
    area = title(ctx, layout.body, wording["title"] if wording else ctx.t("confirm.title"), None,
                 max_title_frac=0.25)
    who = wording["confirm"].format(aspirant=aspirant, process=process) if wording else \
        ctx.t("confirm.body", aspirant=aspirant, process=process)
    lines = [who]
    if m.review is not None and m.review.full_name:
        lines.append(f"{ctx.t('review.name')}: {m.review.full_name}")
    text = "\n".join(lines)
    need = p.text_height(text, area.width - th.px(24), role="button", bold=True) + th.px(28)
    card = pygame.Rect(area.left, area.top, area.width, min(need, area.height * 2 // 3))
    p.panel(card)
    inner = card.inflate(-th.px(24), -th.px(16))
    p.text(text, inner, role="button", bold=True, valign="middle")
    p.text(wording["once"] if wording else ctx.t("confirm.once"), pygame.Rect(area.left, card.bottom + th.px(8), area.width,
                                              area.bottom - card.bottom - th.px(8)), colour=p.palette.text_muted)
    footer(ctx, [(wording["send"] if wording else ctx.t("confirm.send"), ev.Confirmed(), "primary")],
           icons=("check",))
