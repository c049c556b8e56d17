"""Adapters from the real parts to the worker ports: card evaluation rules, store sealing with real crypto."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from kiosk.camera.base import WhiteBalance
from kiosk.clock import FakeClock
from kiosk.config import load_config
from kiosk.flow import events as ev
from kiosk.flow.samples import SAMPLE_FIELDS
from kiosk.flow.session import Session, draft_from_session
from kiosk.runtime.adapters import StoreAdapter, VisionAdapter


@pytest.mark.parametrize(("model", "vigencia", "reason"), [
    ("C", 2031, "card.model_unsupported"), ("Z", 2031, "card.model_unsupported"),
    ("G", None, "card.unreadable"), ("G", 2031, None), ("E", 2020, "card.expired"),
])
def test_hand_picked_model_evaluation(model: str, vigencia: int | None, reason: str | None) -> None:
    cfg = load_config(env={})
    va = VisionAdapter(cfg, FakeClock(), today=lambda: date(2026, 11, 28))
    assert va.evaluate(model, vigencia) == reason


def test_store_adapter_seals_a_real_record_and_spots_the_duplicate(tmp_path: Path) -> None:
    from apoyo_protocol.envelope import open_envelope
    from kiosk.flow.screen_model import NOTICE_VERSION
    from kiosk.store.db import RecordStore
    from kiosk.store.keys import ensure_dev_keys, load_dev_central, load_keys
    from kiosk.store.record import CaptureRecord

    cfg = load_config(env={}, overrides={"device": {"dev_mode": True, "data_dir": str(tmp_path)}})
    ensure_dev_keys(tmp_path, dev_mode=True, device_id=cfg.device.id)
    keys = load_keys(tmp_path, allow_development=True)
    clock = FakeClock(start_wall=time.time())
    store = RecordStore(tmp_path, cfg.store, clock, keys)
    adapter = StoreAdapter(store, cfg, clock, NOTICE_VERSION, keys.device_id)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)
    s = Session(process_id="dev-ci-dip-05", aspirant_id="asp-muestra-1", consent_at_s=1.0,
                front=ev.CardReading(side="front", image=img, face_crop=img[:100, :80].copy(),
                                     details={"fraud_scores": {"screen": 0.1}}),
                back=ev.CardReading(side="back", image=img.copy(), fields=dict(SAMPLE_FIELDS), model="G",
                                    details={"mrz_checks": {"cic": True, "composite": True}}),
                card_model="G", selfie=img.copy(), liveness_score=0.9, match_distance=0.41, match_threshold=0.6,
                match_attempts=1, signature=(ev.Stroke(points=((1.0, 2.0, 0.0), (30.0, 40.0, 0.3))),))
    is_ok, free_mb = adapter.check_space()
    assert is_ok and free_mb > 0
    assert not adapter.has_supported("dev-ci-dip-05", "123456789", "987654321")
    folio = adapter.seal(draft_from_session(s, "es"), clock.wall())
    assert adapter.has_supported("dev-ci-dip-05", "123456789", "987654321")
    [pending] = store.pending()
    assert pending.folio == folio
    payload = open_envelope(pending.envelope, load_dev_central(tmp_path).sealing_private, keys.device_public_key)
    record = CaptureRecord.from_payload(payload)
    assert record.mrz_fields["cic"] == "123456789" and "vigencia_year" not in record.mrz_fields
    assert record.consent_notice_version == NOTICE_VERSION and record.consent_language == "es"
    assert record.face_distance == pytest.approx(0.41) and record.card_model == "G"
    assert record.fraud_scores == {"front.screen": pytest.approx(0.1)}
    assert record.signature_strokes == (((1.0, 2.0, 0.0), (30.0, 40.0, 0.3)),)
    adapter.note("card.refused", "card.photocopy")
    [entry] = [e for e in store.audit.entries() if e.kind == "kiosk.event"]
    assert entry.details == {"event": "card.refused", "reason": "card.photocopy"}
    assert store.audit.verify().is_ok
    from kiosk.errors import InvalidField

    with pytest.raises(InvalidField):  # a citizen's identifier can never reach the log, even by a bug
        adapter.note("card.refused", "123456789")
    store.close()


# --- the vision adapter on synthetic SPECIMEN cards photographed by the scene generator ----------------------

def _scene(side: str, *, attack: str | None = None, vigencia_year: int = 2031, model: str = "G", seed: int = 3):
    import random

    import cv2

    from kiosk.credential.citizen import generate_citizen
    from kiosk.credential.models import CardModel
    from kiosk.dev.synth.card import render_back, render_front
    from kiosk.dev.synth.scene import make_scene

    faces = Path(__file__).resolve().parents[3] / "shared" / "faces"
    citizen = generate_citizen(random.Random(seed), model=CardModel(model), vigencia_year=vigencia_year)
    card = render_front(citizen, cv2.imread(str(faces / "biden.jpg"))) if side == "front" else render_back(citizen)
    # A camera that balanced the light (no residual cast), as REPORTED says it did.
    scene, _ = make_scene(card, np.random.default_rng(seed), "easy", attack=attack,
                          overrides={"white_balance": [1.0, 1.0, 1.0]})
    return citizen, scene


REPORTED = WhiteBalance((1.62, 1.71), 4500.0)


def _adapter() -> VisionAdapter:
    from kiosk.face.detector import FaceDetector

    return VisionAdapter(load_config(env={}), FakeClock(), face_detector=FaceDetector().detect,
                         today=lambda: date(2026, 11, 28))


def test_genuine_front_and_back_are_read_into_flow_terms(faces_dir: Path) -> None:
    va = _adapter()
    citizen, front_scene = _scene("front")
    front = va.new_capture("front", None).analyse_still(front_scene, 1, False)
    assert front.reading is not None and front.reading.refusal_reason is None, front
    assert front.reading.face_crop is not None and front.context is not None
    _, back_scene = _scene("back")
    back = va.new_capture("back", front.context).analyse_still(back_scene, 1, False)
    assert back.reading is not None and back.reading.refusal_reason is None, back
    f = back.reading.fields
    assert (f["cic"], f["identificador"], f["vigencia_year"]) == (citizen.cic, citizen.identificador, "2031")
    assert back.reading.model in ("G", "H")
    assert back.reading.details["mrz_checks"] and all(back.reading.details["mrz_checks"].values())


def test_a_name_cut_by_the_mrz_is_flagged_for_the_review(faces_dir: Path) -> None:
    import random

    from kiosk.credential.citizen import generate_citizen
    from kiosk.credential.models import CardModel
    from kiosk.dev.synth.card import render_back
    from kiosk.dev.synth.scene import make_scene

    for names, is_cut in ((dict(surname_paternal="FERNANDEZ DE CORDOBA", surname_maternal="IBANEZ",
                                given_names="RAFAEL"), True),
                          (dict(surname_paternal="RUIZ", surname_maternal="PAZ", given_names="ANA"), False)):
        citizen = generate_citizen(random.Random(3), model=CardModel.G, vigencia_year=2031, **names)
        scene, _ = make_scene(render_back(citizen), np.random.default_rng(3), "easy")
        verdict = _adapter().new_capture("back", None).analyse_still(scene, 1, False)
        assert verdict.reading is not None and verdict.reading.refusal_reason is None, verdict
        assert verdict.reading.details["is_name_truncated"] is is_cut, names


def test_photocopy_is_refused_only_when_two_stills_agree(faces_dir: Path) -> None:
    _, scene = _scene("front", attack="photocopy")
    capture = _adapter().new_capture("front", None)
    first = capture.analyse_still(scene, 1, False, REPORTED)
    assert first.reading is None  # one still is not enough to turn a citizen away
    second = capture.analyse_still(scene, 2, False, REPORTED)
    assert second.reading is not None and second.reading.refusal_reason == "card.photocopy"


def test_a_photocopy_the_cues_are_not_sure_of_goes_on_with_a_review_flag(faces_dir: Path) -> None:
    # Without the camera's balance the photocopy cue is never sure (an image's neutral is only an assumption):
    # the capture goes on, and the record carries the flag for central's review queue.
    _, scene = _scene("front", attack="photocopy")
    verdict = _adapter().new_capture("front", None).analyse_still(scene, 1, False)
    assert verdict.reading is not None and verdict.reading.refusal_reason is None
    assert "review.photocopy" in verdict.reading.fraud_flags


def test_expired_card_is_refused_with_its_reason(faces_dir: Path) -> None:
    _, scene = _scene("back", model="E", vigencia_year=2023)
    verdict = _adapter().new_capture("back", None).analyse_still(scene, 1, False)
    assert verdict.reading is not None and verdict.reading.refusal_reason == "card.expired"


def test_a_back_without_a_readable_mrz_asks_for_the_model_on_the_last_still(faces_dir: Path) -> None:
    blank = np.full((1200, 1600, 3), 70, np.uint8)
    capture = _adapter().new_capture("back", None)
    assert capture.analyse_still(blank, 1, False).reading is None
    last = capture.analyse_still(blank, 4, True)
    assert last.reading is not None and last.reading.model is None and last.reading.refusal_reason is None


def test_a_preview_reports_where_the_card_is_for_the_screen() -> None:
    import cv2

    from kiosk.camera.base import Frame

    _, scene = _scene("back")
    preview = cv2.resize(scene, (640, 480), interpolation=cv2.INTER_AREA)
    capture = _adapter().new_capture("back", None)
    fed = capture.feed(Frame(preview, 0.0, 1))
    assert fed.is_card_present and fed.card_outline is not None
    (x0, y0), (x1, _), (_, y2), _ = fed.card_outline
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y2 <= 1 and x1 - x0 > 0.3  # a card of an easy scene: large, in frame
    blank = capture.feed(Frame(np.full((480, 640, 3), 90, np.uint8), 0.1, 2))
    assert not blank.is_card_present and blank.card_outline is None


@pytest.mark.parametrize(("mode", "is_refused"), [("record", False), ("refuse", True)])
def test_a_front_from_another_card_is_recorded_or_refused_as_configured(faces_dir: Path, mode: str,
                                                                        is_refused: bool) -> None:
    from kiosk.face.detector import FaceDetector

    cfg = load_config(env={}, overrides={"vision": {"front_text_check": mode}})
    va = VisionAdapter(cfg, FakeClock(), face_detector=FaceDetector().detect, today=lambda: date(2026, 11, 28))
    _, front_scene = _scene("front", seed=3)
    front = va.new_capture("front", None).analyse_still(front_scene, 1, False)
    assert front.context is not None
    _, own_back = _scene("back", seed=3)
    same = va.new_capture("back", front.context).analyse_still(own_back, 1, False)
    assert same.reading is not None and same.reading.refusal_reason is None
    assert "front_text_mismatch" not in same.reading.fraud_flags
    assert same.reading.details["pair"]["front_text"]["verdict"] == "match"
    _, other_back = _scene("back", seed=4)  # another citizen's card
    mixed = va.new_capture("back", front.context).analyse_still(other_back, 1, False)
    assert mixed.reading is not None and "front_text_mismatch" in mixed.reading.fraud_flags
    assert (mixed.reading.refusal_reason == "card.pair_mismatch") is is_refused
