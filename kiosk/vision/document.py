"""Analyse full-resolution stills of the credential: detection, quality re-check, side, MRZ, model, photo, fraud.

``analyse_back(still)`` reads and checks the MRZ; ``analyse_front(still, face_detector)`` crops the photo and
finds the face in it; ``check_pair(front, back)`` cross-checks the two sides. Every result carries its
guidance code (None = good), fraud report, rectified card and per-stage timings in ms. Bad stills (no card,
two cards, black frame, ...) come back as results with a guidance code, never as exceptions.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from kiosk.config import CredentialConfig, VisionConfig
from kiosk.credential.models import Acceptance, CardModel, check_acceptable
from kiosk.credential.mrz import MrzParse
from kiosk.errors import ImageError
from kiosk.vision.card_detect import CardDetection, detect_cards, refine_outline
from kiosk.vision.fraud import FraudReport, assess_fraud
from kiosk.vision.mrz_locate import (
    anchor_card,
    anchor_on_outline,
    iter_located,
    locate_and_rectify,
    rectify_from_homography,
)
from kiosk.vision.mrz_read import MrzCells, classify_cells, looks_like_td3
from kiosk.vision.mrz_vote import MrzDecision, MrzVoter, decide
from kiosk.vision.quality import CardQuality, assess_card
from kiosk.vision.rectify import CANONICAL_WIDTH_PX, rectify_card
from kiosk.vision.side import classify_side, count_code_blocks

if TYPE_CHECKING:
    from kiosk.camera.base import WhiteBalance

STILL_WORK_WIDTH_PX = 800  # half of a 1600 px still: one pyrDown, and corners good to ~1 px there
# Photo block of models E-H: left side of the front (FACTS §1.2), as fractions of the rectified card.
PHOTO_BOX = (0.02, 0.17, 0.35, 0.93)  # x0, y0, x1, y1

FaceDetectorFn = Callable[[np.ndarray], Sequence[Any]]


@dataclass
class _Timer:
    timings_ms: dict[str, float] = field(default_factory=dict)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings_ms[name] = round((now - self._t) * 1000.0, 2)
        self._t = now


@dataclass(frozen=True)
class BackResult:
    """The back of the card. ``is_accepted``: an MRZ was read with every check passing and the card is
    acceptable (model and vigencia); otherwise ``guidance`` says what to do."""

    guidance: str | None
    detection: CardDetection | None
    quality: CardQuality | None
    side: str
    rectified: np.ndarray | None = field(repr=False)
    mrz_decision: MrzDecision | None
    model: CardModel | None
    acceptance: Acceptance | None
    fraud: FraudReport
    timings_ms: dict[str, float]

    @property
    def mrz(self) -> MrzParse | None:
        """The parsed MRZ when it was accepted, else None."""
        d = self.mrz_decision
        return d.parse if d is not None and d.is_accepted else None

    @property
    def is_accepted(self) -> bool:
        return self.mrz is not None and self.acceptance is not None and self.acceptance.is_accepted


@dataclass(frozen=True)
class FrontResult:
    """The front of the card. ``face_crop``: the photo block (BGR) when found; ``face_box``: the face in
    rectified-card px (x0, y0, x1, y1) when a face detector was given and found one."""

    guidance: str | None
    detection: CardDetection | None
    quality: CardQuality | None
    side: str
    rectified: np.ndarray | None = field(repr=False)
    face_crop: np.ndarray | None = field(repr=False)
    face_box: tuple[float, float, float, float] | None
    fraud: FraudReport
    timings_ms: dict[str, float]

    @property
    def is_accepted(self) -> bool:
        return self.guidance is None


FRONT_UNVERIFIED = "front_unverified"


@dataclass(frozen=True)
class PairCheck:
    """Front/back consistency: ``flags`` holds 'front_back_mismatch' when the two sides disagree by layout,
    'front_text_mismatch' when the front's printed birth date contradicts the MRZ, and 'front_unverified' when the
    front's text could not be read to check it (a flag for review, not an inconsistency; see :func:`check_pair`)."""

    is_consistent: bool
    flags: tuple[str, ...]
    details: dict[str, Any]


def _check_still(still_bgr: Any) -> None:
    if not isinstance(still_bgr, np.ndarray) or still_bgr.dtype != np.uint8 or still_bgr.ndim != 3 \
            or still_bgr.shape[2] != 3 or min(still_bgr.shape[:2]) < 64:
        raise ImageError("expected a colour (H×W×3 uint8) still of at least 64×64 px")


