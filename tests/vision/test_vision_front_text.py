"""Front text against the MRZ (fraud cue: front and back from different cards) on real generator scenes.

Fronts go through analyse_front (detection + rectification) like in the kiosk; the MRZ is the sample's own
(genuine pair) or another sample's (a front and a back from different cards).
"""

from __future__ import annotations

import functools
from datetime import date

import cv2
import numpy as np
import pytest
from vision_helpers import TODAY, sample

from kiosk.credential.citizen import mrz_lines
from kiosk.credential.mrz import MrzParse, parse_td1
from kiosk.dev.synth.dataset import generate_sample
from kiosk.vision import front_text
from kiosk.vision.document import analyse_front
from kiosk.vision.front_text import compare_front_to_mrz


@functools.lru_cache(maxsize=8)
def _other(seed: int, difficulty: str, index: int):
    return sample(difficulty, index) if seed == 101 else generate_sample(seed, index, difficulty)


@functools.lru_cache(maxsize=8)
def _front(seed: int, difficulty: str, index: int) -> np.ndarray:
    res = analyse_front(_other(seed, difficulty, index).front_scene)
    assert res.rectified is not None
    return res.rectified


def _mrz(seed: int, difficulty: str, index: int, today: date = TODAY) -> MrzParse:
    return parse_td1(mrz_lines(_other(seed, difficulty, index).citizen), today)


# G/H fronts print the birth date low in the middle, E/F fronts top right: both layouts.
GENUINE = ((101, "easy", 0), (101, "normal", 2), (5153, "normal", 1), (101, "easy", 4), (5153, "easy", 2))


@pytest.mark.parametrize("key", GENUINE)
def test_front_and_its_own_mrz_match(key):
    check = compare_front_to_mrz(_front(*key), _mrz(*key))
    assert check.verdict == "match"
    assert check.fields["birth_date"].verdict == "match"
    assert not check.is_mismatch


@pytest.mark.parametrize(("front_key", "mrz_key"), [
    ((101, "easy", 1), (101, "easy", 0)),
    ((101, "normal", 2), (101, "easy", 1)),
    ((5153, "normal", 1), (5153, "easy", 0)),
    ((101, "normal", 6), (101, "normal", 7)),  # E front, E back
    ((101, "easy", 4), (101, "easy", 5)),  # E front, G back
])
def test_front_of_another_card_is_a_mismatch(front_key, mrz_key):
    front, mrz = _other(*front_key).citizen, _other(*mrz_key).citizen
    assert front.birth_date != mrz.birth_date  # the cue is about data that differs
    check = compare_front_to_mrz(_front(*front_key), _mrz(*mrz_key))
    assert check.verdict == "mismatch"
    assert check.is_mismatch
    assert check.fields["birth_date"].verdict == "mismatch"
    # The date was read, and not as the MRZ's: several digit cells contradict it.
    assert check.fields["birth_date"].details["contradicting_cells"] >= front_text.DATE_MIN_CONTRADICTIONS


@pytest.mark.parametrize("key", GENUINE[:2])
def test_a_blurred_front_is_unreadable_not_a_mismatch(key):
    blurred = cv2.GaussianBlur(_front(*key), (0, 0), 6)
    for mrz_key in ((101, "easy", 0), (101, "easy", 1), (101, "normal", 2)):
        check = compare_front_to_mrz(blurred, _mrz(*mrz_key))
        assert check.verdict == "unreadable"


def test_a_blank_card_or_the_back_is_unreadable():
    mrz = _mrz(101, "easy", 0)
    blank = np.full((638, 1011, 3), 236, np.uint8)
    assert compare_front_to_mrz(blank, mrz).verdict == "unreadable"
    # Another layout (the back: MRZ, QR codes) holds no front fields.
    back = sample("easy", 1).back_card
    assert compare_front_to_mrz(back, mrz).verdict == "unreadable"
    assert compare_front_to_mrz(np.zeros((10, 10, 3), np.uint8), mrz).verdict == "unreadable"


def test_the_summary_holds_scores_not_personal_data():
    key = (101, "easy", 0)
    summary = compare_front_to_mrz(_front(*key), _mrz(*key)).to_dict()
    assert summary["verdict"] == "match"
    assert set(summary) >= {"birth_date", "names", "sex"}
    citizen = _other(*key).citizen
    text = repr(summary)
    assert citizen.birth_date.strftime("%d/%m/%Y") not in text and citizen.surname_paternal not in text


def test_the_shipped_atlas_is_what_the_documented_command_renders():
    from models.front_atlas import render_atlas

    rendered = render_atlas()
    shipped = np.load(front_text.ATLAS_PATH)
    for key, value in rendered.items():
        assert np.array_equal(shipped[key], value), key


def test_atlas_lines_match_the_font_renderer():
    # The atlas (glyphs + kerned advances) draws a string as the font renderer does, so templates have the
    # card's spacing without pygame at run time.
    from kiosk.dev.synth import fonts

    a = front_text._atlas()
    top = int(round(a.ascent - a.cap * (1 + front_text._TOP)))
    bottom = int(round(a.ascent + a.cap * front_text._BOTTOM))
    pad = max(0, -top)
    for text in ("ECHEVERRIA", "14/06/1989", "MARIA DEL CARMEN"):
        ours = front_text.render_line(text)
        mask = fonts.text_mask(text, "sans-condensed-bold", 64).astype(np.float32) / 255.0
        rect = fonts.font("sans-condensed-bold").get_rect(text, size=64)
        # The font's rendering in the same frame: baseline at the atlas ascent, the cap band plus margins.
        canvas = np.zeros((pad + a.glyphs.shape[1] + 8, mask.shape[1]), np.float32)
        y0 = pad + a.ascent - rect.y
        canvas[y0:y0 + mask.shape[0]] = mask
        band = canvas[top + pad:bottom + pad]
        cols = np.nonzero(band.max(axis=0) > 0.1)[0]
        band = band[:, cols[0]:cols[-1] + 1]
        ref = cv2.resize(band, (ours.shape[1], ours.shape[0]), interpolation=cv2.INTER_AREA)
        assert np.corrcoef(ours.ravel(), ref.ravel())[0, 1] > 0.98, text


def test_an_upside_down_front_is_read_the_right_way_up():
    # Without a face detector analyse_front does not orient the card; a front rotated by 180° must not read
    # as some other date. A turned reading only confirms: against another card it is not conclusive.
    key = (101, "easy", 0)
    flipped = np.ascontiguousarray(_front(*key)[::-1, ::-1])
    check = compare_front_to_mrz(flipped, _mrz(*key))
    assert check.verdict == "match" and check.is_upside_down
    other = compare_front_to_mrz(flipped, _mrz(101, "easy", 1))
    assert other.is_upside_down and other.verdict == "unreadable"
