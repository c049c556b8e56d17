"""NOT-live selfie sequences for liveness tests: a photographed face that moves only as a flat picture can.

Kinds:
- 'still': the face image fixed in front of the camera (only sensor noise changes);
- 'moved': the same flat face translated and scaled along a smooth path (someone moving a cut-out);
- 'tilted': the flat face rotated in-plane and foreshortened as a card turned about its vertical axis — what a
  printed photo does, never a 3-D head turn (no parallax, eyes never close);
- 'photo_held': a printed photo with a white border held up by a hand, wobbling, with paper glare;
- 'screen_replay': the face shown on a phone screen: bezel, subpixel grid, moiré, colour cast, flicker.

Frames are BGR uint8 of ``frame_size`` (width, height) with timestamps at 15 frames per second.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from kiosk.dev.synth.card import crop_face_photo
from kiosk.dev.synth.scene import _sensor_noise, make_background
from kiosk.errors import ImageError, InvalidField

KINDS = ("still", "moved", "tilted", "photo_held", "screen_replay")
FPS = 15.0


def _warp_onto(frame: np.ndarray, obj: np.ndarray, alpha: np.ndarray, h: np.ndarray) -> None:
    fh, fw = frame.shape[:2]
    warped = cv2.warpPerspective(obj, h, (fw, fh), flags=cv2.INTER_LINEAR)
    a = cv2.warpPerspective(alpha, h, (fw, fh), flags=cv2.INTER_LINEAR).astype(np.float32) / 255
    frame[:] = cv2.blendLinear(warped, frame, a, 1 - a)


def _pose(cx: float, cy: float, w: float, h: float, scale: float, angle_deg: float, yaw: float) -> np.ndarray:
    """Homography placing a w×h object centred at (cx, cy): scale, in-plane rotation, then a flat 'turn'
    (one vertical edge shortened, the object's width compressed by cos(yaw))."""
    hw, hh = w / 2 * scale, h / 2 * scale
    squeeze = math.cos(yaw)
    near, far = 1 + 0.12 * math.sin(yaw), 1 - 0.12 * math.sin(yaw)
    pts = np.array([[-hw * squeeze, -hh * far], [hw * squeeze, -hh * near], [hw * squeeze, hh * near],
                    [-hw * squeeze, hh * far]])
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    dst = pts @ rot.T + np.array([cx, cy])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def _portrait(face_bgr: np.ndarray, face_box, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Head-and-shoulders crop and a soft oval alpha, so the flat face blends into the room."""
    w, h = size
    crop = crop_face_photo(face_bgr, face_box, (w, h))
    alpha = np.zeros((h, w), np.uint8)
    cv2.ellipse(alpha, (w // 2, int(h * 0.52)), (int(w * 0.46), int(h * 0.5)), 0, 0, 360, 255, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), w * 0.03)
    return crop, alpha


def make_face_sequence(face_bgr: np.ndarray, kind: str, n_frames: int, rng: np.random.Generator,
                       frame_size: tuple[int, int] = (640, 480),
                       face_box: tuple[float, float, float, float] | None = None) -> list[tuple[float, np.ndarray]]:
    """A not-live sequence of ``n_frames`` (timestamp_s, frame) pairs. Deterministic per ``rng`` state.

    ``face_box`` (x0, y0, x1, y1 px in ``face_bgr``) centres the face; without it the image is centre-cropped.
    Raises InvalidField('kind' / 'n_frames' / 'frame_size', ...) and ImageError for an unusable face image.
    """
    if kind not in KINDS:
        raise InvalidField("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(n_frames, int) or not 1 <= n_frames <= 2000:
        raise InvalidField("n_frames", f"must be an integer 1-2000, got {n_frames!r}")
    fw, fh = (int(v) for v in frame_size)
    if not (64 <= fw <= 4000 and 64 <= fh <= 4000):
        raise InvalidField("frame_size", f"{frame_size!r} must be (width, height) between 64 and 4000 px")
    if not isinstance(face_bgr, np.ndarray):
        raise ImageError("face image must be a numpy array")
    background = make_background(rng, str(rng.choice(["textured", "wood", "fabric"])), fw, fh)
    ph = int(fh * 0.9)
    pw = int(ph * 0.8)
    portrait, oval = _portrait(face_bgr, face_box, (pw, ph))
    noise_sigma = float(rng.uniform(1.5, 4.0))
    phase = rng.uniform(0, 2 * math.pi, size=4)
    t0 = float(rng.uniform(0, 5))

    if kind in ("photo_held", "screen_replay"):
        obj, obj_alpha = _photo_object(portrait) if kind == "photo_held" else _screen_object(portrait, rng)
        skin = tuple(int(v) for v in rng.integers((70, 100, 140), (130, 160, 215)))
    else:
        obj, obj_alpha = portrait, oval
        skin = None
    oh, ow = obj.shape[:2]
    base_scale = (fh * (0.8 if kind == "photo_held" else 0.85 if kind == "screen_replay" else 0.9)) / oh

    frames: list[tuple[float, np.ndarray]] = []
    for i in range(n_frames):
        t = i / FPS
        s = 2 * math.pi * t
        cx, cy, scale, angle, yaw = fw / 2, fh / 2, base_scale, 0.0, 0.0
        if kind == "moved":
            cx += fw * 0.12 * math.sin(s * 0.35 + phase[0])
            cy += fh * 0.06 * math.sin(s * 0.5 + phase[1])
            scale *= 1 + 0.1 * math.sin(s * 0.25 + phase[2])
        elif kind == "tilted":
            angle = 14 * math.sin(s * 0.3 + phase[0])
            yaw = math.radians(28) * math.sin(s * 0.22 + phase[1])
        elif kind in ("photo_held", "screen_replay"):
            # hand tremor: small, fast, irregular
            cx += fw * 0.01 * math.sin(s * 1.7 + phase[0]) + fw * 0.006 * math.sin(s * 3.1 + phase[3])
            cy += fh * 0.01 * math.sin(s * 1.3 + phase[1])
            angle = 3 * math.sin(s * 0.9 + phase[2])
            yaw = math.radians(8) * math.sin(s * 0.6 + phase[3])
        frame = background.copy()
        h = _pose(cx, cy, ow, oh, scale, angle, yaw)
        if skin is not None:
            _hand_under(frame, h, ow, oh, skin)
        _warp_onto(frame, obj, obj_alpha, h)
        if kind == "screen_replay":  # refresh flicker beating against the camera's exposure
            frame = cv2.convertScaleAbs(frame, alpha=1 + 0.04 * math.sin(s * 2.3 + phase[0]))
        frame = cv2.add(frame, _sensor_noise(rng, frame.shape, noise_sigma), dtype=cv2.CV_8U)
        frames.append((round(t0 + t + float(rng.uniform(-0.002, 0.002)), 4), frame))
    return frames


def _photo_object(portrait: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A printed photo: white border, slightly flattened print contrast, a paper sheen band."""
    h, w = portrait.shape[:2]
    border = int(w * 0.06)
    photo = np.full((h + 2 * border, w + 2 * border, 3), 242, np.uint8)
    printed = cv2.convertScaleAbs(portrait, alpha=0.85, beta=20)
    photo[border:border + h, border:border + w] = printed
    ph, pw = photo.shape[:2]
    diag = (np.arange(pw, dtype=np.float32) / pw)[None, :] + (np.arange(ph, dtype=np.float32) / ph)[:, None]
    sheen = np.exp(-((diag - 0.7) ** 2) / 0.01) * np.float32(45)
    photo = cv2.add(photo, cv2.cvtColor(sheen, cv2.COLOR_GRAY2BGR), dtype=cv2.CV_8U)
    return photo, np.full((ph, pw), 255, np.uint8)


def _screen_object(portrait: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A phone in portrait showing the face: colour cast, raised black, RGB stripe subpixels, bezel."""
    h, w = portrait.shape[:2]
    scr_w = int(rng.integers(180, 260))  # screen pixels across the displayed face
    scr_h = int(scr_w * h / w)
    screen = cv2.resize(portrait, (scr_w, scr_h), interpolation=cv2.INTER_AREA).astype(np.float32)
    cast = np.array([rng.uniform(1.0, 1.15), 1.0, rng.uniform(0.82, 0.95)], np.float32)
    screen = 20 + screen * cast * (235 / 255)
    k = 3
    big = cv2.resize(screen, (k * scr_w, k * scr_h), interpolation=cv2.INTER_NEAREST)
    # Softer stripes than a macro photo would show: at selfie distance the grid is near the camera's resolution.
    stripes = np.full((1, k * scr_w, 3), 0.6, np.float32)
    for ch, col in ((2, 0), (1, 1), (0, 2)):
        stripes[0, col::k, ch] = 1.8
    big *= stripes
    big[k - 1::k] *= 0.75
    bezel = int(0.08 * big.shape[1])
    phone = np.full((big.shape[0] + 2 * bezel, big.shape[1] + 2 * bezel, 3), 20, np.uint8)
    phone[bezel:bezel + big.shape[0], bezel:bezel + big.shape[1]] = np.clip(big, 0, 255).astype(np.uint8)
    alpha = np.zeros(phone.shape[:2], np.uint8)
    r = int(bezel * 1.2)
    ph, pw = alpha.shape
    cv2.rectangle(alpha, (r, 0), (pw - 1 - r, ph - 1), 255, -1)
    cv2.rectangle(alpha, (0, r), (pw - 1, ph - 1 - r), 255, -1)
    for cx, cy in ((r, r), (pw - 1 - r, r), (pw - 1 - r, ph - 1 - r), (r, ph - 1 - r)):
        cv2.circle(alpha, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return phone, alpha


def _hand_under(frame: np.ndarray, h: np.ndarray, ow: int, oh: int, skin: tuple[int, int, int]) -> None:
    """Fingers holding the bottom edge of the photo/phone, drawn before the object so they peek out below."""
    pts = cv2.perspectiveTransform(np.float32([[[ow * f, oh * 1.02]] for f in (0.3, 0.42, 0.54, 0.66)]), h)
    for (x, y) in pts[:, 0]:
        cv2.ellipse(frame, (int(x), int(y)), (int(ow * 0.05 * abs(h[0, 0])) + 6, int(oh * 0.06 * abs(h[1, 1])) + 8),
                    0, 0, 360, skin, -1, cv2.LINE_AA)
