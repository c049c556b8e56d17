"""Choose the process (shown only when more than one is active)."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext
from kiosk.ui.screens._choices import choice_list


def render(ctx: ScreenContext) -> None:
    lang = ctx.m.language
    items = [(p.title.get(lang) or p.title.get("es", p.id), p.legal_basis, ev.ProcessChosen(p.id))
             for p in ctx.m.processes]
    choice_list(ctx, ctx.t("process.title"), ctx.t("process.body"), items)
