"""ScreenModel: everything one screen needs to draw itself, derived from the machine (pure).

The UI never reads the machine or the session directly; it reads this. Identifiers are masked here, so a
screen cannot show more than it should even by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.flow.machine import (
    CARD_MODELS,
    RETRYABLE_CARD_REASONS,
    Machine,
    can_leave_notice_back,
    countdown_s,
    offered_processes,
)
from kiosk.flow.states import STEP_TOTAL, STEPS, State

#: Version of the privacy notice text (kiosk/ui/locales) recorded with every consent; bump it with the text.
NOTICE_VERSION = "aviso-simplificado-2026.1"


@dataclass(frozen=True)
class AspirantItem:
    id: str
    name: str
    office: Mapping[str, str]  # 'es'/'en' -> office


@dataclass(frozen=True)
class ProcessItem:
    id: str
    kind: str
    title: Mapping[str, str]  # 'es'/'en' -> title
    legal_basis: str
    responsable: str
    privacy_url: str
    aspirants: tuple[AspirantItem, ...]
    act: str = "apoyo"  # what the citizen does: apoyo, afiliacion or refrendo (apoyo_protocol.catalog.WORDING)


@dataclass(frozen=True)
class ReviewData:
    """What the review screen shows. Name, sección and vigencia in full; identifiers masked ('****56789')."""

    full_name: str
    seccion: str
    vigencia: str  # year, e.g. '2031'
    birth_date: str  # ISO date
    sex: str  # 'H' | 'M' as printed
    cic_masked: str
    identificador_masked: str
    curp_masked: str
    clave_elector_masked: str
    card_model: str


@dataclass(frozen=True)
class ScreenModel:
    state: State
    language: str
    high_contrast: bool
    large_text: bool
    voice: bool
    step: int  # 1..step_total; 0 = no step indicator on this screen
    step_total: int
    step_key: str | None  # i18n key of the step name, e.g. 'step.card'
    is_busy: bool = False  # a quick check is running (PIN, duplicate, card evaluation): show a spinner
    is_cancel_asked: bool = False  # show "¿Quieres salir?" (or, on the notice, "No aceptaste") over the screen
    can_go_back: bool = False  # the privacy notice can go back to the aspirant / process choice
    # live capture
    is_preview: bool = False  # show the camera preview with the overlay guide
    overlay: str | None = None  # 'card' (card outline) | 'face' (face oval) | None
    guidance: str | None = None  # vision/face guidance code, e.g. 'card.move_closer'
    progress: float = 0.0  # 0..1 towards auto-capture
    challenge: str | None = None  # liveness challenge being asked: 'blink' | 'turn_left' | ...
    challenge_guidance: str | None = None
    liveness_completed: int = 0
    liveness_total: int = 0
    # choices
    processes: tuple[ProcessItem, ...] = ()
    process: ProcessItem | None = None  # the chosen one (privacy notice, confirm, receipt)
    aspirants: tuple[AspirantItem, ...] = ()  # of the chosen process
    aspirant: AspirantItem | None = None
    card_models: tuple[str, ...] = CARD_MODELS  # the picker shows all; accepted ones are listed below
    accepted_models: tuple[str, ...] = ()
    # review
    review: ReviewData | None = None
    card_photo: Any = None  # BGR crop of the card's photo (review_photo)
    # outcomes
    countdown_s: int | None = None  # idle warning / receipt / lockout
    folio: str | None = None
    receipt_qr: str = ""  # what the receipt's QR carries: folio + device signature (else the folio alone)
    sealed_wall_s: float | None = None  # when the record was sealed (Unix seconds; shown in local time)
    reason: str | None = None  # refusal / failsafe / out-of-service reason code
    notice: str | None = None  # transient message code ('pin.wrong', 'signature.empty', ...)
    can_retry: bool = False
    attempts_left: int | None = None  # face match attempts left (match_retry)
    pin_attempts_left: int | None = None
    is_duplicate: bool = False
    help_return: State | None = None  # the step the help overlay returns to
    support: Mapping[str, str] = field(default_factory=dict)  # 'phone', 'email', 'hours'


def mask(value: str | None, visible: int = 5) -> str:
    """``'123456789'`` -> ``'****56789'``: four stars then the last ``visible`` characters."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= visible:
        return "*" * len(value)
    return "****" + value[-visible:]


