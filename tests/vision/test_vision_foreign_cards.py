"""Cards the cues were not tuned on (drawn in :mod:`foreign_cards`): a uniformly tinted card and one with fine
coloured guilloche, in a Hershey typeface, under three camera casts.

* With the camera's white balance reported (the camera corrected the light to within 2 %): the genuine cards are
  accepted with no refusing cue, their grey photocopy and their phone replay are refused.
* Without metadata and the cast left uncorrected: nothing genuine is refused, and no copy or replay passes
  silently (refused, or sent to review).
* A front of one citizen with the back of another, both in a typeface no reader was calibrated on: caught
  (a contradiction, or 'front_unverified' for review) — never a silent match.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import cv2
import foreign_cards as fc
import pytest

from kiosk.camera.base import WhiteBalance
from kiosk.config import VisionConfig
from kiosk.vision.document import FRONT_UNVERIFIED, analyse_back, analyse_front, check_pair

CFG = VisionConfig()
TODAY = date(2026, 6, 1)
# What the camera left after correcting each light (B, G, R): its auto white balance is off by ~2 %.
RESIDUAL = {"2700K": (0.98, 1.0, 1.02), "neutral": (1.0, 1.0, 1.0), "6500K": (1.02, 1.0, 0.98)}
REPORTED = {"2700K": WhiteBalance((1.21, 2.45), 2700.0), "neutral": WhiteBalance((1.62, 1.71), 4200.0),
            "6500K": WhiteBalance((2.05, 1.32), 6500.0)}
DESIGNS = {"tinted": fc.Design(fc.PINK, guilloche=False), "guilloche": fc.Design(fc.LILAC, guilloche=True)}


@cache
def _cards(design: str) -> tuple:
    c = fc.citizen(1)
    return fc.render_front(c, DESIGNS[design]), fc.render_back(c, DESIGNS[design])


def _plane(card, kind: str) -> tuple:
    if kind == "copy":
        return fc.grey_photocopy(card), None, True
    if kind == "screen":
        plane, box = fc.phone_replay(card)
        return plane, box, False
    return card, None, True


@cache
def _analysed(design: str, cast: str, kind: str, reported: bool) -> tuple:
    """(front, back) results of ``kind`` ('genuine', 'copy', 'screen') under ``cast``: corrected by the camera
    to ``RESIDUAL`` and reported, or left as it is and not reported."""
    results = []
    for side, card in zip(("front", "back"), _cards(design), strict=True):
        plane, box, rounded = _plane(card, kind)
        scene = fc.place(plane, box, cast=RESIDUAL[cast] if reported else fc.CASTS[cast], seed=3, rounded=rounded)
        balance = REPORTED[cast] if reported else None
        results.append(analyse_front(scene.image, None, CFG, balance) if side == "front"
                       else analyse_back(scene.image, CFG, today=TODAY, white_balance=balance))
    return tuple(results)


@pytest.mark.parametrize("cast", sorted(fc.CASTS))
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_genuine_tinted_and_guilloche_cards_are_accepted_under_three_casts(design: str, cast: str) -> None:
    front, back = _analysed(design, cast, "genuine", True)
    assert back.is_accepted, (back.guidance, back.fraud)
    assert front.guidance is None, front.guidance
    for side in (front, back):
        assert side.fraud.flags == (), side.fraud.measures
        assert "screen" not in side.fraud.review, side.fraud.measures  # guilloche is not a subpixel grid
        # Its tint counts as colour against the camera's balance: never a grey card (a pale lilac measures ~25).
        assert side.fraud.measures["colour_relative"] > CFG.photocopy_chroma_sure + 8, side.fraud.measures


@pytest.mark.parametrize("cast", sorted(fc.CASTS))
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_their_grey_photocopy_and_screen_replay_are_refused(design: str, cast: str) -> None:
    for kind, cue in (("copy", "photocopy"), ("screen", "screen")):
        front, back = _analysed(design, cast, kind, True)
        for side in (front, back):
            assert cue in side.fraud.flags, (kind, side.fraud.measures)
        assert not back.is_accepted and back.guidance == "card.use_original"


@pytest.mark.parametrize("cast", sorted(fc.CASTS))
def test_without_metadata_an_uncorrected_cast_refuses_nothing_genuine_and_lets_no_copy_through(cast: str) -> None:
    for design in DESIGNS:
        for side in _analysed(design, cast, "genuine", False):
            assert side.fraud.flags == (), side.fraud.measures
        for kind, cue in (("copy", "photocopy"), ("screen", "screen")):
            for side in _analysed(design, cast, kind, False):
                assert cue in side.fraud.flags + side.fraud.review, (design, kind, side.fraud.measures)


def test_the_photocopy_cue_does_not_rest_on_the_cards_own_colour() -> None:
    # Balancing on the card itself (the old grey-world) turned a uniformly tinted card grey. Against the camera's
    # balance the tint is colour; the spread (the colour no cast explains) is what the copy lacks.
    front, back = _analysed("tinted", "neutral", "genuine", True)
    copy_front, copy_back = _analysed("tinted", "neutral", "copy", True)
    for genuine, copy in ((front, copy_front), (back, copy_back)):
        assert genuine.fraud.measures["colour_relative"] > 3 * copy.fraud.measures["colour_relative"]
        assert copy.fraud.measures["colour_spread"] < CFG.photocopy_spread_sure
        assert copy.fraud.measures["camera_balance_reported"] == 1.0


@pytest.mark.parametrize("font", [cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX])
def test_a_mixed_pair_in_an_uncalibrated_typeface_is_caught(font: int) -> None:
    design = fc.Design(fc.PINK, guilloche=True, font=font)
    caught = 0
    for k in range(3):
        a, b = fc.citizen(10 + k), fc.citizen(20 + k)
        front = analyse_front(fc.place(fc.render_front(a, design), seed=k).image, None, CFG)
        own_back = analyse_back(fc.place(fc.render_back(a, design), seed=k).image, CFG, today=TODAY)
        other_back = analyse_back(fc.place(fc.render_back(b, design), seed=k + 5).image, CFG, today=TODAY)
        assert own_back.is_accepted and other_back.is_accepted
        own, mixed = check_pair(front, own_back), check_pair(front, other_back)
        assert "front_text_mismatch" not in own.flags, own.details  # the genuine pair is never called mixed
        assert own.is_consistent
        # Mixed: a contradiction, or at worst 'front unverified' on the record — never a silent pass.
        assert "front_text_mismatch" in mixed.flags or FRONT_UNVERIFIED in mixed.flags, mixed.details
        caught += "front_text_mismatch" in mixed.flags
    assert caught >= 2  # the birth date is read in a typeface the reader has never seen
