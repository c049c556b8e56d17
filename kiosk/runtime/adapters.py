"""Adapters from the real parts (kiosk.vision, kiosk.face, kiosk.store) to the worker ports of :mod:`kiosk.runtime.ports`.

They turn each part's results into flow terms (``CardReading``, refusal codes) and nothing else; every decision
about what happens next stays in the pure flow. Heavy modules are imported when an adapter is built.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.flow import events as ev
from kiosk.flow.session import RecordDraft
from kiosk.runtime.ports import FeedResult, MatchOutcome, SelfieOutcome, SelfieStep, StillVerdict

if TYPE_CHECKING:  # the heavy parts load when an adapter is built, not when this module is imported
    from kiosk.camera.base import Frame
    from kiosk.face.liveness import Challenge, LivenessSession
    from kiosk.face.pipeline import FacePipeline
    from kiosk.store.db import RecordStore

log = logging.getLogger(__name__)

#: Fraud cues that refuse a card (each maps to the reason shown to the citizen).
REFUSING_FRAUD = {"photocopy": "card.photocopy", "screen": "card.screen", "blank": "card.blank"}
FRAUD_STILLS_TO_REFUSE = 2


def _copy(img: Any) -> Any:
    return None if img is None else img.copy()


# ------------------------------------------------------------------------------------------------------------
# Vision
# ------------------------------------------------------------------------------------------------------------


def _portrait(card: Any, face_box: Any, fallback: Any) -> Any:
    """The printed portrait around the face found on the card (head and shoulders), for "is this your photo?"
    and the face match; the whole photo block when no face box is known."""
    if card is None or face_box is None:
        return _copy(fallback)
    x0, y0, x1, y1 = face_box
    w, h = x1 - x0, y1 - y0
    H, W = card.shape[:2]
    left, right = int(max(0, x0 - 0.45 * w)), int(min(W, x1 + 0.45 * w))
    top, bottom = int(max(0, y0 - 0.6 * h)), int(min(H, y1 + 0.55 * h))
    if right - left < 16 or bottom - top < 16:
        return _copy(fallback)
    return card[top:bottom, left:right].copy()


class VisionAdapter:
    """Card capture with :mod:`kiosk.vision`. ``face_detector``: image → detections with ``.box_xyxy`` (used to
    find the photo on the front); ``today`` decides vigencia."""

    def __init__(self, cfg: Config, clock: Clock, face_detector: Callable[[Any], Sequence[Any]] | None = None,
                 today: Callable[[], date] = date.today) -> None:
        self._cfg = cfg
        self._clock = clock
        self._face_detector = face_detector
        self._today = today

    def new_capture(self, side: str, front_context: Any) -> _CardCapture:
        return _CardCapture(self, side, front_context)

    def evaluate(self, model: str, vigencia_year: int | None) -> str | None:
        """Refusal reason for a hand-picked model, or None. Without a read vigencia an accepted model cannot be
        used (the data could not be read): 'card.unreadable'."""
        from kiosk.credential.models import CardModel, check_acceptable

        try:
            card_model = CardModel(model)
        except ValueError:
            return "card.model_unsupported"
        if model not in self._cfg.credential.accepted_models:
            return "card.model_unsupported"
        if vigencia_year is None:
            return "card.unreadable"
        acceptance = check_acceptable(card_model, vigencia_year, self._today(), self._cfg.credential)
        return None if acceptance.is_accepted else (acceptance.reason or "card.model_unsupported")


class _CardCapture:
    def __init__(self, owner: VisionAdapter, side: str, front_context: Any) -> None:
        from kiosk.vision.autocapture import CardAutoCapture
        from kiosk.vision.mrz_vote import MrzVoter

        self._o = owner
        self._side = side
        self._front = front_context
        self._auto = CardAutoCapture(owner._cfg.vision, owner._clock, side)
        self._voter = MrzVoter(owner._cfg.vision) if side == "back" else None
        self._fraud_hits = 0

    def feed(self, frame: Frame) -> FeedResult:
        g = self._auto.feed(frame)
        outline = None
        if g.detection is not None:
            h, w = frame.image.shape[:2]
            outline = tuple((float(x) / w, float(y) / h) for x, y in g.detection.corners)
        return FeedResult(guidance=g.guidance, progress=g.progress, is_ready=g.is_ready,
                          is_card_present=g.detection is not None, card_outline=outline)

    def reset(self) -> None:
        self._auto.reset()

    def _confirm_fraud(self, is_last: bool) -> bool:
        """A citizen is refused for a photocopy/screen/blank cue only when two stills show it (or on the last
        still): one odd reflection must not turn an honest citizen away."""
        self._fraud_hits += 1
        return self._fraud_hits >= FRAUD_STILLS_TO_REFUSE or is_last

    def analyse_still(self, still_bgr: Any, attempt: int, is_last: bool, white_balance: Any = None) -> StillVerdict:
        """``white_balance``: the still's :class:`kiosk.camera.base.WhiteBalance` (the fraud cues' colour
        reference), None when the camera does not report one."""
        if self._side == "front":
            return self._front_still(still_bgr, is_last, white_balance)
        return self._back_still(still_bgr, is_last, white_balance)

    def _front_still(self, still: Any, is_last: bool, white_balance: Any) -> StillVerdict:
        from kiosk.vision.document import analyse_front

        r = analyse_front(still, self._o._face_detector, self._o._cfg.vision, white_balance)
        details = {"fraud_scores": dict(r.fraud.scores), "timings_ms": dict(r.timings_ms)}
        refusal = next((REFUSING_FRAUD[f] for f in r.fraud.flags if f in REFUSING_FRAUD), None)
        if refusal and r.side == "front" and self._confirm_fraud(is_last):
            return StillVerdict(ev.CardReading(side="front", refusal_reason=refusal, fraud_flags=r.fraud.record_flags,
                                               details=details))
        if refusal and r.side == "front":
            return StillVerdict(None, guidance="card.hold_still")
        if r.guidance is None and r.face_crop is not None:
            return StillVerdict(ev.CardReading(side="front", image=_copy(r.rectified),
                                               face_crop=_portrait(r.rectified, r.face_box, r.face_crop),
                                               fraud_flags=r.fraud.record_flags, details=details), context=r)
        if is_last:
            reason = "card.no_face" if r.guidance == "card.no_face" else "card.unreadable"
            return StillVerdict(ev.CardReading(side="front", refusal_reason=reason, fraud_flags=r.fraud.record_flags,
                                               details=details))
        return StillVerdict(None, guidance=r.guidance)

    def _back_still(self, still: Any, is_last: bool, white_balance: Any) -> StillVerdict:
        from kiosk.store.record import mrz_to_text
        from kiosk.vision.document import analyse_back, check_pair

        r = analyse_back(still, self._o._cfg.vision, self._o._cfg.credential, self._o._today(), self._voter,
                         white_balance)
        details: dict[str, Any] = {"fraud_scores": dict(r.fraud.scores), "timings_ms": dict(r.timings_ms)}
        # Sure cues refuse; the others ride along on the record as 'review.<cue>' for central's review queue.
        flags = tuple(r.fraud.record_flags)
        refusal = next((REFUSING_FRAUD[f] for f in r.fraud.flags if f in REFUSING_FRAUD), None)
        if refusal and r.side == "back" and self._confirm_fraud(is_last):
            return StillVerdict(ev.CardReading(side="back", refusal_reason=refusal, fraud_flags=flags,
                                               details=details))
        if refusal and r.side == "back":
            return StillVerdict(None, guidance="card.hold_still")
        parse = r.mrz
        if parse is not None:
            fields = mrz_to_text(parse.fields)
            fields["vigencia_year"] = str(parse.fields.expiry_date.year)
            details["mrz_checks"] = dict(parse.checks)
            details["is_name_truncated"] = parse.name_line_truncated
            model = r.model.value if r.model is not None else None
            if r.acceptance is not None and not r.acceptance.is_accepted:
                return StillVerdict(ev.CardReading(side="back", model=model, fraud_flags=flags, details=details,
                                                   refusal_reason=r.acceptance.reason or "card.model_unsupported"))
            if self._front is not None:
                text_mode = self._o._cfg.vision.front_text_check
                pair = check_pair(self._front, r, check_text=text_mode != "off")
                details["pair"] = dict(pair.details)
                flags = flags + tuple(pair.flags)
                # The layout contradictions always refuse; the printed-text one only when configured to (until
                # it is validated on real cards it is recorded on the capture for the central review).
                if "front_back_mismatch" in pair.flags or ("front_text_mismatch" in pair.flags
                                                           and text_mode == "refuse"):
                    return StillVerdict(ev.CardReading(side="back", refusal_reason="card.pair_mismatch",
                                                       fraud_flags=flags, details=details))
            return StillVerdict(ev.CardReading(side="back", image=_copy(r.rectified), fields=fields, model=model,
                                               fraud_flags=flags, details=details))
        if is_last:
            # No MRZ after every still: an old model without one, or unreadable. The citizen picks the model
            # from pictures; the flow then refuses with the right reason.
            return StillVerdict(ev.CardReading(side="back", image=_copy(r.rectified), model=None, fraud_flags=flags,
                                               details=details))
        return StillVerdict(None, guidance=r.guidance)


# ------------------------------------------------------------------------------------------------------------
# Face
# ------------------------------------------------------------------------------------------------------------


def _kind(challenge: Challenge) -> str:
    return challenge.kind


class FaceAdapter:
    """Selfie quality, liveness and 1:1 match with :mod:`kiosk.face` (models load here, once)."""

    def __init__(self, cfg: Config, clock: Clock, pipeline: FacePipeline | None = None) -> None:
        if pipeline is None:
            from kiosk.face.pipeline import FacePipeline
            pipeline = FacePipeline(cfg.face)
        self.pipeline = pipeline
        self._cfg = cfg
        self._clock = clock

    def new_selfie(self, challenges: Sequence[str], rng: random.Random) -> _Selfie:
        from kiosk.face import liveness

        planned = list(liveness.plan_challenges(rng, self._cfg.face))
        if challenges:
            wanted = list(challenges)
            planned = [c for c in planned if _kind(c) in wanted] or planned
        session = liveness.LivenessSession(self.pipeline, planned, self._clock)
        return _Selfie(self.pipeline, session, tuple(_kind(c) for c in planned))

    def verify(self, selfie_bgr: Any, reference_bgr: Any) -> MatchOutcome:
        r = self.pipeline.verify(selfie_bgr, reference_bgr)
        return MatchOutcome(is_match=bool(r.is_match), distance=float(r.distance), threshold=float(r.threshold))


class _Selfie:
    def __init__(self, pipeline: FacePipeline, session: LivenessSession, challenges: tuple[str, ...]) -> None:
        self._pipeline = pipeline
        self._session = session
        self.challenges = challenges
        self._completed = 0

    def feed(self, image_bgr: Any, t_s: float) -> SelfieStep:
        p = self._session.feed(image_bgr, t_s)
        quality = p.quality if p.quality is not None else self._pipeline.assess_selfie(image_bgr)
        return SelfieStep(guidance=quality.guidance, is_face_present=quality.face_count > 0,
                          challenge=None if p.challenge is None else _kind(p.challenge),
                          challenge_guidance=p.guidance, completed=p.completed,
                          total=len(self.challenges), is_done=p.is_done)

    def result(self) -> SelfieOutcome:
        r = self._session.result()
        return SelfieOutcome(is_live=bool(r.is_live), score=float(r.score), reasons=tuple(r.reasons))


# ------------------------------------------------------------------------------------------------------------
# Store
# ------------------------------------------------------------------------------------------------------------


class StoreAdapter:
    """Duplicate check, free space and sealing with :class:`kiosk.store.db.RecordStore`."""

    def __init__(self, store: RecordStore, cfg: Config, clock: Clock, notice_version: str, device_id: str,
                 is_clock_synced: Callable[[], bool] = lambda: False, *, device_key: Any = None) -> None:
        """``device_key``: the device's Ed25519 private key, which signs the citizen's receipt QR."""
        self.store = store
        self._device_key = device_key
        self._device_id = device_id
        self._cfg = cfg
        self._clock = clock
        self._notice_version = notice_version
        self._is_clock_synced = is_clock_synced

    def receipt_qr(self, folio: str, process_id: str, aspirant_id: str, sealed_wall_s: float) -> str:
        """The signed QR text of the citizen's receipt (:mod:`kiosk.store.citizen_receipt`); '' without a key."""
        if self._device_key is None:
            return ""
        from kiosk.store.citizen_receipt import make_receipt_qr

        return make_receipt_qr(self._device_key, folio=folio, device_id=self._device_id, process_id=process_id,
                               aspirant_id=aspirant_id, sealed_wall_s=sealed_wall_s)

    def check_space(self) -> tuple[bool, float]:
        status = self.store.check_space(raise_on_full=False)
        return bool(status.is_ok), float(status.free_mb)

    def has_supported(self, process_id: str, cic: str, identificador: str) -> bool:
        return bool(self.store.has_supported(process_id, cic, identificador))

    def note(self, event: str, reason: str) -> None:
        """One flow event in the signed audit log (codes only; the log itself refuses personal data)."""
        from kiosk.store.audit import KIOSK_EVENT

        self.store.audit.append(KIOSK_EVENT, {"event": event, "reason": reason or None})

    def seal(self, draft: RecordDraft, wall_s: float) -> str:
        """Build the record (JPEG/PNG in memory) and seal it; returns the folio. Raises the store's errors."""
        from kiosk.store.record import build_record

        back = draft.details.get("back", {})
        front = draft.details.get("front", {})
        scores = {f"front.{k}": v for k, v in front.get("fraud_scores", {}).items()}
        scores.update({f"back.{k}": v for k, v in back.get("fraud_scores", {}).items()})
        mode = self._cfg.device.mode
        fields = {k: v for k, v in draft.fields.items() if k != "vigencia_year"}
        record = build_record(
            front_bgr=draft.front_image, back_bgr=draft.back_image, selfie_bgr=draft.selfie,
            signature_strokes=[s.points for s in draft.signature], mrz_fields=fields,
            mrz_checks=back.get("mrz_checks", {}), jpeg_quality=self._cfg.store.jpeg_quality,
            process_id=draft.process_id, aspirant_id=draft.aspirant_id, capture_mode=mode,
            operator_id=draft.operator_id if mode == "operator" else None,
            device_id=self._device_id, captured_wall_s=wall_s,
            captured_mono_s=self._clock.monotonic(), is_clock_synced=self._is_clock_synced(),
            face_distance=draft.match_distance, face_threshold=draft.match_threshold, liveness_is_live=True,
            liveness_score=draft.liveness_score, consent_notice_version=self._notice_version,
            consent_language=draft.language, fraud_flags=draft.fraud_flags, fraud_scores=scores,
            card_model=draft.card_model)
        return self.store.seal_and_commit(record).folio
