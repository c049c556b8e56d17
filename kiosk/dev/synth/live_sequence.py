"""Plausible GENUINE selfie sequences made from one photo, for the demo and the liveness tests.

The face mesh of the photo (468 points with depth) is the head's 3-D shape. A head turn rotates those points
about a vertical axis behind the face and re-projects them; a blink moves the upper eyelid points down onto
the lower lid. Each frame is the photo warped triangle by triangle (a Delaunay mesh over the landmarks, a
ring for hair/ears/neck that moves with the head, and a fixed outer ring so the room stays still), drawn far
to near. So the nose really moves across the cheeks when the head turns (parallax a flat photo cannot make)
and the eyes really close. Small involuntary head motion and sensor noise are added.

These are synthetic, not evidence of a live person: genuine camera sequences are a device test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from kiosk.errors import FaceNotFound, ImageError, InvalidField

FPS = 15.0
FACE_WIDTH_FRAC = 0.36  # face box width in the frame: a selfie at arm's length from the kiosk camera
TURN_PEAK_DEG = 36.0

# MediaPipe mesh eyelid rows (upper lid and lower lid points, corners excluded).
_RIGHT_UPPER = (246, 161, 160, 159, 158, 157, 173)
_RIGHT_LOWER = (7, 163, 144, 145, 153, 154, 155)
_LEFT_UPPER = (466, 388, 387, 386, 385, 384, 398)
_LEFT_LOWER = (249, 390, 373, 374, 380, 381, 382)


@dataclass(frozen=True)
class _Pose:
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    blink: float = 0.0  # 0 open .. 1 closed
    dx_px: float = 0.0
    dy_px: float = 0.0


def _kind(challenge: Any) -> str:
    return str(getattr(challenge, "kind", challenge))


def _timeline(challenges: Sequence[Any], rng: np.random.Generator) -> list[tuple[float, float, str]]:
    """(start_s, duration_s, action) for each challenge, in order, with human-like random pauses."""
    t = float(rng.uniform(1.2, 1.6))  # settle in front of the camera first (the first prompt waits ≤0.8 s)
    plan = []
    for ch in challenges:
        kind = _kind(ch)
        if kind == "blink":
            dur = float(rng.uniform(0.35, 0.5))
        elif kind in ("turn_left", "turn_right"):
            dur = float(rng.uniform(1.6, 2.2))
        else:
            raise InvalidField("challenges", f"unknown challenge {kind!r}")
        plan.append((t, dur, kind))
        t += dur + float(rng.uniform(0.9, 1.3))
    return plan


def _pose_at(t: float, plan: list[tuple[float, float, str]], phase: np.ndarray) -> _Pose:
    yaw = 1.2 * math.sin(2.1 * t + phase[0])  # involuntary sway, degrees
    pitch = 1.0 * math.sin(1.7 * t + phase[1])
    dx, dy = 2.0 * math.sin(1.3 * t + phase[2]), 1.5 * math.sin(1.1 * t + phase[3])
    blink = 0.0
    for start, dur, kind in plan:
        u = (t - start) / dur
        if not 0.0 <= u <= 1.0:
            continue
        if kind == "blink":
            blink = max(blink, math.sin(math.pi * u) ** 0.6)  # fast close, brief hold, open
        else:
            sign = 1.0 if kind == "turn_left" else -1.0  # subject's left = image right in an un-mirrored camera
            ramp = min(1.0, u / 0.35, (1.0 - u) / 0.35)
            yaw += sign * TURN_PEAK_DEG * (0.5 - 0.5 * math.cos(math.pi * max(ramp, 0.0)))
    return _Pose(yaw, pitch, blink, dx, dy)


class _HeadModel:
    """The photo placed in the frame plus its mesh, ready to be re-posed."""

    def __init__(self, face_bgr: np.ndarray, frame_size: tuple[int, int], detector: Any) -> None:
        fw, fh = frame_size
        faces = detector.detect_with_landmarks(face_bgr)
        if not faces:
            raise FaceNotFound("no face in the photo given to make_live_sequence")
        face = max(faces, key=lambda f: f.detection.width_px)
        scale = FACE_WIDTH_FRAC * fw / face.detection.width_px
        cx, cy = face.detection.center_xy
        m = np.array([[scale, 0, fw / 2 - cx * scale], [0, scale, fh * 0.47 - cy * scale]], np.float64)
        self.base = cv2.warpAffine(face_bgr, m, (fw, fh), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REPLICATE)
        pts = face.landmarks.points.astype(np.float64)
        mesh = np.empty_like(pts)
        mesh[:, :2] = pts[:, :2] @ m[:, :2].T + m[:, 2]
        mesh[:, 2] = pts[:, 2] * scale
        face_w = float(np.ptp(mesh[:, 0]))
        centre = mesh[:, :2].mean(axis=0)
        # Hair, ears, jaw and neck: a ring outside the face oval that turns with the head, set back in depth.
        hull = cv2.convexHull(mesh[:, :2].astype(np.float32)).reshape(-1, 2).astype(np.float64)
        idx = np.linspace(0, len(hull) - 1, 24).astype(int)
        ring = centre + (hull[idx] - centre) * np.array([1.35, 1.45])
        ring_z = np.full((len(ring), 1), float(mesh[:, 2].max()) + 0.15 * face_w)
        # A fixed ring further out and the frame corners keep the room still.
        still = centre + (hull[idx[::2]] - centre) * 2.3
        corners = np.array([[0, 0], [fw - 1, 0], [fw - 1, fh - 1], [0, fh - 1]], np.float64)
        self.points3d = np.vstack([mesh, np.hstack([ring, ring_z])])
        self.n_moving = len(self.points3d)
        self.still = np.vstack([still, corners])
        all2d = np.vstack([self.points3d[:, :2], self.still])
        self.triangles = _delaunay(all2d, fw, fh)
        self.src2d = all2d.astype(np.float32)
        self.axis = np.array([centre[0], centre[1], float(mesh[:, 2].mean()) + 0.55 * face_w])
        self.frame_size = frame_size

    def posed_points(self, pose: _Pose) -> tuple[np.ndarray, np.ndarray]:
        """2-D destination of every vertex and the depth of the moving ones for ``pose``."""
        p = self.points3d.copy()
        yaw, pitch = math.radians(pose.yaw_deg), math.radians(pose.pitch_deg)
        rel = p - self.axis
        x = rel[:, 0] * math.cos(yaw) - rel[:, 2] * math.sin(yaw)
        z = rel[:, 0] * math.sin(yaw) + rel[:, 2] * math.cos(yaw)
        y = rel[:, 1] * math.cos(pitch) - z * math.sin(pitch)
        z = rel[:, 1] * math.sin(pitch) + z * math.cos(pitch)
        moved = np.stack([x + self.axis[0] + pose.dx_px, y + self.axis[1] + pose.dy_px], axis=1)
        dst = np.vstack([moved, self.still]).astype(np.float32)
        depth = np.concatenate([z, np.full(len(self.still), 1e9)])
        return dst, depth

    def render(self, pose: _Pose) -> np.ndarray:
        dst, depth = self.posed_points(pose)
        fw, fh = self.frame_size
        tris = self.triangles
        d = dst[tris].astype(np.float64)  # (T, 3, 2)
        src = self.src2d[tris].astype(np.float64)
        area = _signed_area(d)
        keep = (np.abs(area) >= 0.05) & (np.sign(area) == np.sign(_signed_area(src)))
        keep &= ~np.all(tris >= self.n_moving, axis=1)  # the still room keeps the identity map
        order = np.flatnonzero(keep)[np.argsort(-depth[tris[keep]].mean(axis=1))]  # far first, near last
        # Rasterise triangle ids (painter's order), then map every covered pixel through its triangle's affine.
        ids = np.full((fh, fw), -1, np.int32)
        for k in order:
            cv2.fillConvexPoly(ids, np.round(d[k] * 16).astype(np.int32), int(k), cv2.LINE_8, 4)
        inv = _affines(d, src)  # (T, 2, 3): destination pixel -> photo pixel
        map_x, map_y = np.meshgrid(np.arange(fw, dtype=np.float32), np.arange(fh, dtype=np.float32))
        ys, xs = np.nonzero(ids >= 0)
        k = ids[ys, xs]
        map_x[ys, xs] = inv[k, 0, 0] * xs + inv[k, 0, 1] * ys + inv[k, 0, 2]
        map_y[ys, xs] = inv[k, 1, 0] * xs + inv[k, 1, 1] * ys + inv[k, 1, 2]
        frame = cv2.remap(self.base, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if pose.blink > 0:
            _close_eyes(frame, dst, pose.blink)
        return frame


def _signed_area(tri: np.ndarray) -> np.ndarray:
    return ((tri[:, 1, 0] - tri[:, 0, 0]) * (tri[:, 2, 1] - tri[:, 0, 1])
            - (tri[:, 2, 0] - tri[:, 0, 0]) * (tri[:, 1, 1] - tri[:, 0, 1]))


def _affines(frm: np.ndarray, to: np.ndarray) -> np.ndarray:
    """Affine maps (T, 2, 3) taking each triangle of ``frm`` (T, 3, 2) onto the same triangle of ``to``."""
    a = np.concatenate([frm, np.ones(frm.shape[:2] + (1,))], axis=2)  # (T, 3, 3)
    singular = np.abs(np.linalg.det(a)) < 1e-9
    a[singular] = np.eye(3)
    sol = np.linalg.solve(a, to)  # (T, 3, 2): [x y 1] @ sol = target
    return np.transpose(sol, (0, 2, 1))


def _close_eyes(frame: np.ndarray, pts: np.ndarray, amount: float) -> None:
    """Cover each eye opening with eyelid skin and leave a lash line along the lower lid, ``amount`` 0..1.

    The skin tone comes from just under the eye; the lid is shaded a little darker towards the lashes, as a
    closed lid is.
    """
    for upper, lower in ((_RIGHT_UPPER, _RIGHT_LOWER), (_LEFT_UPPER, _LEFT_LOWER)):
        corner_a, corner_b = (33, 133) if upper is _RIGHT_UPPER else (263, 362)
        ring = np.vstack([pts[corner_a], pts[list(upper)], pts[corner_b], pts[list(lower)][::-1]])
        eye_w = float(np.linalg.norm(pts[corner_a] - pts[corner_b]))
        x0, y0 = np.floor(ring.min(axis=0) - eye_w * 0.3).astype(int)
        x1, y1 = np.ceil(ring.max(axis=0) + eye_w * 0.3).astype(int)
        h, w = frame.shape[:2]
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        below_y = int(pts[list(lower), 1].max() + eye_w * 0.12)
        patch = frame[max(below_y, 0):min(below_y + max(int(eye_w * 0.15), 2), h),
                      int(pts[list(lower), 0].min()):int(pts[list(lower), 0].max()) + 1]
        if patch.size == 0:
            continue
        skin = np.median(patch.reshape(-1, 3), axis=0)
        roi = frame[y0:y1, x0:x1].astype(np.float32)
        mask = np.zeros(roi.shape[:2], np.float32)
        local = ring - (x0, y0)
        cv2.fillPoly(mask, [np.round(local * 16).astype(np.int32)], 1.0, cv2.LINE_AA, 4)
        grown = cv2.dilate(mask, np.ones((3, 3), np.uint8))
        grown = cv2.GaussianBlur(cv2.dilate(grown, np.ones((5, 5), np.uint8)), (0, 0), max(eye_w * 0.08, 1.0))
        lid = np.empty_like(roi)
        lid[:] = skin
        lower_line = np.vstack([pts[corner_a], pts[list(lower)], pts[corner_b]]) - (x0, y0)
        lash = np.zeros(roi.shape[:2], np.float32)
        cv2.polylines(lash, [np.round(lower_line * 16).astype(np.int32)], False, 1.0,
                      max(1, int(round(eye_w * 0.07))), cv2.LINE_AA, 4)
        lash = cv2.GaussianBlur(lash, (0, 0), 0.8)
        alpha = (np.clip(grown, 0, 1) * amount)[..., None]
        out = roi * (1 - alpha) + lid * alpha
        dark = (lash * amount)[..., None] * 0.75
        out = out * (1 - dark) + np.array([35, 30, 30], np.float32) * dark
        frame[y0:y1, x0:x1] = np.clip(out, 0, 255).astype(np.uint8)


def _delaunay(points: np.ndarray, w: int, h: int) -> np.ndarray:
    """Delaunay triangles (index triples) over ``points``; duplicates and the helper outer vertices dropped."""
    clipped = np.clip(points, [0, 0], [w - 1, h - 1]).astype(np.float32)
    subdiv = cv2.Subdiv2D((-1, -1, w + 2, h + 2))
    for x, y in clipped:
        subdiv.insert((float(x), float(y)))
    tri_xy = subdiv.getTriangleList().reshape(-1, 3, 2)
    # Map each returned vertex back to its point index (nearest point; the helper vertices are far away).
    d = np.linalg.norm(tri_xy[:, :, None, :] - clipped[None, None, :, :], axis=3)
    idx = d.argmin(axis=2)
    is_known = d.min(axis=2).max(axis=1) < 0.5
    tris = idx[is_known]
    return tris[(tris[:, 0] != tris[:, 1]) & (tris[:, 1] != tris[:, 2]) & (tris[:, 0] != tris[:, 2])]


def make_live_sequence(face_bgr: np.ndarray, challenges: Sequence[Any], rng: np.random.Generator,
                       frame_size: tuple[int, int] = (640, 480), detector: Any = None,
                       ) -> list[tuple[float, np.ndarray]]:
    """A genuine-looking sequence of (timestamp_s, BGR frame) at 15 fps performing ``challenges`` in order.

    ``challenges`` are kinds ('blink', 'turn_left', 'turn_right') or objects with a ``.kind``. A ``detector``
    (kiosk.face.detector.FaceDetector) may be passed to avoid loading the models again.

    Raises:
        ImageError: unusable photo. FaceNotFound: no face in it. InvalidField: unknown challenge, bad size.
    """
    if not isinstance(face_bgr, np.ndarray) or face_bgr.dtype != np.uint8 or face_bgr.ndim != 3:
        raise ImageError("face photo must be a BGR uint8 image")
    fw, fh = (int(v) for v in frame_size)
    if not (160 <= fw <= 4000 and 120 <= fh <= 4000):
        raise InvalidField("frame_size", f"{frame_size!r} must be (width, height) between 160×120 and 4000 px")
    own_detector = detector is None
    if own_detector:
        from kiosk.face.detector import FaceDetector

        detector = FaceDetector(threads=1)
    try:
        head = _HeadModel(face_bgr, (fw, fh), detector)
    finally:
        if own_detector:
            detector.close()
    plan = _timeline(challenges, rng)
    end = (plan[-1][0] + plan[-1][1] if plan else 1.0) + float(rng.uniform(0.6, 0.9))
    phase = rng.uniform(0, 2 * math.pi, size=4)
    noise_sigma = float(rng.uniform(1.5, 3.0))
    t0 = float(rng.uniform(0, 5))
    frames = []
    for i in range(int(math.ceil(end * FPS))):
        t = i / FPS
        frame = head.render(_pose_at(t, plan, phase))
        noise = np.empty(frame.shape, np.int16)
        cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))  # OpenCV's generator, seeded from rng: deterministic
        cv2.randn(noise, 0.0, noise_sigma)
        frame = cv2.add(frame, noise, dtype=cv2.CV_8U)
        frames.append((round(t0 + t, 4), frame))
    return frames


def write_sequence(frames: Sequence[tuple[float, np.ndarray]], out_dir: Any, challenges: Sequence[Any] = ()) -> None:
    """Save frames as ``frame_0000.png``… plus ``sequence.json`` (timestamps, challenges) for
    ``python -m kiosk liveness DIR``."""
    import json
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for i, (_, frame) in enumerate(frames):
        if not cv2.imwrite(str(out / f"frame_{i:04d}.png"), frame):
            raise OSError(f"cannot write {out / f'frame_{i:04d}.png'}")
    meta = {"timestamps_s": [float(t) for t, _ in frames], "challenges": [_kind(c) for c in challenges],
            "is_synthetic": True}
    (out / "sequence.json").write_text(json.dumps(meta, indent=1) + "\n")
