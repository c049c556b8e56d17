"""What every screen shares: the per-frame context, the UI-only state of the current screen, and the chrome
(step indicator, Help and Cancel), titles, scrollable areas and message screens."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pygame

from kiosk.flow import events as ev
from kiosk.flow.screen_model import ScreenModel
from kiosk.flow.states import HELP_STATES, State
from kiosk.ui.i18n import Translator
from kiosk.ui.layout import Layout, footer_buttons, make_layout
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import (
    LocalAction,
    Painter,
    PreviewBlitter,
    SignaturePad,
    TextRecord,
    spinner,
    step_indicator,
)

#: Screens with a Cancel button in the header (a citizen can always leave).
CANCEL_STATES = frozenset({
    State.OPERATOR_PIN, State.CHOOSE_PROCESS, State.CHOOSE_ASPIRANT, State.PRIVACY_NOTICE, State.CARD_FRONT,
    State.CARD_BACK, State.CHOOSE_CARD_MODEL, State.REVIEW_DATA, State.REVIEW_PHOTO, State.SELFIE_TIPS,
    State.SELFIE, State.FACE_MATCH, State.MATCH_RETRY, State.SIGNATURE, State.CONFIRM, State.DUPLICATE_WARNING,
})


@dataclass
class LocalState:
    """UI-only state of the screen on show (scroll position, PIN digits, consent tick, signature).

    It is dropped whenever the flow's state changes, so nothing a citizen typed or drew outlives its screen.
    """

    state: State | None = None
    scroll_px: int = 0
    scroll_max_px: int = 0
    scroll_rect: pygame.Rect | None = None
    scroll_step_px: int = 0
    pin: str = ""
    is_consent_checked: bool = False
    pad: SignaturePad = field(default_factory=SignaturePad)
    pad_rect: pygame.Rect | None = None
    notice: str | None = None  # a UI-side message key, e.g. 'signature.too_short'


@dataclass
class ScreenContext:
    """Everything a screen's ``render`` needs for one frame."""

    p: Painter
    m: ScreenModel
    tr: Translator
    local: LocalState
    now_s: float
    preview: Any = None  # kiosk.camera.base.Frame | None
    blitter: PreviewBlitter = field(default_factory=PreviewBlitter)
    photo_cache: dict[Any, pygame.Surface] = field(default_factory=dict)
    content_cache: dict[Any, Any] = field(default_factory=dict)
    layout: Layout | None = None
    countdown_total_s: float = 15.0  # ui.idle_countdown_s: how long the idle ring takes to empty
    offscreen_texts: list[TextRecord] = field(default_factory=list)

    def t(self, key: str, **values: Any) -> str:
        return self.tr.t(key, **values)

    @property
    def theme(self) -> Theme:
        return self.p.theme


def begin(ctx: ScreenContext, *, has_header: bool = True, has_footer: bool = True) -> Layout:
    """Clear the screen, draw the header (step indicator, Help, Cancel) and return the layout."""
    p = ctx.p
    p.surface.fill(p.palette.background)
    layout = make_layout(ctx.theme, has_header=has_header, has_footer=has_footer)
    ctx.layout = layout
    if has_header:
        draw_header(ctx, layout.header)
    if has_footer:
        pygame.draw.line(p.surface, p.palette.outline, (0, layout.footer.top), (layout.footer.right,
                                                                                 layout.footer.top), 1)
    return layout


