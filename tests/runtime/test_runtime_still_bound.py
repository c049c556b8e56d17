"""A camera that delivers an oversized still (misconfigured, faulty) goes to the failsafe through the same image
gate the CLI files pass; the still never reaches the vision code."""

from __future__ import annotations

import random

import numpy as np

from kiosk.camera.scripted import ScriptedCamera
from kiosk.clock import FakeClock
from kiosk.flow import events as ev
from kiosk.runtime.fakes import FakeFace, FakeVision
from kiosk.runtime.workers import CameraWorker


def test_an_oversized_still_is_a_camera_failure_not_a_vision_input() -> None:
    clock = FakeClock()
    camera = ScriptedCamera(clock)
    preview = np.full((480, 640, 3), 100, np.uint8)
    # 5000×4000 = 20 MP, above the 16 MP gate (a view, so the test allocates almost nothing)
    huge = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(4000, 5000, 3), strides=(0, 0, 0))
    camera.play([preview], stills=[huge])
    posted: list[object] = []
    front = ev.CardReading(side="front", image=np.full((638, 1011, 3), 3, np.uint8))
    vision = FakeVision(front=front, back=front)
    worker = CameraWorker(camera, clock, vision, FakeFace(), lambda e: posted.append(e), threaded=False,
                          rng=random.Random(1))
    worker.start_card(1, "front")
    for _ in range(200):
        clock.advance(1 / 15)
        worker.step()
        if any(isinstance(e, ev.CameraFailed) for e in posted):
            break
    failed = [e for e in posted if isinstance(e, ev.CameraFailed)]
    assert failed and failed[0].reason == "camera.unavailable"
    assert not any(isinstance(e, ev.CardCaptured) for e in posted)