def _locate(still_bgr: np.ndarray, cfg: VisionConfig, timer: _Timer
            ) -> tuple[list[CardDetection], CardDetection | None, CardQuality]:
    found = detect_cards(still_bgr, STILL_WORK_WIDTH_PX, with_alternative=True)
    detection = found[0] if found else None
    timer.lap("detect")
    quality = assess_card(still_bgr, detection, cfg)
    timer.lap("quality")
    return found, detection, quality


# Problems with the scene as a whole: no point reading a card there.
_BLOCKING = ("card.one_card_only", "card.not_found", "card.more_light", "card.too_bright")
_COPY_FLAGS = ("photocopy", "screen")
_MAX_MRZ_TRIES = 3  # card-like quads tried for an MRZ (a sheet of paper on the desk can outrank the card)
# An MRZ-anchored card that does not read is kept (for its reason and guidance) only if its weakest cell
# still looks like a glyph: wrong anchorings read 0.00 on dev seeds 1234/7777 (right cards that miss
# acceptance ≥ 0.15), and their corners, often out of the frame, made the guidance 'move into frame' for a
# card well inside it.
_MIN_ANCHORED_SCORE = 0.1


# Rescalings of the outline about its centre for a second look at a read that missed a margin: the
# outermost edge can sit a pixel or two off the printed card, and each resampling shifts every cell's
# sampling grid differently. Their cell scores are averaged (like votes over stills), never picked from.
_RESCALES = (0.985, 0.97, 1.015)


def _rescaled_read(still_bgr: np.ndarray, corners: np.ndarray, first: MrzCells) -> MrzCells:
    """``first`` with its cell scores averaged with reads of the card rectified from ``corners`` shrunk
    or grown about their centre (:data:`_RESCALES`); reads that miss the MRZ or see it the other way up
    are left out."""
    centre = corners.mean(axis=0)
    scores = [first.scores]
    for factor in _RESCALES:
        card = rectify_card(still_bgr, centre + factor * (corners - centre), CANONICAL_WIDTH_PX)
        got = classify_cells(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY))
        if got is not None and got.is_upside_down == first.is_upside_down:
            scores.append(got.scores)
    return dataclasses.replace(first, scores=np.mean(np.stack(scores), axis=0).astype(np.float32))


def _another_mrz(still_bgr: np.ndarray, found: list[CardDetection], read: CardDetection | None) -> bool:
    """Does a card-like quad other than the one read (``read``) show an MRZ of its own?"""
    if read is None:
        return True
    still_gray = cv2.cvtColor(still_bgr, cv2.COLOR_BGR2GRAY)
    outline = read.corners.reshape(-1, 1, 2)
    for other in found:
        centre = other.corners.mean(axis=0)
        if cv2.pointPolygonTest(outline, (float(centre[0]), float(centre[1])), False) >= 0:
            continue  # the card that was read (its own outline, or a part of it)
        if anchor_on_outline(still_gray, other.corners) is not None:
            return True
    return False


def _rotate_180(detection: CardDetection) -> CardDetection:
    return CardDetection(np.roll(detection.corners, 2, axis=0), detection.score, detection.other_cards)


def model_from_layout(rectified_back: np.ndarray) -> CardModel | None:
    """E/F vs G/H from the back's layout: G/H carry two large QR codes and a small one, E/F one large QR.
    Returns the national model of the family (E or G); None when the codes cannot be counted."""
    large, small = count_code_blocks(rectified_back)
    if large >= 2 or (large >= 1 and small >= 1):
        return CardModel.G
    if large == 1:
        return CardModel.E
    return None


def model_from_mrz(decision: MrzDecision) -> CardModel | None:
    """E/F vs G/H from the MRZ: G/H were issued from December 2019, so a vigencia (expiry year) after 2029
    means G/H; 2029 or earlier an E/F. Issued-abroad variants (F/H) are not told apart by the MRZ."""
    if decision.parse is None:
        return None
    return CardModel.G if decision.parse.fields.expiry_date.year >= 2030 else CardModel.E


