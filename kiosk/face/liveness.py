"""Liveness: randomised active challenges checked from landmark trajectories, plus passive cues.

Active: the citizen is asked, in random order and after random pauses, to blink and/or turn the head left or
right. A blink is a dip of eye openness (eye-contour model) below 55 % of that person's open-eye baseline and
back; a turn is a yaw change (mesh geometry) of at least ``liveness_turn_min_deg`` to the asked side. Actions
before the prompt appears do not count, so a recording cannot anticipate the random timing.

Passive, against a photo or a screen held to the camera:
- parallax: when a real head turns, the nose moves across the cheeks; a flat picture moved, tilted or turned
  moves its landmarks by a plane homography. The residual of the best homography from the frontal landmarks
  to each turned frame's, relative to the eye distance, is the cue;
- screen pattern: a display's pixel grid shows as sharp, isolated peaks in the spectrum of the face region;
- frozen texture: the aligned face chip of a photo changes only by noise, a live face changes with blinks
  and pose;
- continuity: landmarks jumping between consecutive frames (a photo swapped for another) fail.

Thresholds were set from synthetic sequences (kiosk.dev.synth.live_sequence genuine, kiosk.dev.synth.face_sequence
attacks) on the six people of ../shared/faces; tests/face/test_face_liveness.py re-checks them. A flat photo
turned even 60° reads ≤ 9° of yaw in the mesh, so it cannot complete a turn challenge in the first place.

Frames are as the camera delivers them (not mirrored): the subject's left is the image's right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from kiosk.clock import Clock
from kiosk.config import FaceConfig
from kiosk.face import landmarks as lm
from kiosk.face.detector import as_bgr
from kiosk.face.geometry import head_pose
from kiosk.face.quality import assess, has_second_person, main_face

CHALLENGE_KINDS = ("blink", "turn_left", "turn_right")
TURNS = ("turn_left", "turn_right")

BLINK_CLOSED_RATIO = 0.55  # openness below this share of the baseline = closed
BLINK_REOPEN_RATIO = 0.8
BLINK_MAX_S = 1.2  # a blink closes and reopens within this
FRONT_YAW_DEG = 10.0  # back to frontal between challenges
PARALLAX_MIN_YAW_DEG = 8.0  # frames turned at least this much are used for the parallax cue
PARALLAX_MIN = 0.035  # homography residual / eye distance: turning heads 0.068–0.102 (measured)
SCREEN_PEAK_MAX = 80.0  # spectral peak-to-background ratio: screens ≥ 119, others ≤ 54 (measured)
TEXTURE_MIN = 13.0  # blurred aligned-chip change, top-3 mean (grey levels): photos ≤ 9.4, genuine ≥ 21 (measured)
JUMP_MAX = 0.35  # landmark jump between frames ≤0.2 s apart, over the eye distance: more = a photo swapped
MAX_LOST_FRAC = 0.35
PROMPT_DELAY_S = (0.2, 0.6)
FINISH_MAX_S = 2.5  # after a final turn, wait at most this long for the head to face the camera again


@dataclass(frozen=True)
class Challenge:
    """One requested action and the random pause before it is shown."""

    kind: str
    delay_s: float = 0.3

    @property
    def guidance(self) -> str:
        return f"live.{self.kind}"


@dataclass(frozen=True)
class LivenessProgress:
    """What the UI shows now: the challenge asked (None between challenges), one guidance code, progress."""

    challenge: Challenge | None
    guidance: str | None
    completed: int
    total: int
    is_done: bool
    quality: Any = None  # SelfieQuality of this frame


@dataclass(frozen=True)
class LivenessResult:
    is_live: bool
    score: float
    reasons: tuple[str, ...]
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"is_live": self.is_live, "score": round(self.score, 3), "reasons": list(self.reasons),
                "details": self.details}


def plan_challenges(rng: random.Random, cfg: FaceConfig) -> list[Challenge]:
    """``cfg.liveness_steps`` different challenges from ``cfg.liveness_challenges`` in random order, with
    random prompt delays; at least one head turn when turns are allowed (the parallax cue needs one)."""
    kinds = [k for k in cfg.liveness_challenges if k in CHALLENGE_KINDS]
    if not kinds:
        kinds = list(CHALLENGE_KINDS)
    n = max(1, min(cfg.liveness_steps, len(kinds)))
    picked = rng.sample(kinds, n)
    turns = [k for k in kinds if k in TURNS]
    if turns and not any(k in TURNS for k in picked):
        picked[rng.randrange(n)] = rng.choice(turns)
    rng.shuffle(picked)
    return [Challenge(k, round(rng.uniform(*PROMPT_DELAY_S), 3)) for k in picked]


@dataclass
class _Obs:
    t_s: float
    points: np.ndarray
    yaw_deg: float
    eye_open: float
    chip_grey: np.ndarray
    screen_peak: float


def screen_peak_ratio(frame_bgr: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Peak-to-background ratio of the high-frequency spectrum of the face region (native resolution).

    Natural skin and a printed photo have a smooth spectrum; a display's pixel grid adds isolated peaks.
    """
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    side = 96
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    h, w = frame_bgr.shape[:2]
    xa, ya = max(0, min(w - side, cx - side // 2)), max(0, min(h - side, cy - side // 2))
    patch = cv2.cvtColor(frame_bgr[ya:ya + side, xa:xa + side], cv2.COLOR_BGR2GRAY).astype(np.float32)
    if patch.shape != (side, side):
        return 0.0
    patch -= cv2.GaussianBlur(patch, (0, 0), 3.0)  # keep the fine structure only
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    spec = np.abs(np.fft.fftshift(np.fft.fft2(patch * window)))
    yy, xx = np.mgrid[0:side, 0:side] - side // 2
    radius = np.hypot(xx, yy)
    band = spec[(radius > side * 0.12) & (radius < side * 0.48)]
    return float(band.max() / (np.median(band) + 1e-6))


def homography_residual(ref: np.ndarray, cur: np.ndarray) -> float:
    """RMS residual of the least-squares homography ref→cur (2-D landmarks), over the ref eye distance."""
    h, _ = cv2.findHomography(ref.astype(np.float32), cur.astype(np.float32), 0)
    if h is None:
        return 0.0
    proj = cv2.perspectiveTransform(ref.reshape(-1, 1, 2).astype(np.float32), h).reshape(-1, 2)
    eye = float(np.linalg.norm(ref[lm.LEFT_EYE_OUTER] - ref[lm.RIGHT_EYE_OUTER]))
    return float(np.sqrt(((proj - cur) ** 2).sum(axis=1).mean()) / max(eye, 1e-6))


class LivenessSession:
    """Feeds frames through the pipeline, runs the challenges and judges liveness at :meth:`result`.

    Args:
        pipeline: a :class:`kiosk.face.pipeline.FacePipeline` (models already loaded).
        challenges: from :func:`plan_challenges`.
        clock: used only when ``feed`` gets no timestamp.
    """

    def __init__(self, pipeline: Any, challenges: list[Challenge], clock: Clock) -> None:
        self.pipeline = pipeline
        self.cfg: FaceConfig = pipeline.cfg
        self.challenges = list(challenges)
        self.clock = clock
        self._obs: list[_Obs] = []
        self._n_frames = 0
        self._n_lost = 0
        self._n_many = 0
        self._index = 0
        self._state = "wait_front"  # wait_front -> pending -> active -> (next) ... [-> finishing] -> done
        self._prompt_at = 0.0
        self._active_since = 0.0
        self._closed_at: float | None = None
        self._failed: str | None = None
        self._done_at: dict[str, float] = {}
        self._base_yaw: float | None = None
        self._base_open: float | None = None
        self._front_obs: _Obs | None = None
        self._finishing_since = 0.0

    # -- per frame --------------------------------------------------------------------------------------
    def feed(self, frame_bgr: np.ndarray, t_s: float | None = None) -> LivenessProgress:
        """Analyse one frame taken at ``t_s`` seconds (any monotonic origin)."""
        t = self.clock.monotonic() if t_s is None else float(t_s)
        self._n_frames += 1
        frame = as_bgr(frame_bgr)
        faces = self.pipeline.analyse(frame)
        face = main_face(faces)
        if face is None:
            self._n_lost += 1
            quality = assess(frame.shape, faces, None, self.cfg)
        else:
            chip = self.pipeline.chip(frame, face)
            eye_open = self.pipeline.eye_openness(frame, face)
            quality = assess(frame.shape, faces, chip, self.cfg, eye_open)
            if has_second_person(faces):
                self._n_many += 1
            else:
                self._observe(frame, face, chip, eye_open, t)
        if self._state != "done" and self._failed is None:
            self._advance(t)
        return self._progress(quality)

    def _observe(self, frame_bgr: np.ndarray, face: Any, chip: np.ndarray, eye_open: float, t: float) -> None:
        pts = face.landmarks.points
        yaw = head_pose(pts).yaw_deg
        grey = cv2.resize(cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY), (50, 50), interpolation=cv2.INTER_AREA)
        # Blurred so a pixel of landmark jitter does not read as a changing face; blinks and turns still do.
        grey = cv2.GaussianBlur(grey, (0, 0), 1.5)
        obs = _Obs(t, pts[:, :2].copy(), yaw, eye_open, grey, screen_peak_ratio(frame_bgr, face.detection.box_xyxy))
        self._obs.append(obs)
        if self._base_yaw is None and len(self._obs) >= 3:
            self._base_yaw = float(np.median([o.yaw_deg for o in self._obs[:15]]))
        if self._base_yaw is not None and abs(yaw - self._base_yaw) < FRONT_YAW_DEG / 2:
            recent = [o.eye_open for o in self._obs[-15:] if abs(o.yaw_deg - self._base_yaw) < FRONT_YAW_DEG]
            self._base_open = float(np.percentile(recent, 75))
            if self._front_obs is None:
                self._front_obs = obs

    def _last(self, t: float) -> _Obs | None:
        return self._obs[-1] if self._obs and self._obs[-1].t_s == t else None

    def _advance(self, t: float) -> None:
        obs = self._last(t)
        if self._state == "finishing":
            is_front = (obs is not None and self._base_yaw is not None
                        and abs(obs.yaw_deg - self._base_yaw) < FRONT_YAW_DEG)
            if is_front or t - self._finishing_since > FINISH_MAX_S:
                self._state = "done"
            return
        if self._index >= len(self.challenges):
            self._state = "done"
            return
        ch = self.challenges[self._index]
        if self._state == "wait_front":
            is_front = (obs is not None and self._base_yaw is not None
                        and abs(obs.yaw_deg - self._base_yaw) < FRONT_YAW_DEG)
            if is_front:
                self._state, self._prompt_at = "pending", t + ch.delay_s
            return
        if self._state == "pending":
            if t >= self._prompt_at:
                self._state, self._active_since, self._closed_at = "active", t, None
            return
        # active
        if t - self._active_since > self.cfg.liveness_challenge_timeout_s:
            self._failed = f"challenge.timeout:{ch.kind}"
            return
        if obs is None or self._base_yaw is None:
            return
        if ch.kind == "blink":
            base = self._base_open or 0.0
            if base <= 0:
                return
            if obs.eye_open < BLINK_CLOSED_RATIO * base:
                if self._closed_at is None:
                    self._closed_at = t
            elif self._closed_at is not None:
                if t - self._closed_at > BLINK_MAX_S:
                    self._closed_at = None  # eyes shut too long: not a blink, wait for a real one
                elif obs.eye_open > BLINK_REOPEN_RATIO * base:
                    self._complete(ch, t)
        else:
            turned = obs.yaw_deg - self._base_yaw
            need = self.cfg.liveness_turn_min_deg
            if (ch.kind == "turn_left" and turned >= need) or (ch.kind == "turn_right" and turned <= -need):
                self._complete(ch, t)

    def _complete(self, ch: Challenge, t: float) -> None:
        self._done_at[f"{self._index}:{ch.kind}"] = round(t, 3)
        self._index += 1
        if self._index < len(self.challenges):
            self._state = "wait_front"
        elif ch.kind in TURNS:
            # Let the head come back to the front: the passive cues see the whole turn (not only its first
            # 18°) and the last frames, which the kiosk keeps as the selfie, are frontal.
            self._state, self._finishing_since = "finishing", t
        else:
            self._state = "done"

    def _progress(self, quality: Any) -> LivenessProgress:
        total = len(self.challenges)
        if self._failed is not None:
            return LivenessProgress(None, "live.timeout", self._index, total, True, quality)
        if self._state == "done":
            return LivenessProgress(None, "live.done", total, total, True, quality)
        if quality is not None and quality.guidance in ("face.none", "face.many", "face.closer", "face.farther"):
            guidance = quality.guidance
        elif self._state in ("wait_front", "finishing") and self._index > 0:
            guidance = "live.look_front"
        elif self._state == "active":
            guidance = self.challenges[self._index].guidance
        else:
            guidance = None
        challenge = self.challenges[self._index] if self._state == "active" else None
        return LivenessProgress(challenge, guidance, self._index, total, False, quality)

    @property
    def is_done(self) -> bool:
        return self._state == "done" or self._failed is not None

    # -- verdict ----------------------------------------------------------------------------------------
    def cues(self) -> dict:
        """The passive cue values over the frames seen so far (None when a cue could not be measured)."""
        parallax = None
        if self._front_obs is not None and self._base_yaw is not None:
            turned = [o for o in self._obs if abs(o.yaw_deg - self._base_yaw) >= PARALLAX_MIN_YAW_DEG]
            if turned:
                res = sorted(homography_residual(self._front_obs.points, o.points) for o in turned)
                # The second largest: a turn may have only a few frames before the session ends, and one
                # odd frame should not decide alone.
                parallax = float(res[-2] if len(res) >= 2 else res[-1])
        screen = float(np.percentile([o.screen_peak for o in self._obs], 75)) if self._obs else None
        texture = None
        if len(self._obs) >= 5:
            ref = self._obs[0].chip_grey.astype(np.float32)
            ref -= ref.mean()
            diffs = []
            for o in self._obs[1:]:
                cur = o.chip_grey.astype(np.float32)
                diffs.append(float(np.abs(cur - cur.mean() - ref).mean()))
            # Mean of the three largest changes: a live face changes for a few frames (a blink, the start of a
            # turn) and the session ends as soon as the last challenge is met.
            texture = float(np.mean(sorted(diffs)[-3:]))
        jump = None
        pairs = [(a, b) for a, b in zip(self._obs, self._obs[1:], strict=False) if 0 < b.t_s - a.t_s <= 0.2]
        if pairs:
            jump = max(float(np.linalg.norm(b.points - a.points, axis=1).mean())
                       / max(float(np.linalg.norm(a.points[lm.LEFT_EYE_OUTER] - a.points[lm.RIGHT_EYE_OUTER])), 1.0)
                       for a, b in pairs)
        yaws = [o.yaw_deg - (self._base_yaw or 0.0) for o in self._obs]
        return {"parallax": parallax, "screen_peak": screen, "texture_change": texture, "max_jump": jump,
                "yaw_range_deg": [round(min(yaws), 1), round(max(yaws), 1)] if yaws else None,
                "eye_open_min": round(min(o.eye_open for o in self._obs), 3) if self._obs else None,
                "eye_open_baseline": None if self._base_open is None else round(self._base_open, 3)}

    def result(self) -> LivenessResult:
        """Pass/fail with reason codes, a 0..1 score and the measured details."""
        reasons: list[str] = []
        n = max(self._n_frames, 1)
        if self._failed is not None:
            reasons.append(self._failed)
        elif self._index < len(self.challenges):
            reasons.append(f"challenge.incomplete:{self.challenges[self._index].kind}")
        if self._n_lost / n > MAX_LOST_FRAC:
            reasons.append("face.lost")
        if self._n_many:
            reasons.append("face.many")
        cues = self.cues()
        asked_turn = any(c.kind in TURNS for c in self.challenges)
        parts = [self._index / len(self.challenges) if self.challenges else 1.0]
        if cues["parallax"] is not None:
            parts.append(min(1.0, cues["parallax"] / (2 * PARALLAX_MIN)))
            if cues["parallax"] < PARALLAX_MIN:
                reasons.append("passive.no_parallax")
        elif asked_turn:
            parts.append(0.0)
        if cues["screen_peak"] is not None:
            parts.append(float(np.clip(2.0 - cues["screen_peak"] / SCREEN_PEAK_MAX, 0.0, 1.0)))
            if cues["screen_peak"] > SCREEN_PEAK_MAX:
                reasons.append("passive.screen_pattern")
        if cues["texture_change"] is not None:
            parts.append(min(1.0, cues["texture_change"] / (2 * TEXTURE_MIN)))
            if cues["texture_change"] < TEXTURE_MIN:
                reasons.append("passive.frozen_texture")
        if cues["max_jump"] is not None and cues["max_jump"] > JUMP_MAX:
            reasons.append("passive.discontinuous")
        details = {"challenges": [c.kind for c in self.challenges], "completed_at_s": self._done_at,
                   "frames": self._n_frames, "frames_without_face": self._n_lost,
                   "thresholds": {"parallax_min": PARALLAX_MIN, "screen_peak_max": SCREEN_PEAK_MAX,
                                  "texture_min": TEXTURE_MIN, "jump_max": JUMP_MAX,
                                  "turn_min_deg": self.cfg.liveness_turn_min_deg},
                   **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in cues.items()}}
        return LivenessResult(not reasons, float(np.mean(parts)), tuple(reasons), details)
