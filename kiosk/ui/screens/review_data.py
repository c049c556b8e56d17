"""Review the data read from the card: name, sección, vigencia in full; identifiers partly masked."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import columns
from kiosk.ui.screens._base import ScreenContext, begin, footer, title


def review_rows(ctx: ScreenContext) -> list[tuple[str, str]]:
    r = ctx.m.review
    if r is None:
        return []
    # the label itself says the code has no accents or Ñ, where the eye is, even when there is no room for notes
    out = [("review.name_plain", r.full_name), ("review.seccion", r.seccion), ("review.vigencia", r.vigencia),
           ("review.cic", r.cic_masked), ("review.identificador", r.identificador_masked),
           ("review.clave", r.clave_elector_masked), ("review.curp", r.curp_masked)]
    return [(ctx.t(k), v) for k, v in out if v]


def review_notes(ctx: ScreenContext) -> list[str]:
    """Why the data look as they do, most important first: the code on the back of the card has no accents or Ñ
    (a citizen named Peña must not take "PENA" for a misreading and reject good data), it holds 30 letters of
    the name, and only part of each key is shown."""
    notes = [ctx.t("review.accents_note")]
    r = ctx.m.review
    if r is not None and r.full_name.endswith("…"):
        notes.append(ctx.t("review.truncated_note"))
    notes.append(ctx.t("review.ids_note"))  # "CIC" and "Identificador" mean nothing to most citizens
    notes.append(ctx.t("review.masked_note"))
    return notes


def _name_height(ctx: ScreenContext, width: int, avail_h: int) -> tuple[int, str]:
    """Height of the name row and the text role it uses: the title size, or the button size for a long name."""
    p, th = ctx.p, ctx.theme
    r = ctx.m.review
    name = r.full_name if r is not None else ""
    value_w = width - width * (22 if not th.is_portrait else 30) // 100
    role = "title"
    h = p.text_height(name, value_w, role=role, bold=True)
    if h > avail_h * 2 // 5:  # a long name must not push the other data off the screen
        role = "button"
        h = p.text_height(name, value_w, role=role, bold=True)
    return max(h + th.px(8), min(th.px(56), avail_h // 4)), role


def draw_rows(ctx: ScreenContext, area: pygame.Rect, items: list[tuple[str, str]]) -> None:
    """The name first, on the full width and on as many lines as it needs; the rest below it (two columns on a
    landscape screen)."""
    th = ctx.theme
    if not items:
        return
    label_pct = 22 if not th.is_portrait else 30
    name_label, name = items[0]
    name_h, role = _name_height(ctx, area.width, area.height)
    _row(ctx, pygame.Rect(area.left, area.top, area.width, name_h), name_label, name, value_role=role,
         label_pct=label_pct)
    rest_items = items[1:]
    if not rest_items:
        return
    rest = pygame.Rect(area.left, area.top + name_h + th.px(4), area.width,
                       max(0, area.bottom - area.top - name_h - th.px(4)))
    if not th.is_portrait and len(rest_items) > 3:
        left, right = columns(rest, 2, th.gap_px * 2)
        half = (len(rest_items) + 1) // 2
        for col, chunk in ((left, rest_items[:half]), (right, rest_items[half:])):
            h = min(th.px(56), col.height // max(1, len(chunk)))
            for i, (k, v) in enumerate(chunk):
                _row(ctx, pygame.Rect(col.left, col.top + i * h, col.width, h), k, v, label_pct=45)
        return
    h = min(th.px(60), rest.height // max(1, len(rest_items)))
    for i, (k, v) in enumerate(rest_items):
        _row(ctx, pygame.Rect(rest.left, rest.top + i * h, rest.width, h), k, v, label_pct=label_pct)


def _row(ctx: ScreenContext, rect: pygame.Rect, label: str, value: str, *, value_role: str = "button",
         label_pct: int | None = None) -> None:
    p, th = ctx.p, ctx.theme
    pygame.draw.line(p.surface, p.palette.disabled, rect.bottomleft, (rect.right, rect.bottom), 1)
    label_w = rect.width * (label_pct or (22 if not th.is_portrait else 38)) // 100
    p.text(label, pygame.Rect(rect.left, rect.top, label_w - th.gap_px, rect.height - 2), role="small",
           colour=p.palette.text_muted, valign="middle")
    p.text(value, pygame.Rect(rect.left + label_w, rect.top, rect.width - label_w, rect.height - 2),
           role=value_role, bold=True, valign="middle")


def render(ctx: ScreenContext) -> None:
    p, th = ctx.p, ctx.theme
    layout = begin(ctx)
    box = layout.body
    items = review_rows(ctx)
    notes = review_notes(ctx)
    row_h = p.fonts.line_height(th.font_px("button"), True) + th.px(6)
    rows_h = row_h * (3 if not th.is_portrait else len(items) - 1)
    title_h = p.text_height(ctx.t("review.title"), box.width, role="title", bold=True) + th.px(6)
    body_h = p.text_height(ctx.t("review.body"), box.width, role="body") + th.px(10)

    def notes_h(k: int) -> int:
        return p.text_height(" ".join(notes[:k]), box.width, role="small") + th.px(4) if k else 0

    # What must show: the title, the whole name and the data. Then, as room allows: the notes (most important
    # first) and the line under the title (large text on a small screen has room for less).
    has_body, n_notes = False, 0
    for with_body, k in [(True, len(notes)), *((False, k) for k in range(len(notes), -1, -1))]:
        top_h = title_h + (body_h if with_body else 0)
        name_h, _ = _name_height(ctx, box.width, box.height - top_h)
        if top_h + name_h + rows_h + notes_h(k) <= box.height:
            has_body, n_notes = with_body, k
            break
    area = title(ctx, box, ctx.t("review.title"), ctx.t("review.body") if has_body else None, max_title_frac=0.25)
    note_h = notes_h(n_notes)
    draw_rows(ctx, pygame.Rect(area.left, area.top, area.width, area.height - note_h), items)
    if n_notes:
        p.text(" ".join(notes[:n_notes]), pygame.Rect(area.left, area.bottom - note_h + th.px(4), area.width,
                                                      note_h - th.px(4)),
               role="small", colour=p.palette.text_muted, valign="bottom")
    footer(ctx, [(ctx.t("review.wrong"), ev.DataRejected(), "secondary"),
                 (ctx.t("review.ok"), ev.DataConfirmed(), "primary")], icons=("cross", "check"))