def draw_header(ctx: ScreenContext, header: pygame.Rect) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    pygame.draw.rect(p.surface, p.palette.surface, header)
    pygame.draw.line(p.surface, p.palette.outline, header.bottomleft, (header.right, header.bottom), 1)
    mgn = th.margin_px
    btn_h = th.min_touch_px
    right = header.right - mgn
    btn_w = max(th.min_touch_px, th.px(150) if not th.is_portrait else th.px(130))
    if th.is_large_text:
        btn_w = round(btn_w * 1.15)
    top = header.centery - btn_h // 2
    if m.state in CANCEL_STATES:
        r = pygame.Rect(right - btn_w, top, btn_w, btn_h)
        # the flow decides whether to ask "¿Quieres salir?" first (it knows what has been captured)
        p.button(r, ctx.t("btn.cancel"), ev.CancelRequested(), kind="secondary", icon="cross", role="small")
        right = r.left - th.gap_px
    if m.state in HELP_STATES:
        r = pygame.Rect(right - btn_w, top, btn_w, btn_h)
        p.button(r, ctx.t("btn.help"), ev.HelpRequested(), kind="secondary", icon="help", role="small")
        right = r.left - th.gap_px
    if m.step > 0 and m.step_key:
        box = pygame.Rect(mgn, header.top + th.px(6), right - mgn - th.gap_px, header.height - th.px(12))
        label = ctx.t("step.label", n=m.step, total=m.step_total, name=ctx.t(m.step_key))
        step_indicator(p, box, m.step, m.step_total, label)
    elif m.state == State.WELCOME:
        pass  # the welcome screen draws its language buttons there
    else:
        box = pygame.Rect(mgn, header.top, right - mgn - th.gap_px, header.height)
        p.text(ctx.t("app.name"), box, role="body", bold=True, colour=p.palette.text_muted, valign="middle")


def title(ctx: ScreenContext, area: pygame.Rect, text: str, body: str | None = None, *,
          max_title_frac: float = 0.45) -> pygame.Rect:
    """Title (and an optional short paragraph) at the top of ``area``; returns the area left below them."""
    p, th = ctx.p, ctx.theme
    title_h = min(p.text_height(text, area.width, role="title", bold=True), round(area.height * max_title_frac))
    r = p.text(text, pygame.Rect(area.left, area.top, area.width, title_h), role="title", bold=True)
    y = max(r.bottom, area.top) + th.px(6)
    if body:
        body_h = min(p.text_height(body, area.width, role="body"), round((area.bottom - y) * 0.6))
        r = p.text(body, pygame.Rect(area.left, y, area.width, body_h), role="body", colour=p.palette.text_muted)
        y = r.bottom + th.px(10)
    return pygame.Rect(area.left, y, area.width, max(0, area.bottom - y))


def footer(ctx: ScreenContext, buttons: Sequence[tuple[str, Any, str]], *, icons: Sequence[str | None] = ()
           ) -> list[pygame.Rect]:
    """Footer buttons (label, action, kind), main action last. Returns their rects."""
    if ctx.layout is None:
        raise RuntimeError("footer() before begin(): the screen has no layout yet")
    rects = footer_buttons(ctx.theme, ctx.layout.footer, len(buttons))
    for i, (rect, (label, action, kind)) in enumerate(zip(rects, buttons, strict=True)):
        enabled = action is not None
        ctx.p.button(rect, label, action, kind=kind, is_enabled=enabled,
                     icon=icons[i] if i < len(icons) else None)
    return rects


