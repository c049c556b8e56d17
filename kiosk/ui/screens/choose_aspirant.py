"""Choose the aspirant the citizen supports (skipped by the flow when there is only one)."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext
from kiosk.ui.screens._choices import choice_list


def render(ctx: ScreenContext) -> None:
    lang = ctx.m.language
    items = [(a.name, a.office.get(lang) or a.office.get("es", ""), ev.AspirantChosen(a.id))
             for a in ctx.m.aspirants]
    # a wrong process is the likeliest slip on the way in: let the citizen go back rather than cancel everything
    back = ev.BackRequested() if len(ctx.m.processes) > 1 else None
    choice_list(ctx, ctx.t("aspirant.title"), ctx.t("aspirant.body"), items, back=back)