def analyse_back(still_bgr: np.ndarray, cfg: VisionConfig | None = None,
                 credential_cfg: CredentialConfig | None = None, today: date | None = None,
                 voter: MrzVoter | None = None, white_balance: WhiteBalance | None = None) -> BackResult:
    """Read the back of the card in a full-resolution still.

    ``voter``: votes this read with earlier stills of the same card (the caller resets it per card).
    ``white_balance``: what the camera reported it applied to the still (the fraud cues' colour reference).
    ``today`` (default: the system date) decides vigencia. Raises ImageError only when ``still_bgr`` is not
    an image at all; every scene problem comes back as ``guidance``.

    The MRZ is read through the card's outline first; when no outline gives an accepted read, the card is
    anchored on its MRZ (:mod:`kiosk.vision.mrz_locate`: through each outline, then in turned copies). A
    still with "two cards" is read too: it is refused ('card.one_card_only') unless one MRZ is accepted and
    no other card-like quad shows an MRZ of its own (the "second card" was clutter or a card's other side).
    """
    _check_still(still_bgr)
    cfg = cfg or VisionConfig()
    credential_cfg = credential_cfg or CredentialConfig()
    today = today or date.today()
    timer = _Timer()
    found, detection, quality = _locate(still_bgr, cfg, timer)
    empty = FraudReport()
    if detection is None and quality.guidance == "card.not_found":
        # No outline at all (objects all around the card): the MRZ alone can still place it.
        located = locate_and_rectify(still_bgr, [])
        timer.lap("mrz_locate")
        if located is not None:
            detection = CardDetection(located[1], 0.0)
            found = [detection]
            quality = assess_card(still_bgr, detection, cfg)
    if detection is None or (quality.guidance in _BLOCKING and not found):
        return BackResult(quality.guidance, detection, quality, "unknown", None, None, None, None, empty,
                          timer.timings_ms)
    cells = None
    rectified = None
    best_key = (-1.0, -1.0)
    for candidate in found[:_MAX_MRZ_TRIES]:
        outlines = [candidate.corners] + ([candidate.alt_corners] if candidate.alt_corners is not None else [])
        for corners in outlines:
            card = rectify_card(still_bgr, corners, CANONICAL_WIDTH_PX)
            got = classify_cells(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY))
            if rectified is None:
                rectified, detection = card, CardDetection(corners, candidate.score, candidate.other_cards)
            if got is None:
                continue
            single = decide(got.scores, cfg, today)
            key = (1.0 if single.is_accepted else 0.0, single.min_score)
            if key > best_key:
                best_key, cells, rectified = key, got, card
                detection = CardDetection(corners, candidate.score, candidate.other_cards)
            if single.is_accepted:
                break
        if best_key[0] > 0:
            break
    if 0 <= best_key[0] < 1 and cells is not None:
        # The outline read but not confidently: average reads of slightly rescaled rectifications of it.
        got = _rescaled_read(still_bgr, detection.corners, cells)
        single = decide(got.scores, cfg, today)
        if single.is_accepted:
            best_key, cells = (1.0, single.min_score), got
        timer.lap("mrz_rescaled")
    if best_key[0] <= 0:
        # No outline gave an accepted read: anchor the card on its MRZ, looking through each outline, then
        # (no MRZ near any) in turned copies of the still.
        still_gray = cv2.cvtColor(still_bgr, cv2.COLOR_BGR2GRAY)
        views = (anchor_card(still_gray, c.corners) for c in found[:_MAX_MRZ_TRIES])
        located = itertools.chain((rectify_from_homography(still_bgr, h) for h in views if h is not None),
                                  iter_located(still_bgr, [c.corners for c in found[:_MAX_MRZ_TRIES]]))
        for card, corners in located:
            got = classify_cells(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY))
            if got is None:
                continue
            single = decide(got.scores, cfg, today)
            if not single.is_accepted and single.min_score < _MIN_ANCHORED_SCORE:
                continue  # lines that are not the MRZ (or a wrong anchoring): keep the outline's card
            key = (1.0 if single.is_accepted else 0.0, single.min_score)
            if key > best_key:
                best_key, cells, rectified = key, got, card
                detection = CardDetection(corners, 0.0, found[0].other_cards if found else 0)
            if single.is_accepted:
                break
        if detection is not None and detection.score == 0.0 and cells is not None:
            # Corners placed from the MRZ are extrapolated to the top of the card (~1 % off, more under
            # perspective), which trims the banner the fraud cues look at: snap them onto the card's edges
            # when those back them. The MRZ read stays the anchored one.
            snapped = refine_outline(still_bgr, detection.corners, STILL_WORK_WIDTH_PX)
            if snapped is not None:
                detection = dataclasses.replace(detection, corners=snapped)
                rectified = rectify_card(still_bgr, snapped, CANONICAL_WIDTH_PX)
        timer.lap("mrz_locate")
    if quality.guidance == "card.one_card_only" and (best_key[0] <= 0 or _another_mrz(still_bgr, found, detection)):
        # Two cards in view: refused, unless one MRZ was read and no other card-like quad shows one (the
        # "second card" was clutter, or the other side of a card; the read belongs to the card it came from).
        return BackResult(quality.guidance, found[0], quality, "unknown", None, None, None, None, empty,
                          timer.timings_ms)
    if quality.guidance == "card.one_card_only" and detection is not None:
        detection = dataclasses.replace(detection, other_cards=0)  # the read card's own gates apply
    if detection is not found[0] and detection is not None:
        quality = assess_card(still_bgr, detection, cfg)
    timer.lap("mrz_ocr")
    if cells is not None and cells.is_upside_down:
        detection = _rotate_180(detection)
        rectified = np.ascontiguousarray(rectified[::-1, ::-1])
    if cells is None and rectified is not None and looks_like_td3(cv2.cvtColor(rectified, cv2.COLOR_BGR2GRAY)):
        # A passport (or another TD3 document): say so instead of "try again".
        decision = MrzDecision(False, "mrz.not_idmex", invalid_field="document_code")
        fraud = assess_fraud(rectified, cfg, still_bgr, detection.corners, white_balance)
        timer.lap("mrz_decide")
        return BackResult("card.not_ine", detection, quality, "unknown", rectified, decision, None, None, fraud,
                          timer.timings_ms)
    if voter is not None:
        voter.add(cells)
        decision = voter.decide(today)
    else:
        decision = decide(cells.scores if cells is not None else None, cfg, today)
    timer.lap("mrz_decide")
    side = "back" if cells is not None else classify_side(rectified).side
    fraud = assess_fraud(rectified, cfg, still_bgr, detection.corners, white_balance)
    timer.lap("fraud")
    if decision.is_accepted and any(f in fraud.flags for f in _COPY_FLAGS):
        # A copy's print is degraded (toner, screen grid): its read is where misreads hide, and its data must
        # not be taken anyway. The lines stay in the decision for the record.
        decision = dataclasses.replace(decision, is_accepted=False, reason="mrz.fraud_suspected")
    if decision.is_accepted and quality.guidance == "card.move_into_frame":
        # The record keeps a picture of the whole back, and a card cut by the frame edge gives half of one:
        # asked again even when its MRZ reads (the preview gates make this rare: the card moved at the shot).
        decision = dataclasses.replace(decision, is_accepted=False, reason="mrz.card_incomplete")
    model = (model_from_layout(rectified) if cells is not None else None) or model_from_mrz(decision)
    acceptance = None
    if decision.is_accepted and decision.parse is not None and model is not None:
        acceptance = check_acceptable(model, decision.parse.fields.expiry_date.year, today, credential_cfg)
    guidance = _back_guidance(side, quality, decision, acceptance)
    return BackResult(guidance, detection, quality, side, rectified, decision, model, acceptance, fraud,
                      timer.timings_ms)