def busy_overlay(ctx: ScreenContext) -> None:
    """A quick check is running: dim the step below the header, show a spinner, swallow touches there.
    Help and Cancel in the header stay live: a citizen who wants to leave is never made to wait."""
    p = ctx.p
    w, h = p.surface.get_size()
    top = ctx.layout.header.bottom + 1 if ctx.layout is not None and ctx.layout.header.height else 0
    shade = pygame.Surface((w, h - top), pygame.SRCALPHA)
    shade.fill((0, 0, 0, 120))
    p.surface.blit(shade, (0, top))
    r = min(w, h - top) // 10
    centre = (w // 2, top + (h - top) // 2)
    pygame.draw.circle(p.surface, p.palette.surface, centre, round(r * 1.6))
    spinner(p, centre, r, ctx.now_s)
    p.target(pygame.Rect(0, top, w, h - top), None, "busy", is_enabled=False)


def cancel_dialog(ctx: ScreenContext) -> None:
    """"Do you want to leave?" over the current step: dims it, swallows touches, offers stay or leave.
    On the privacy notice, after "No acepto": nothing was kept; end, or read the notice again."""
    p, th = ctx.p, ctx.theme
    w, h = p.surface.get_size()
    shade = pygame.Surface((w, h), pygame.SRCALPHA)
    shade.fill((0, 0, 0, 140))
    p.surface.blit(shade, (0, 0))
    p.target(pygame.Rect(0, 0, w, h), None, "dialog", is_enabled=False)
    box_w = min(w - 2 * th.margin_px, th.px(640))
    inner_w = box_w - 2 * th.px(20)
    is_decline = ctx.m.state == State.PRIVACY_NOTICE
    prefix = "declined" if is_decline else "cancel"
    heading, body = ctx.t(f"{prefix}.title"), ctx.t(f"{prefix}.body")
    heading_h = p.text_height(heading, inner_w, role="title", bold=True)
    body_h = p.text_height(body, inner_w, role="body")
    btn_h = th.min_touch_px + th.px(8)
    box_h = min(h - 2 * th.margin_px, th.px(20) * 3 + heading_h + th.px(8) + body_h + btn_h)
    box = pygame.Rect((w - box_w) // 2, (h - box_h) // 2, box_w, box_h)
    p.panel(box)
    y = box.top + th.px(20)
    r = p.text(heading, pygame.Rect(box.left + th.px(20), y, inner_w, heading_h), role="title", bold=True)
    y = r.bottom + th.px(8)
    buttons_top = box.bottom - th.px(20) - btn_h
    p.text(body, pygame.Rect(box.left + th.px(20), y, inner_w, max(0, buttons_top - th.px(10) - y)), role="body")
    half = (inner_w - th.gap_px) // 2
    leave = pygame.Rect(box.left + th.px(20), buttons_top, half, btn_h)
    stay = pygame.Rect(leave.right + th.gap_px, buttons_top, inner_w - half - th.gap_px, btn_h)
    # as on the idle warning ("Terminar | Sí, sigo aquí"): leaving on the left, keeping the work is the
    # primary button on the right, where every step's "go on" is
    p.button(leave, ctx.t(f"{prefix}.leave"), ev.CancelConfirmed(), kind="secondary", icon="cross")
    p.button(stay, ctx.t(f"{prefix}.stay"), ev.CancelKept(), kind="primary", icon="back")


def scroll_area(ctx: ScreenContext, rect: pygame.Rect, key: Any,
                draw_content: Callable[[Painter, int], int], *, show_buttons: bool = True) -> None:
    """A vertically scrollable area: ``draw_content(painter, width_px)`` draws onto a tall surface and returns
    the content height. Drag inside ``rect`` to scroll; Up/Down buttons appear when the content overflows.

    The content is re-drawn only when ``key`` (anything hashable that changes what is drawn) changes.
    """
    p, th, local = ctx.p, ctx.theme, ctx.local
    btn_w = th.min_touch_px
    inner_w = rect.width - (btn_w + th.gap_px if show_buttons else 0)
    cache = ctx.content_cache
    ck = ("scroll", key, inner_w, th)
    cached = cache.get(ck)
    if cached is None:
        # draw once to learn the height, then on a surface that tall
        probe = pygame.Surface((inner_w, 4 * rect.height + th.px(4000)), pygame.SRCALPHA)
        sub = Painter(probe, th, p.fonts, p.wrap_cache)
        height = draw_content(sub, inner_w)
        content = probe.subsurface(pygame.Rect(0, 0, inner_w, max(1, min(height, probe.get_height())))).copy()
        cached = (content, list(sub.texts), sub.targets)
        if len(cache) > 8:
            cache.clear()
        cache[ck] = cached
    content, texts, _targets = cached
    ctx.offscreen_texts.extend(texts)
    overflow = max(0, content.get_height() - rect.height)
    local.scroll_max_px = overflow
    local.scroll_px = min(max(0, local.scroll_px), overflow)
    local.scroll_rect = pygame.Rect(rect.left, rect.top, inner_w, rect.height)
    local.scroll_step_px = max(th.px(40), rect.height * 2 // 3)
    p.surface.blit(content, rect.topleft, pygame.Rect(0, local.scroll_px, inner_w, rect.height))
    if local.scroll_px < overflow:
        # fade the last lines into the background: 'there is more below', not 'the text is cut'
        fade_h = min(rect.height // 3, th.px(36))
        fade = _fade_surface(inner_w, fade_h, p.palette.background)
        p.surface.blit(fade, (rect.left, rect.bottom - fade_h))
    if local.scroll_px > 0:  # and a line cut at the top fades too
        fade_h = min(rect.height // 4, th.px(24))
        fade = pygame.transform.flip(_fade_surface(inner_w, fade_h, p.palette.background), False, True)
        p.surface.blit(fade, rect.topleft)
    if overflow and show_buttons:
        x = rect.right - btn_w
        up = pygame.Rect(x, rect.top, btn_w, max(th.min_touch_px, rect.height // 2 - th.gap_px // 2))
        down = pygame.Rect(x, rect.bottom - up.height, btn_w, up.height)
        p.button(up, "", LocalAction("scroll", -1), kind="secondary", is_enabled=local.scroll_px > 0)
        p.targets[-1] = dataclasses.replace(p.targets[-1], label=ctx.t("btn.scroll_up"))
        arrow(p, up, -1)
        p.button(down, "", LocalAction("scroll", 1), kind="secondary",
                 is_enabled=local.scroll_px < overflow)
        p.targets[-1] = dataclasses.replace(p.targets[-1], label=ctx.t("btn.scroll_down"))
        arrow(p, down, 1)
        # a thin bar shows where in the text the citizen is
        track = pygame.Rect(rect.left + inner_w + th.gap_px // 2 - 2, rect.top, 3, rect.height)
        pygame.draw.rect(p.surface, p.palette.disabled, track)
        thumb_h = max(th.px(20), rect.height * rect.height // content.get_height())
        thumb_y = rect.top + (rect.height - thumb_h) * local.scroll_px // max(1, overflow)
        pygame.draw.rect(p.surface, p.palette.primary, pygame.Rect(track.left, thumb_y, 3, thumb_h))


_FADES: dict[tuple[int, int, tuple[int, int, int]], pygame.Surface] = {}


def _fade_surface(width: int, height: int, colour: tuple[int, int, int]) -> pygame.Surface:
    key = (width, height, colour)
    found = _FADES.get(key)
    if found is None:
        found = pygame.Surface((width, height), pygame.SRCALPHA)
        for y in range(height):
            pygame.draw.line(found, (*colour, round(255 * (y + 1) / height)), (0, y), (width, y))
        if len(_FADES) > 8:
            _FADES.clear()
        _FADES[key] = found
    return found


def arrow(p: Painter, rect: pygame.Rect, direction: int) -> None:
    cx, cy = rect.center
    s = min(rect.width, rect.height) // 4
    colour = p.palette.on_secondary
    pts = [(cx - s, cy - direction * s // 2), (cx + s, cy - direction * s // 2), (cx, cy + direction * s // 2)]
    pygame.draw.polygon(p.surface, colour, pts)


def message_screen(ctx: ScreenContext, picture: Callable[[Painter, pygame.Rect], None] | None, heading: str,
                   body: str, buttons: Sequence[tuple[str, Any, str]], *, extra: str | None = None,
                   has_header: bool = True) -> pygame.Rect:
    """A picture, a heading, a paragraph (and an extra line), then footer buttons. Returns the text area."""
    layout = begin(ctx, has_header=has_header, has_footer=bool(buttons))
    body_rect = layout.body
    th = ctx.theme
    if picture is not None:
        if th.is_portrait:
            pic = pygame.Rect(body_rect.left, body_rect.top, body_rect.width, round(body_rect.height * 0.32))
            text_area = pygame.Rect(body_rect.left, pic.bottom + th.gap_px, body_rect.width,
                                    body_rect.bottom - pic.bottom - th.gap_px)
        else:
            pic = pygame.Rect(body_rect.left, body_rect.top, round(body_rect.width * 0.28), body_rect.height)
            text_area = pygame.Rect(pic.right + th.gap_px * 2, body_rect.top,
                                    body_rect.right - pic.right - th.gap_px * 2, body_rect.height)
        picture(ctx.p, pic.inflate(-th.px(10), -th.px(10)))
    else:
        text_area = body_rect
    rest = title(ctx, text_area, heading, max_title_frac=0.4)
    if extra:
        extra_h = min(ctx.p.text_height(extra, rest.width, role="body", bold=True), rest.height // 2)
        body_box = pygame.Rect(rest.left, rest.top, rest.width, max(0, rest.height - extra_h - th.px(8)))
        r = ctx.p.text(body, body_box, role="body")
        ctx.p.text(extra, pygame.Rect(rest.left, min(r.bottom + th.px(8), rest.bottom - extra_h), rest.width,
                                      extra_h), role="body", bold=True)
    else:
        ctx.p.text(body, rest, role="body")
    if buttons:
        footer(ctx, buttons)
    return text_area
