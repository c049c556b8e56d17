"""The kiosk as it really runs: threaded workers, the system clock and H6's render loop (headless), driven by
intents from the frame callback. The camera worker must auto-capture the card while the loop keeps drawing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import build_kiosk
from kiosk.config import load_config
from kiosk.flow import events as ev
from kiosk.flow.states import State

pytestmark = pytest.mark.slow


def test_threaded_kiosk_under_the_render_loop_reads_the_card(tmp_path: Path, faces_dir: Path) -> None:
    from kiosk.ui.loop import run_ui

    cfg = load_config(env={}, overrides={"device": {"dev_mode": True, "data_dir": str(tmp_path)},
                                         "camera": {"source": "scripted", "scripted_dir": ""},
                                         "ui": {"fullscreen": False}})
    kiosk = build_kiosk(cfg, director_options={"seed": 0})
    seen: list[State] = []
    frames_in: dict[State, int] = {}
    deadline = time.monotonic() + 90.0

    def on_frame(index: int, display: Any, model: Any) -> None:
        frames_in[model.state] = frames_in.get(model.state, 0) + 1
        if not seen or seen[-1] != model.state:
            seen.append(model.state)
            c = kiosk.controller
            s = c.machine.settings
            intent = {State.WELCOME: ev.StartPressed(), State.CHOOSE_PROCESS: ev.ProcessChosen(s.processes[0].id),
                      State.CHOOSE_ASPIRANT: ev.AspirantChosen(s.processes[0].aspirants[0].id),
                      State.PRIVACY_NOTICE: ev.ConsentGiven()}.get(model.state)
            if intent is not None:
                c.dispatch(intent)
        if model.state in (State.REVIEW_DATA, State.DUPLICATE_WARNING, State.CARD_REFUSED, State.FAILSAFE) \
                or time.monotonic() > deadline:
            raise StopIteration

    try:
        with pytest.raises(StopIteration):
            run_ui(kiosk.controller, cfg.ui, headless=True, on_frame=on_frame, clock=kiosk.clock)
    finally:
        kiosk.close()
    assert seen[-1] == State.REVIEW_DATA, seen
    assert State.CARD_FRONT in seen and State.CARD_BACK in seen
    # the loop kept drawing while the camera worker captured and analysed the card (several stills' worth)
    assert frames_in[State.CARD_FRONT] > 10 and frames_in[State.CARD_BACK] > 10, frames_in