def _back_guidance(side: str, quality: CardQuality, decision: MrzDecision, acceptance: Acceptance | None) -> str | None:
    if decision.is_accepted:
        return acceptance.reason if acceptance is not None and not acceptance.is_accepted else None
    if decision.reason == "mrz.fraud_suspected":
        return "card.use_original"
    if quality.guidance == "card.move_into_frame":
        return quality.guidance  # a cut card's side cannot be told: first the whole card
    if side == "front":
        return "card.flip_to_back"
    if decision.reason in ("mrz.not_idmex",):
        return "card.not_ine"
    if not quality.is_ok:
        return quality.guidance
    return "card.mrz_unreadable"


def analyse_front(still_bgr: np.ndarray, face_detector: FaceDetectorFn | None = None,
                  cfg: VisionConfig | None = None, white_balance: WhiteBalance | None = None) -> FrontResult:
    """Check the front of the card in a full-resolution still and crop its photo.

    ``white_balance``: what the camera reported it applied to the still (the fraud cues' colour reference).
    ``face_detector``: a callable image → detections with ``.box_xyxy`` (e.g. ``FaceDetector().detect``);
    without it the face is not looked for (``face_box`` None, no 'no_face' cue). Raises ImageError only when
    ``still_bgr`` is not an image at all.
    """
    _check_still(still_bgr)
    cfg = cfg or VisionConfig()
    timer = _Timer()
    _, detection, quality = _locate(still_bgr, cfg, timer)
    empty = FraudReport()
    if detection is None or quality.guidance in _BLOCKING:
        return FrontResult(quality.guidance, detection, quality, "unknown", None, None, None, empty,
                           timer.timings_ms)
    rectified = rectify_card(still_bgr, detection.corners, CANONICAL_WIDTH_PX)
    guess = classify_side(rectified)
    if guess.side == "back":
        timer.lap("side")
        return FrontResult("card.flip_to_front", detection, quality, "back", rectified, None, None, empty,
                           timer.timings_ms)
    face_crop, face_box = _find_photo(rectified, face_detector)
    if face_box is None and face_detector is not None:
        # The photo is on the left of an upright card; a card held upside down has it on the right.
        flipped = np.ascontiguousarray(rectified[::-1, ::-1])
        crop2, box2 = _find_photo(flipped, face_detector)
        if box2 is not None:
            detection, rectified, face_crop, face_box = _rotate_180(detection), flipped, crop2, box2
    timer.lap("photo")
    fraud = assess_fraud(rectified, cfg, still_bgr, detection.corners, white_balance)
    if face_detector is not None:
        fraud = fraud.with_flag("no_face", 0.0 if face_box is not None else 1.0, face_box is None)
    timer.lap("fraud")
    guidance = quality.guidance
    if guidance is None and face_detector is not None and face_box is None:
        guidance = "card.no_face"
    side = "front" if face_box is not None else guess.side
    return FrontResult(guidance, detection, quality, side, rectified, face_crop, face_box, fraud, timer.timings_ms)


