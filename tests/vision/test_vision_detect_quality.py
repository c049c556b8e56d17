"""Card detection on real synthetic scenes, and every quality gate with the instruction it gives."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from vision_helpers import (
    background,
    black_frame,
    blown_out_frame,
    preview,
    sample,
    tiny_card_scene,
    two_cards_scene,
)

from kiosk.config import VisionConfig
from kiosk.dev.synth.scene import make_scene
from kiosk.errors import ImageError
from kiosk.vision.card_detect import detect_card, detect_cards
from kiosk.vision.guidance import GUIDANCE_TEXT, guidance_text
from kiosk.vision.quality import assess_card
from kiosk.vision.rectify import rectify_card

CFG = VisionConfig()


def _err(found: np.ndarray, truth: np.ndarray) -> float:
    return float(min(np.linalg.norm(np.roll(found, s, axis=0) - truth, axis=1).max() for s in (0, 2)))


@pytest.mark.parametrize(("difficulty", "index", "side"), [("easy", 0, "back"), ("easy", 1, "front"),
                                                           ("normal", 2, "back"), ("normal", 3, "front")])
def test_detects_the_card_corners_in_a_preview(difficulty: str, index: int, side: str) -> None:
    s = sample(difficulty, index)
    scene = s.back_scene if side == "back" else s.front_scene
    truth = np.array(s.label[side]["corners"], np.float32) / 2.5
    det = detect_card(preview(scene))
    assert det is not None
    card_w = float(np.linalg.norm(truth[1] - truth[0]))
    assert _err(det.corners, truth) < 0.03 * card_w
    assert det.other_cards == 0


def test_rectified_card_matches_the_rendered_card() -> None:
    s = sample("easy", 0)
    det = detect_card(s.back_scene, 1024)
    assert det is not None
    rect = rectify_card(s.back_scene, det.corners)
    assert rect.shape == (638, 1011, 3)
    a = cv2.cvtColor(rect, cv2.COLOR_BGR2GRAY).astype(np.float32)
    b = cv2.cvtColor(s.back_card, cv2.COLOR_BGR2GRAY).astype(np.float32)
    a, b = a - a.mean(), b - b.mean()
    corr = float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))
    assert corr > 0.6


def test_good_card_passes_every_gate() -> None:
    p = preview(sample("easy", 0).back_scene)
    q = assess_card(p, detect_card(p), CFG)
    assert q.is_ok and q.guidance is None
    assert {"margin_fraction", "width_fraction", "brightness", "glare_fraction", "sharpness"} <= set(q.metrics)


def test_no_card_asks_to_show_one() -> None:
    p = preview(background(11, "wood"))
    det = detect_card(p)
    assert assess_card(p, det, CFG).guidance == "card.not_found"


def test_two_cards_ask_for_one() -> None:
    p = preview(two_cards_scene())
    found = detect_cards(p)
    assert len(found) >= 2 and found[0].other_cards >= 1
    assert assess_card(p, found[0], CFG).guidance == "card.one_card_only"


def test_black_and_blown_out_frames_ask_for_light_changes() -> None:
    for frame, code in ((black_frame(), "card.more_light"), (blown_out_frame(), "card.too_bright")):
        p = preview(frame)
        assert detect_card(p) is None
        assert assess_card(p, None, CFG).guidance == code


def test_tiny_far_card_asks_to_come_closer() -> None:
    p = preview(tiny_card_scene())
    q = assess_card(p, detect_card(p), CFG)
    assert q.guidance in ("card.move_closer", "card.not_found")
    assert not q.is_ok


def test_card_cut_by_the_frame_edge_asks_to_centre_it() -> None:
    s = sample("normal", 4, "partial")
    p = preview(s.back_scene)
    q = assess_card(p, detect_card(p), CFG)
    assert not q.is_ok
    assert q.guidance in ("card.move_into_frame", "card.not_found")


def test_card_filling_the_frame_asks_to_move_back() -> None:
    back = sample("easy", 0).back_card
    scene, _ = make_scene(back, np.random.default_rng(2), "easy",
                          overrides={"card_width_fraction": 0.955, "rotation_deg": 0.0, "hand": False,
                                     "perspective": 0.0, "position": [0.5, 0.5], "glare_strength": 0.0,
                                     "gain": 1.0})
    p = preview(scene)
    det = detect_card(p)
    q = assess_card(p, det, CFG)
    assert det is not None and det.width_px / 640 > CFG.max_card_fraction
    assert q.guidance == "card.move_back"


def _good_scene(**overrides: object) -> np.ndarray:
    params = {"hand": False, "glare_strength": 0.0, "card_width_fraction": 0.6, "rotation_deg": 3.0,
              "position": [0.5, 0.5], "defocus_sigma_px": 0.0, "motion_length_px": 0.0, "noise_sigma": 1.0}
    params.update(overrides)
    scene, _ = make_scene(sample("easy", 0).back_card, np.random.default_rng(6), "easy", overrides=params)
    return scene


def test_dark_card_asks_for_more_light() -> None:
    p = preview(_good_scene(gain=0.22))
    q = assess_card(p, detect_card(p), CFG)
    assert q.guidance == "card.more_light"


def test_glare_on_the_card_asks_to_tilt_it() -> None:
    p = preview(_good_scene(glare_strength=1.6, glare_radius=0.35, glare_center=[0.5, 0.4]))
    q = assess_card(p, detect_card(p), CFG)
    assert q.guidance == "card.avoid_glare", q.metrics


def test_blurred_card_asks_to_hold_it_still() -> None:
    sharp = preview(_good_scene())
    blurred = cv2.GaussianBlur(sharp, (0, 0), 3.0)
    q_sharp = assess_card(sharp, detect_card(sharp), CFG)
    det = detect_card(blurred) or detect_card(sharp)
    q = assess_card(blurred, det, CFG)
    assert q.metrics["sharpness"] < q_sharp.metrics["sharpness"] / 4
    assert q.guidance == "card.blurry"


def test_bad_arrays_raise_image_error() -> None:
    for bad in (np.zeros((10, 10, 3), np.uint8), np.zeros((100, 100), np.uint8),
                np.zeros((100, 100, 3), np.float32), "not an image"):
        with pytest.raises(ImageError):
            detect_card(bad)  # type: ignore[arg-type]


def test_every_guidance_code_has_both_languages() -> None:
    for code, texts in GUIDANCE_TEXT.items():
        assert code.startswith("card.")
        assert texts["es"] and texts["en"] and texts["es"] != texts["en"]
    assert guidance_text("card.move_closer", "es") == "Acerca la credencial"
    assert guidance_text("card.unknown_code") == "card.unknown_code"
