import random

import cv2
import numpy as np
import pytest

from kiosk.credential.citizen import generate_citizen
from kiosk.dev.synth import card
from kiosk.dev.synth.faces import load_face
from kiosk.dev.synth.scene import ATTACKS, DIFFICULTIES, make_capture_sequence, make_empty_scene, make_scene
from kiosk.errors import ImageError, InvalidField

CLEAN = {"defocus_sigma_px": 0.0, "motion_length_px": 0.0, "noise_sigma": 0.0, "glare_strength": 0.0,
         "jpeg_quality": 98, "hand": False}


@pytest.fixture(scope="module")
def cards(faces_dir):
    img, box = load_face(faces_dir / "train-obama-obama.jpg")
    c = generate_citizen(random.Random(3), model="G")
    return card.render_front(c, img, box), card.render_back(c)


def rectify(scene, corners, w=card.CARD_W_PX, h=card.CARD_H_PX):
    m = cv2.getPerspectiveTransform(np.float32(corners), np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
    return cv2.warpPerspective(scene, m, (w, h))


def card_mask(scene, corners, erode_px=9):
    m = np.zeros(scene.shape[:2], np.uint8)
    cv2.fillConvexPoly(m, np.round(np.array(corners)).astype(np.int32), 255)
    return cv2.erode(m, np.ones((erode_px, erode_px), np.uint8)) > 0


def ncc(a, b):
    ga = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY).astype(float).ravel()
    gb = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY).astype(float).ravel()
    return float(np.corrcoef(ga, gb)[0, 1])


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("attack", [None, *ATTACKS])
def test_deterministic_and_labelled(cards, difficulty, attack):
    a, la = make_scene(cards[1], np.random.default_rng(4), difficulty, attack, frame_size=(800, 600))
    b, lb = make_scene(cards[1], np.random.default_rng(4), difficulty, attack, frame_size=(800, 600))
    assert np.array_equal(a, b) and la == lb
    assert a.shape == (600, 800, 3) and a.dtype == np.uint8
    assert la["difficulty"] == difficulty and la["attack"] == attack and len(la["corners"]) == 4
    assert la["is_blank"] == (attack == "blank")
    c, _ = make_scene(cards[1], np.random.default_rng(5), difficulty, attack, frame_size=(800, 600))
    assert not np.array_equal(a, c)
    # the homography maps the card's own pixel corners onto the labelled corners (screen: scaled display;
    # blank sheet: stretched to the sheet)
    w, h = la["card_size"]
    assert (w, h) == (cards[1].shape[1], cards[1].shape[0])
    mapped = cv2.perspectiveTransform(np.float32([[[0, 0]], [[w, 0]], [[w, h]], [[0, h]]]),
                                      np.array(la["homography"]))[:, 0]
    assert np.allclose(mapped, la["corners"], atol=0.05)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_corners_are_where_the_card_is(cards, difficulty):
    for seed, side in enumerate(cards * 2):
        scene, label = make_scene(side, np.random.default_rng(seed), difficulty)
        # Rectifying with the label's corners gives the card back; corners off by a few % do not.
        good = ncc(rectify(scene, label["corners"]), side)
        shifted = np.array(label["corners"]) + np.array([[25, 0], [25, 0], [25, 0], [25, 0]])
        bad = ncc(rectify(scene, shifted), side)
        assert good > 0.7 and good > bad + 0.2, (difficulty, seed, good, bad)
        assert label["visible_fraction"] == 1.0
        xs, ys = np.array(label["corners"]).T
        assert xs.min() >= 0 and ys.min() >= 0 and xs.max() <= 1600 and ys.max() <= 1200


def test_clean_scene_matches_the_card_closely(cards):
    scene, label = make_scene(cards[1], np.random.default_rng(0), "easy", overrides=CLEAN)
    assert ncc(rectify(scene, label["corners"]), cards[1]) > 0.93
    assert label["params"]["noise_sigma"] == 0.0


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_photocopy_has_no_colour(cards, difficulty):
    for seed in range(3):
        front_g, lg = make_scene(cards[0], np.random.default_rng(seed), difficulty)
        front_p, lp = make_scene(cards[0], np.random.default_rng(seed), difficulty, "photocopy")
        # The red SPECIMEN banner along the bottom of the front: saturated on the card, grey on the copy.
        sat_g = cv2.cvtColor(rectify(front_g, lg["corners"])[-34:-8, 60:-60], cv2.COLOR_BGR2HSV)[..., 1].mean()
        sat_p = cv2.cvtColor(rectify(front_p, lp["corners"])[-34:-8, 60:-60], cv2.COLOR_BGR2HSV)[..., 1].mean()
        assert sat_g > 90 and sat_p < 35, (seed, sat_g, sat_p)
        whole = cv2.cvtColor(front_p, cv2.COLOR_BGR2HSV)[..., 1][card_mask(front_p, lp["corners"])].mean()
        assert whole < 25


