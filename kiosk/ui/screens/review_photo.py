"""'¿Es tu foto?': the photo cut from the card, big, with yes / no."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, begin, footer, title
from kiosk.ui.widgets import blit_photo


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx)
    body = layout.body
    if th.is_portrait:
        text_area = title(ctx, body, ctx.t("photo.title"), ctx.t("photo.body"), max_title_frac=0.2)
        photo_rect = text_area
    else:
        photo_rect = pygame.Rect(body.left, body.top, round(body.width * 0.4), body.height)
        text = pygame.Rect(photo_rect.right + th.gap_px * 2, body.top, body.right - photo_rect.right - th.gap_px * 2,
                           body.height)
        title(ctx, text, ctx.t("photo.title"), ctx.t("photo.body"), max_title_frac=0.4)
    blit_photo(p, photo_rect, m.card_photo, cache=ctx.photo_cache, key=id(m.card_photo))
    footer(ctx, [(ctx.t("photo.no"), ev.PhotoRejected(), "secondary"),
                 (ctx.t("photo.yes"), ev.PhotoConfirmed(), "primary")], icons=("cross", "check"))
