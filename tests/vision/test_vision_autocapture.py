"""Auto-capture on preview frames with an injected clock: it waits for a good, still card of the right side."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from vision_helpers import black_frame, preview, sample, two_cards_scene

from kiosk.camera.base import Frame
from kiosk.clock import FakeClock
from kiosk.config import VisionConfig
from kiosk.errors import InvalidField
from kiosk.vision.autocapture import CardAutoCapture

CFG = VisionConfig()


def _feed(cap: CardAutoCapture, clock: FakeClock, frames: list[np.ndarray], dt_s: float = 0.1) -> list:
    out = []
    for i, img in enumerate(frames):
        out.append(cap.feed(Frame(img, clock.monotonic(), i)))
        clock.advance(dt_s)
    return out


def test_good_still_card_becomes_ready_after_the_stable_time() -> None:
    clock = FakeClock()
    cap = CardAutoCapture(CFG, clock, "back")
    frame = preview(sample("easy", 0).back_scene)
    results = _feed(cap, clock, [frame] * 10)
    assert all(r.guidance is None for r in results)
    progress = [r.progress for r in results]
    assert progress == sorted(progress) and progress[0] == 0.0
    ready_at = next(i for i, r in enumerate(results) if r.is_ready)
    # first frame has no motion history; then stable_time_s (0.6 s) at 0.1 s per frame
    assert ready_at == 1 + round(CFG.stable_time_s / 0.1)
    assert results[-1].side == "back" and results[-1].detection is not None


def test_moving_card_is_asked_to_hold_still_and_never_ready() -> None:
    clock = FakeClock()
    cap = CardAutoCapture(CFG, clock, "back")
    base = sample("easy", 0).back_scene
    frames = []
    for i in range(8):  # the card jumps 24 px back and forth in the full-size frame
        m = np.float32([[1, 0, 24 * (i % 2) - 12], [0, 1, 0]])
        frames.append(preview(cv2.warpAffine(base, m, (base.shape[1], base.shape[0]),
                                             borderMode=cv2.BORDER_REPLICATE)))
    results = _feed(cap, clock, frames)
    assert not any(r.is_ready for r in results)
    assert [r.guidance for r in results[1:]] == ["card.hold_still"] * 7


def test_wrong_side_asks_to_turn_the_card() -> None:
    clock = FakeClock()
    cap = CardAutoCapture(CFG, clock, "back")
    results = _feed(cap, clock, [preview(sample("easy", 1).front_scene)] * 8)
    assert not any(r.is_ready for r in results)
    assert results[-1].guidance == "card.flip_to_back"
    cap_front = CardAutoCapture(CFG, clock, "front")
    results = _feed(cap_front, clock, [preview(sample("easy", 0).back_scene)] * 8)
    assert results[-1].guidance == "card.flip_to_front" and not results[-1].is_ready


@pytest.mark.parametrize(("frame_fn", "code"), [(black_frame, "card.more_light"),
                                                (two_cards_scene, "card.one_card_only")])
def test_bad_scenes_never_auto_capture(frame_fn, code: str) -> None:
    clock = FakeClock()
    cap = CardAutoCapture(CFG, clock, "back")
    results = _feed(cap, clock, [preview(frame_fn())] * 10)
    assert not any(r.is_ready for r in results)
    assert {r.guidance for r in results} == {code}


@pytest.mark.parametrize("attack", ["blank", "partial"])
def test_blank_and_partial_cards_never_auto_capture(attack: str) -> None:
    clock = FakeClock()
    cap = CardAutoCapture(CFG, clock, "back")
    results = _feed(cap, clock, [preview(sample("normal", 5, attack).back_scene)] * 10)
    assert not any(r.is_ready for r in results)
    assert all(r.guidance is not None for r in results)


def test_interruption_restarts_the_stable_time_and_reset_forgets() -> None:
    clock = FakeClock()
    cap = CardAutoCapture(CFG, clock, "back")
    good = preview(sample("easy", 0).back_scene)
    _feed(cap, clock, [good] * 4)
    r = _feed(cap, clock, [black_frame()[:480, :640]])[0]
    assert r.guidance == "card.more_light" and r.progress == 0.0
    after = _feed(cap, clock, [good] * 3)
    assert not any(x.is_ready for x in after)
    cap.reset()
    assert cap.feed(Frame(good, clock.monotonic(), 99)).progress == 0.0


def test_corrupt_frame_is_an_instruction_not_a_crash() -> None:
    cap = CardAutoCapture(CFG, FakeClock(), "front")
    r = cap.feed(Frame(np.zeros((8, 8), np.uint8), 0.0, 0))
    assert r.guidance == "card.not_found" and not r.is_ready


def test_unknown_side_is_refused() -> None:
    with pytest.raises(InvalidField):
        CardAutoCapture(CFG, FakeClock(), "sideways")