def _find_photo(rectified: np.ndarray, face_detector: FaceDetectorFn | None
                ) -> tuple[np.ndarray, tuple[float, float, float, float] | None]:
    h, w = rectified.shape[:2]
    x0, y0, x1, y1 = (int(PHOTO_BOX[0] * w), int(PHOTO_BOX[1] * h), int(PHOTO_BOX[2] * w), int(PHOTO_BOX[3] * h))
    crop = np.ascontiguousarray(rectified[y0:y1, x0:x1])
    if face_detector is None:
        return crop, None
    faces = list(face_detector(crop))
    if not faces:
        return crop, None
    bx0, by0, bx1, by1 = faces[0].box_xyxy
    return crop, (bx0 + x0, by0 + y0, bx1 + x0, by1 + y0)


def check_pair(front: FrontResult, back: BackResult, check_text: bool = True) -> PairCheck:
    """Do the two stills show the two sides of one card?

    Checked: the front still shows a front and the back still a back; and the card model family seen on the
    back's layout (QR codes) agrees with the one its MRZ implies (vigencia after 2029 → G/H), which catches a
    machine-readable zone pasted from another card. Either contradiction flags 'front_back_mismatch'.

    With ``check_text`` and an accepted MRZ, the birth date and names printed on the front are verified
    against it (:func:`kiosk.vision.front_text.compare_front_to_mrz`); a clear contradiction flags
    'front_text_mismatch', kept apart because it was validated on synthetic specimens only (the caller
    decides whether it refuses or is only recorded). Details hold verdicts and scores, never the text.
    """
    details: dict[str, Any] = {"front_side": front.side, "back_side": back.side}
    flags: list[str] = []
    if front.side == "back" or back.side == "front":
        flags.append("front_back_mismatch")
        details["reason"] = "the same side was shown twice"
    d = back.mrz_decision
    if back.rectified is not None and d is not None and d.is_accepted and d.parse is not None:
        layout = model_from_layout(back.rectified)
        by_mrz = model_from_mrz(d)
        details["family_by_layout"] = None if layout is None else layout.value
        details["family_by_mrz_vigencia"] = None if by_mrz is None else by_mrz.value
        # Only a layout that clearly says G/H can contradict an MRZ vigencia up to 2029 (E/F cards were
        # issued until 2019; a G/H card issued in 2019 also has vigencia 2029).
        if layout == CardModel.E and by_mrz == CardModel.G:
            flags.append("front_back_mismatch")
            details["reason"] = "the MRZ vigencia belongs to a G/H card but the back has an E/F layout"
    parse = back.mrz
    if check_text and parse is not None and front.rectified is not None and front.side != "back":
        from kiosk.vision.front_text import compare_front_to_mrz  # its glyph atlas loads on first use

        text = compare_front_to_mrz(front.rectified, parse)
        details["front_text"] = text.to_dict()
        if text.is_mismatch:
            flags.append("front_text_mismatch")
            details.setdefault("reason", "the birth date printed on the front differs from the back's MRZ")
        elif text.verdict != "match":
            # Not read: nothing binds this front (and the face the selfie is matched against) to the MRZ. The
            # record says so, for central's review, instead of passing as if it had been checked.
            flags.append(FRONT_UNVERIFIED)
    return PairCheck(not [f for f in flags if f != FRONT_UNVERIFIED], tuple(flags), details)