def _process_item(p: Any) -> ProcessItem:
    return ProcessItem(
        id=p.id, kind=p.kind, title=dict(p.title), legal_basis=p.legal_basis, responsable=p.responsable,
        privacy_url=p.privacy_url, act=getattr(p, "act", "apoyo"),
        aspirants=tuple(AspirantItem(id=a.id, name=a.name, office=dict(a.office)) for a in p.aspirants))


def _review(m: Machine) -> ReviewData | None:
    back = m.session.back
    if back is None:
        return None
    f = back.fields
    # In the card's own order (paternal, maternal, given names), so it reads like the front of the credential.
    # The MRZ cuts long names at 30 characters: a cut name ends in '…' rather than looking misread.
    name = " ".join(x for x in (f.get("surname_paternal", ""), f.get("surname_maternal", ""),
                                f.get("given_names", "")) if x)
    if name and back.details.get("is_name_truncated"):
        name += "…"
    return ReviewData(
        full_name=name, seccion=f.get("seccion", ""), vigencia=str(f.get("vigencia_year", "")),
        birth_date=f.get("birth_date", ""), sex=f.get("sex", ""), cic_masked=mask(f.get("cic")),
        identificador_masked=mask(f.get("identificador")), curp_masked=mask(f.get("curp"), 4),
        clave_elector_masked=mask(f.get("clave_elector"), 4), card_model=m.session.card_model or "")


def build_screen_model(m: Machine) -> ScreenModel:
    """The ScreenModel of the machine's current state."""
    st = m.state
    step, step_key = STEPS.get(st, (0, None))
    processes = tuple(_process_item(p) for p in offered_processes(m))
    chosen = next((p for p in m.settings.processes if p.id == m.session.process_id), None)
    process = _process_item(chosen) if chosen is not None else None
    aspirant = next((a for a in process.aspirants if a.id == m.session.aspirant_id), None) if process else None
    overlay = "card" if st in (State.CARD_FRONT, State.CARD_BACK) else "face" if st == State.SELFIE else None
    show_review = st in (State.REVIEW_DATA, State.REVIEW_PHOTO, State.DUPLICATE_WARNING, State.CONFIRM)
    can_retry = (st == State.MATCH_RETRY) or (
        st == State.CARD_REFUSED and m.reason in RETRYABLE_CARD_REASONS
        and m.session.card_attempts < m.settings.max_card_attempts)
    return ScreenModel(
        state=st, language=m.language, high_contrast=m.high_contrast, large_text=m.large_text, voice=m.voice,
        step=step, step_total=STEP_TOTAL, step_key=step_key,
        is_busy=m.pending is not None and st not in (State.HELP, State.IDLE_WARNING) and not m.is_cancel_asked,
        is_cancel_asked=m.is_cancel_asked,
        can_go_back=st == State.PRIVACY_NOTICE and can_leave_notice_back(m),
        is_preview=overlay is not None and m.pending is None and not m.is_cancel_asked, overlay=overlay, guidance=m.guidance,
        progress=m.progress, challenge=m.challenge, challenge_guidance=m.challenge_guidance,
        liveness_completed=m.liveness_completed, liveness_total=m.liveness_total,
        processes=processes, process=process, aspirants=process.aspirants if process else (), aspirant=aspirant,
        accepted_models=m.settings.accepted_models,
        review=_review(m) if show_review else None,
        card_photo=m.session.front.face_crop if (st == State.REVIEW_PHOTO and m.session.front) else None,
        countdown_s=countdown_s(m) if st in (State.IDLE_WARNING, State.RECEIPT, State.OUT_OF_SERVICE) else None,
        folio=m.session.folio, receipt_qr=m.session.receipt_qr, sealed_wall_s=m.session.sealed_wall_s,
        reason=m.reason, notice=m.notice, can_retry=can_retry,
        attempts_left=max(0, m.settings.max_match_attempts - m.session.match_attempts),
        pin_attempts_left=m.pin_attempts_left if st == State.OPERATOR_PIN else None,
        is_duplicate=m.session.is_duplicate, help_return=m.resume if st == State.HELP else None,
        support=_support_for(m.settings.support, m.language),
    )


def _support_for(support: Mapping[str, str], language: str) -> dict[str, str]:
    """The support contacts with the hours in the citizen's language (phone and e-mail need no translation)."""
    out = {k: v for k, v in support.items() if not k.startswith("hours")}
    hours = support.get(f"hours_{language}") or support.get("hours", "")
    out["hours"] = hours
    return out