def test_screen_shows_bezel_and_subpixel_grid(cards):
    for seed in range(3):
        scene, label = make_scene(cards[1], np.random.default_rng(seed), "normal", "screen", overrides=CLEAN)
        genuine, lg = make_scene(cards[1], np.random.default_rng(seed), "normal", overrides=CLEAN)
        q = np.array(label["corners"])
        c = q.mean(axis=0)
        ring = card_mask(scene, c + (q - c) * 1.05, 1) & ~card_mask(scene, c + (q - c) * 1.01, 1)
        gray = cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)
        assert gray[ring].mean() < 60  # the phone's black bezel / letterbox around the displayed card

        def grid_energy(img, corners):
            # colour flicker between neighbouring pixels: RGB stripes and their moiré
            chroma = img[..., 2].astype(float) - img[..., 0].astype(float)
            return np.abs(np.diff(chroma, axis=1))[card_mask(img, corners)[:, 1:]].mean()

        assert grid_energy(scene, label["corners"]) > 2 * grid_energy(genuine, lg["corners"])


def test_partial_card_is_partly_out_of_frame(cards):
    for seed in range(6):
        scene, label = make_scene(cards[0], np.random.default_rng(seed), "normal", "partial")
        xs, ys = np.array(label["corners"]).T
        is_outside = (xs < 0) | (xs > 1600) | (ys < 0) | (ys > 1200)
        assert is_outside.any() and 0.3 < label["visible_fraction"] < 0.85
        assert label["params"]["out_side"] in ("left", "right", "top", "bottom", "corner")


def test_blank_card_has_no_ink(cards):
    for seed in range(4):
        scene, label = make_scene(cards[0], np.random.default_rng(seed), "hard", "blank")
        genuine, lg = make_scene(cards[0], np.random.default_rng(seed), "hard")
        gray, gray_g = (cv2.cvtColor(x, cv2.COLOR_BGR2GRAY) for x in (scene, genuine))
        inside = card_mask(scene, label["corners"], 25)
        inside_g = card_mask(genuine, lg["corners"], 25)
        local = gray.astype(float) - cv2.blur(gray, (31, 31))
        local_g = gray_g.astype(float) - cv2.blur(gray_g, (31, 31))
        assert (np.abs(local[inside]) > 40).mean() < 0.002 < (np.abs(local_g[inside_g]) > 40).mean()


def test_bad_arguments(cards):
    rng = np.random.default_rng(0)
    for kwargs, field in (({"difficulty": "extreme"}, "difficulty"), ({"attack": "deepfake"}, "attack"),
                          ({"frame_size": (10, 10)}, "frame_size"), ({"overrides": {"zoom": 2}}, "overrides")):
        with pytest.raises(InvalidField) as err:
            make_scene(cards[0], rng, **{"difficulty": "easy", **kwargs})
        assert err.value.field == field
    for bad in (np.zeros((600, 900), np.uint8), np.zeros((10, 10, 3), np.uint8), cards[0].astype(float)):
        with pytest.raises(ImageError):
            make_scene(bad, rng, "easy")


def test_empty_scene_has_no_card():
    a, label = make_empty_scene(np.random.default_rng(3), "hard", frame_size=(640, 480))
    b, _ = make_empty_scene(np.random.default_rng(3), "hard", frame_size=(640, 480))
    assert np.array_equal(a, b) and a.shape == (480, 640, 3)
    assert label["corners"] is None and label["visible_fraction"] == 0.0
    with pytest.raises(InvalidField):
        make_empty_scene(np.random.default_rng(3), "brutal")


def test_capture_sequence_approaches_then_holds(cards):
    frames = make_capture_sequence(cards[0], np.random.default_rng(2), n_frames=12, difficulty="easy")
    assert [lab["is_settled"] for _, _, lab in frames] == [False] * 6 + [True] * 6
    centres = [np.array(lab["corners"]).mean(axis=0) for _, _, lab in frames]
    widths = [np.linalg.norm(np.subtract(lab["corners"][1], lab["corners"][0])) for _, _, lab in frames]
    moving = [np.linalg.norm(b - a) for a, b in zip(centres[:6], centres[1:7], strict=True)]
    held = [np.linalg.norm(b - a) for a, b in zip(centres[6:], centres[7:], strict=False)]
    assert min(moving[:3]) > 5 and max(held) < 3 and widths[0] < widths[-1]
    for _, frame, lab in frames[6:]:  # labels stay exact while held
        assert ncc(rectify(frame, lab["corners"]), cards[0]) > 0.7
    assert [t for t, _, _ in frames[:3]] == [0.0, round(1 / 15, 4), round(2 / 15, 4)]
    with pytest.raises(InvalidField):
        make_capture_sequence(cards[0], np.random.default_rng(2), n_frames=0)
