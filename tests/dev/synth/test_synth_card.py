import random

import cv2
import numpy as np
import pytest
import zxingcpp

from kiosk.credential.citizen import generate_citizen, mrz_lines
from kiosk.credential.models import CardModel
from kiosk.dev.synth import card
from kiosk.errors import ImageError, InvalidField


@pytest.fixture(scope="module")
def face(faces_dir):
    return cv2.imread(str(faces_dir / "train-obama-obama.jpg"))


@pytest.mark.parametrize("model", ["E", "F", "G", "H"])
def test_cards_are_id1_bgr_and_deterministic(face, model):
    c = generate_citizen(random.Random(5), model=model)
    front, back = card.render_front(c, face), card.render_back(c)
    for img in (front, back):
        assert img.shape == (card.CARD_H_PX, card.CARD_W_PX, 3) and img.dtype == np.uint8
    assert np.array_equal(front, card.render_front(c, face))
    assert np.array_equal(back, card.render_back(c))
    # Specimen banner: saturated red strip at the bottom of the front, top of the back.
    for strip in (front[-30:-10, :100], back[5:30, :100]):
        b, g, r = strip.reshape(-1, 3).mean(axis=0)
        assert r > 150 and r > b + 60 and r > g + 60


@pytest.mark.parametrize("model", ["E", "G"])
def test_back_qr_codes_decode_to_specimen_payloads(model):
    c = generate_citizen(random.Random(9), model=model)
    texts = {r.text for r in zxingcpp.read_barcodes(card.render_back(c))}
    assert texts == set(card.qr_payloads(c))
    assert all("MUESTRA" in t or "example.invalid" in t for t in texts)


def test_mrz_glyphs_sit_on_the_pitch_grid():
    c = generate_citizen(random.Random(2), model="G")
    gray = cv2.cvtColor(card.render_back(c), cv2.COLOR_BGR2GRAY)
    for line, baseline in zip(mrz_lines(c), card.MRZ_BASELINES_PX, strict=True):
        row = gray[baseline - 28:baseline + 1]
        for i in range(30):
            x0 = card.MRZ_LEFT_PX + i * card.MRZ_PITCH_PX
            cell = row[:, x0 + 2:x0 + card.MRZ_PITCH_PX - 2]
            assert (cell < 100).sum() > 15, (line, i)  # every character, '<' included, has ink
        # nothing left or right of the 30 cells
        assert (row[:, : card.MRZ_LEFT_PX - 4] < 100).sum() == 0
        assert (row[:, card.MRZ_LEFT_PX + 30 * card.MRZ_PITCH_PX + 4:] < 100).sum() == 0


def test_different_citizens_render_different_mrz():
    a = card.render_back(generate_citizen(random.Random(1), model="G"))
    b = card.render_back(generate_citizen(random.Random(2), model="G"))
    assert np.abs(a[card.MRZ_BAND_TOP_PX:].astype(int) - b[card.MRZ_BAND_TOP_PX:]).mean() > 5


def test_photo_is_placed_in_the_photo_box(face):
    c = generate_citizen(random.Random(3), model="E")
    x0, y0, x1, y1 = card.PHOTO_BOX
    crop = card.crop_face_photo(face, (200.0, 100.0, 400.0, 330.0))
    front = card.render_front(c, face, face_box=(200.0, 100.0, 400.0, 330.0))
    placed = front[y0:y1, x0:x1].astype(int)
    other = card.crop_face_photo(face, (0.0, 0.0, 150.0, 200.0)).astype(int)
    # The translucent SPECIMEN mark crosses the photo, so compare closeness rather than equality.
    assert np.abs(placed - crop).mean() < 12 < np.abs(placed - other).mean()


def test_crop_accepts_gray_and_bgra_and_refuses_junk(face):
    gray = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    assert card.crop_face_photo(gray).shape == (330, 260, 3)
    assert card.crop_face_photo(cv2.cvtColor(face, cv2.COLOR_BGR2BGRA)).shape == (330, 260, 3)
    for junk in (np.zeros((8, 8, 3), np.uint8), np.zeros((100, 100, 3), np.float32), "face.jpg"):
        with pytest.raises(ImageError):
            card.crop_face_photo(junk)


def test_models_without_mrz_are_refused(face):
    c = generate_citizen(random.Random(1), model=CardModel.D)
    with pytest.raises(InvalidField):
        card.render_front(c, face)
    with pytest.raises(InvalidField):
        card.render_back(c)
