"""A scrollable list of big choice rows (process, aspirant)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pygame

from kiosk.ui.layout import footer_buttons
from kiosk.ui.screens._base import ScreenContext, arrow, begin, title
from kiosk.ui.widgets import LocalAction


def choice_list(ctx: ScreenContext, heading: str, sub: str, items: Sequence[tuple[str, str, Any]], *,
                back: Any = None) -> None:
    """Items are (label, sublabel, action). Rows are at least one touch target high; Up/Down when they overflow.
    ``back``: the action of a "Volver" button in the footer's left corner (None: no footer)."""
    p, th, local = ctx.p, ctx.theme, ctx.local
    layout = begin(ctx, has_footer=back is not None)
    if back is not None:
        left = footer_buttons(th, layout.footer, 2)[0]  # where "go back" sits on every step (left)
        p.button(left, ctx.t("btn.back"), back, kind="secondary", icon="back")
    area = title(ctx, layout.body, heading, sub, max_title_frac=0.3)
    row_h = max(th.min_touch_px + th.px(16), th.px(84) if not th.is_large_text else th.px(104))
    if th.is_portrait:  # narrow lines: give the names room for two lines at full size
        row_h = round(row_h * 1.3)
    gap = th.gap_px
    per_page = max(1, (area.height + gap) // (row_h + gap))
    needs_paging = len(items) > per_page
    list_w = area.width - (th.min_touch_px + gap if needs_paging else 0)
    if needs_paging:
        per_page = max(1, per_page)
        local.scroll_max_px = max(0, len(items) - per_page)
        local.scroll_step_px = 1
        local.scroll_px = min(max(0, local.scroll_px), local.scroll_max_px)
        first = local.scroll_px
    else:
        local.scroll_max_px = 0
        first = 0
    y = area.top
    for label, sublabel, action in items[first:first + per_page]:
        row = pygame.Rect(area.left, y, list_w, row_h)
        pygame.draw.rect(p.surface, p.palette.surface, row, border_radius=th.radius_px)
        pygame.draw.rect(p.surface, p.palette.primary, row, width=th.line_px + 1, border_radius=th.radius_px)
        inner = row.inflate(-th.px(24), -th.px(10))
        arrow_w = th.px(26)
        text_box = pygame.Rect(inner.left, inner.top, inner.width - arrow_w - th.gap_px, inner.height)
        if sublabel:
            top_h = text_box.height * 3 // 5
            p.text(label, pygame.Rect(text_box.left, text_box.top, text_box.width, top_h), role="button",
                   bold=True, valign="bottom")
            p.text(sublabel, pygame.Rect(text_box.left, text_box.top + top_h, text_box.width,
                                         text_box.height - top_h), role="small", colour=p.palette.text_muted)
        else:
            p.text(label, text_box, role="button", bold=True, valign="middle")
        cx = inner.right - arrow_w // 2
        s = arrow_w // 2
        pygame.draw.lines(p.surface, p.palette.primary, False, [(cx - s // 2, row.centery - s),
                                                                (cx + s // 2, row.centery),
                                                                (cx - s // 2, row.centery + s)], th.px(4))
        p.target(row, action, label)
        y = row.bottom + gap
    if needs_paging:
        x = area.right - th.min_touch_px
        half = (area.height - gap) // 2
        up = pygame.Rect(x, area.top, th.min_touch_px, half)
        down = pygame.Rect(x, area.bottom - half, th.min_touch_px, half)
        # arrows, not words: the column is one finger wide
        p.button(up, "", LocalAction("page", -1), kind="secondary", is_enabled=first > 0)
        arrow(p, up, -1)
        p.button(down, "", LocalAction("page", 1), kind="secondary", is_enabled=first < local.scroll_max_px)
        arrow(p, down, 1)
        p.targets[-2:] = [dataclasses.replace(t, label=ctx.t(key))
                          for t, key in zip(p.targets[-2:], ("btn.scroll_up", "btn.scroll_down"), strict=True)]
