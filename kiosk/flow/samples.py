"""A realistic ScreenModel for every State, made by walking the real machine with a SYNTHETIC citizen.

For UI tests and screen previews (render every screen at every resolution) without a camera or models.
The card photo and selfie are plain gray images when numpy is available, else None.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from kiosk.flow import events as ev
from kiosk.flow.machine import FlowSettings, Machine, fail, new_machine, step
from kiosk.flow.screen_model import ScreenModel, build_screen_model
from kiosk.flow.states import State

SAMPLE_FIELDS = {
    "surname_paternal": "MUESTRA", "surname_maternal": "EJEMPLO", "given_names": "ANA SOFIA",
    "cic": "123456789", "identificador": "987654321", "seccion": "0542", "birth_date": "1990-05-17",
    "sex": "M", "expiry_date": "2031-12-31", "vigencia_year": "2031",
    "curp": "MUEA900517MDFSJN09", "clave_elector": "MSEJAN90051709M100",
}


SAMPLE_FOLIO = "K7Q2-9MXD-4TRA-Y"


def longest_names(count: int = 6) -> list[dict[str, str]]:
    """The longest names a synthetic citizen can have (``kiosk.credential.citizen``'s lists), as the review gets
    them from the card's MRZ: accents and Ñ gone, cut at 30 characters (``is_name_truncated``).

    Half are the longest names the MRZ cuts, half the longest it holds whole. Each item has the name fields of
    ``SAMPLE_FIELDS`` plus ``is_name_truncated`` ('1' or '').
    """
    from kiosk.credential import citizen as names
    from kiosk.credential.mrz import MrzFields, build_td1, parse_td1

    def longest(words: tuple[str, ...], n: int) -> list[str]:
        return sorted(set(words), key=lambda w: (-len(w), w))[:n]

    surnames = longest(names.SURNAMES, 8)
    givens = longest(names.MALE_COMPOUND + names.FEMALE_COMPOUND + names.MALE_NAMES + names.FEMALE_NAMES, 6)
    shorter = longest(names.SURNAMES, 40)[8:]
    found: dict[str, dict[str, str]] = {}
    for paternal in surnames + shorter:
        for maternal in surnames + shorter:
            for given in givens:
                f = MrzFields(cic="123456789", seccion="0542", identificador="987654321",
                              birth_date=date(1990, 5, 17), sex="M", expiry_date=date(2031, 12, 31),
                              optional_data="<" * 11, surname_paternal=paternal, surname_maternal=maternal,
                              given_names=given)
                parse = parse_td1(build_td1(f), today=date(2027, 1, 15))
                pf = parse.fields
                shown = " ".join(x for x in (pf.surname_paternal, pf.surname_maternal, pf.given_names) if x)
                found.setdefault(shown, {"surname_paternal": pf.surname_paternal,
                                         "surname_maternal": pf.surname_maternal, "given_names": pf.given_names,
                                         "is_name_truncated": "1" if parse.name_line_truncated else ""})
    ranked = sorted(found, key=lambda k: (-len(k), k))
    # a cut name still showing the start of the given names (the walkthrough's "… IBANEZ R…") comes first
    cut = sorted((found[k] for k in ranked if found[k]["is_name_truncated"]), key=lambda f: not f["given_names"])
    whole = [found[k] for k in ranked if not found[k]["is_name_truncated"] and found[k]["given_names"]]
    # the name the walkthrough saw cut on screen (FERNÁNDEZ DE CÓRDOBA IBÁÑEZ R…), then the longest others
    walkthrough = {"surname_paternal": "FERNANDEZ", "surname_maternal": "DE CORDOBA IBANEZ", "given_names": "R",
                   "is_name_truncated": "1"}
    return [walkthrough, *cut[:count - count // 2 - 1], *whole[:count // 2]]


def with_name(model: ScreenModel, name: dict[str, str]) -> ScreenModel:
    """``model`` with the review showing ``name`` (an item of :func:`longest_names`) as the review would."""
    if model.review is None:
        return model
    full = " ".join(name[k] for k in ("surname_paternal", "surname_maternal", "given_names") if name[k])
    if name.get("is_name_truncated"):
        full += "…"
    return dataclasses.replace(model, review=dataclasses.replace(model.review, full_name=full))


def _image(h: int, w: int) -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a runtime dependency
        return None
    return np.full((h, w, 3), 128, dtype=np.uint8)


def sample_settings(processes: tuple[Any, ...] | None = None, **overrides: Any) -> FlowSettings:
    """Settings with the development catalog's active processes (two aspirants in the first)."""
    if processes is None:
        from kiosk.catalog import development_catalog
        processes = development_catalog().active(date(2027, 1, 15))
    base = FlowSettings(processes=processes, support={"phone": "800 000 0000", "email": "ayuda@example.invalid",
                                                      "hours": "Lunes a viernes 9:00–18:00"})
    return dataclasses.replace(base, **overrides)


def sample_screen_models(language: str = "es", settings: FlowSettings | None = None) -> dict[State, ScreenModel]:
    """One ScreenModel per State (every member of the Enum)."""
    return {st: build_screen_model(m) for st, m in sample_machines(language, settings).items()}


def sample_machines(language: str = "es", settings: FlowSettings | None = None) -> dict[State, Machine]:
    """One Machine per State, as the walk first reached it (the machines behind :func:`sample_screen_models`)."""
    s = settings or sample_settings(is_operator_mode=True)
    out: dict[State, Machine] = {}

    def run(m: Machine, *events: Any) -> Machine:
        for e in events:
            m, _ = step(m, e)
            out.setdefault(m.state, m)
        return m

    m = new_machine(s, now_s=10.0)
    m, _ = step(m, ev.LanguageChosen(language))
    out[State.WELCOME] = m
    m = run(m, ev.StartPressed(), ev.PinEntered("1234"))
    m = run(m, ev.OperatorPinChecked(job=m.job, is_ok=True, operator_id="op-1"))
    m = run(m, ev.ProcessChosen(s.processes[0].id), ev.AspirantChosen(s.processes[0].aspirants[0].id),
            ev.ConsentGiven(), ev.CardGuidance(job=m.job + 1, guidance="card.move_closer", progress=0.4,
                                               is_card_present=True))
    front = ev.CardReading(side="front", image=_image(638, 1011), face_crop=_image(300, 240))
    m = run(m, ev.CardGuidance(job=m.job, guidance="card.move_closer", progress=0.4, is_card_present=True))
    out[State.CARD_FRONT] = m
    m = run(m, ev.CardCaptured(job=m.job, side="front", reading=front))
    back_no_model = ev.CardReading(side="back", image=_image(638, 1011), fields=SAMPLE_FIELDS, model=None)
    m = run(m, ev.CardCaptured(job=m.job, side="back", reading=back_no_model), ev.CardModelChosen("G"))
    m = run(m, ev.CardEvaluated(job=m.job, model="G", refusal_reason=None))
    m = run(m, ev.DuplicateChecked(job=m.job, is_duplicate=True), ev.Confirmed(), ev.DataConfirmed(),
            ev.PhotoConfirmed(), ev.SelfieTipsRead())
    m = run(m, ev.LivenessProgressed(job=m.job, challenge="blink", guidance="face.blink", completed=0, total=2))
    out[State.SELFIE] = m
    m = run(m, ev.LivenessFinished(job=m.job, is_live=True, selfie=_image(480, 640), score=0.9))
    m = run(m, ev.FaceMatched(job=m.job, is_match=False, distance=0.8, threshold=0.6), ev.RetryRequested())
    m = run(m, ev.LivenessFinished(job=m.job, is_live=True, selfie=_image(480, 640), score=0.9))
    m = run(m, ev.FaceMatched(job=m.job, is_match=True, distance=0.4, threshold=0.6), ev.HelpRequested(),
            ev.HelpClosed())
    m = run(m, ev.SignatureSubmitted(strokes=(ev.Stroke(points=((1.0, 1.0, 0.0), (50.0, 40.0, 0.2))),)),
            ev.Confirmed())
    # a receipt as the store makes it (kiosk.store.citizen_receipt: folio, device, process, aspirant, UTC minute,
    # 86 characters of Ed25519 signature); the signature here is a placeholder of the right length
    qr = "|".join(("AR1", SAMPLE_FOLIO, "kiosk-cdmx-0042", s.processes[0].id, s.processes[0].aspirants[0].id,
                   "20270115T1705Z", "S" * 86))
    m = run(m, ev.RecordSealed(job=m.job, folio=SAMPLE_FOLIO, receipt_qr=qr, sealed_wall_s=1_800_032_700.0))
    # the branches
    r = new_machine(s, now_s=10.0)
    r = run(r, ev.StartPressed(), ev.PinEntered("0000"))
    r = run(r, ev.OperatorPinChecked(job=r.job, is_ok=True), ev.ProcessChosen(s.processes[0].id),
            ev.AspirantChosen(s.processes[0].aspirants[0].id), ev.ConsentGiven())
    refused = ev.CardReading(side="front", refusal_reason="card.photocopy")
    r = run(r, ev.CardCaptured(job=r.job, side="front", reading=refused))
    r = run(r, ev.RetryRequested(), ev.Tick(10.0 + s.idle_timeout_s + 1))
    r = run(r, ev.StillHereConfirmed())
    f = new_machine(s, now_s=10.0)
    f, _ = fail(f, "camera.unavailable")
    out[State.FAILSAFE] = f
    o = new_machine(s, now_s=10.0)
    o = run(o, ev.StorageChecked(is_ok=False, free_mb=12.0))
    mr = new_machine(dataclasses.replace(s, max_match_attempts=1, is_operator_mode=False), now_s=10.0)
    mr = run(mr, ev.StartPressed(), ev.ProcessChosen(s.processes[0].id),
             ev.AspirantChosen(s.processes[0].aspirants[0].id), ev.ConsentGiven())
    mr = run(mr, ev.CardCaptured(job=mr.job, side="front", reading=front))
    back = dataclasses.replace(back_no_model, model="G")
    mr = run(mr, ev.CardCaptured(job=mr.job, side="back", reading=back))
    mr = run(mr, ev.DuplicateChecked(job=mr.job, is_duplicate=False), ev.DataConfirmed(), ev.PhotoConfirmed(),
             ev.SelfieTipsRead())
    mr = run(mr, ev.LivenessFinished(job=mr.job, is_live=False, reasons=("face.not_live",)))
    missing = [st for st in State if st not in out]
    if missing:  # pragma: no cover - a change to the graph broke the walk
        raise RuntimeError(f"sample walk did not reach {[st.value for st in missing]}")
    return out
