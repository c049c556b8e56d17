"""BlazeFace face detection (MediaPipe short- and full-range models) on TFLite.

Both models see the whole image letterboxed to a square; their detections are merged with weighted
non-maximum suppression, so a face near the camera (short range) and a small printed face (full range) are
both found. Coordinates in results are pixels of the input image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from kiosk.face.runtime import TfliteModel

# BlazeFace keypoint order (the subject's right eye is on the image's left for a selfie).
KP_RIGHT_EYE, KP_LEFT_EYE, KP_NOSE, KP_MOUTH, KP_RIGHT_EAR, KP_LEFT_EAR = range(6)


@dataclass(frozen=True)
class FaceDetection:
    """One detected face.

    Attributes:
        box_xyxy: (x0, y0, x1, y1) in pixels of the analysed image.
        score: detector confidence 0..1.
        keypoints_xy: 6×2 pixels: right eye, left eye, nose tip, mouth, right ear, left ear.
    """

    box_xyxy: tuple[float, float, float, float]
    score: float
    keypoints_xy: np.ndarray = field(repr=False, compare=False)

    @property
    def width_px(self) -> float:
        return self.box_xyxy[2] - self.box_xyxy[0]

    @property
    def height_px(self) -> float:
        return self.box_xyxy[3] - self.box_xyxy[1]

    @property
    def center_xy(self) -> tuple[float, float]:
        return ((self.box_xyxy[0] + self.box_xyxy[2]) / 2, (self.box_xyxy[1] + self.box_xyxy[3]) / 2)

    def to_json(self) -> dict:
        return {"box": [round(float(v), 1) for v in self.box_xyxy], "score": round(self.score, 4)}


def _ssd_anchors(input_px: int, strides: tuple[int, ...], anchors_per_layer: int) -> np.ndarray:
    """Anchor centres (N×2, 0..1) as MediaPipe's SSD anchor calculator makes them with fixed anchor size.

    Consecutive layers with the same stride share one grid, so their anchors interleave per cell.
    """
    centres: list[tuple[float, float]] = []
    i = 0
    while i < len(strides):
        stride = strides[i]
        n_same = 0
        while i < len(strides) and strides[i] == stride:
            n_same += 1
            i += 1
        grid = int(np.ceil(input_px / stride))
        for y in range(grid):
            for x in range(grid):
                centres.extend([((x + 0.5) / grid, (y + 0.5) / grid)] * (n_same * anchors_per_layer))
    return np.asarray(centres, dtype=np.float32)


@dataclass(frozen=True)
class _DetectorSpec:
    input_px: int
    strides: tuple[int, ...]
    anchors_per_layer: int
    min_score: float


ANALYSIS_MAX_PX = 384
SHORT_RANGE = _DetectorSpec(128, (8, 16, 16, 16), 2, 0.5)
FULL_RANGE = _DetectorSpec(192, (4,), 1, 0.6)


class BlazeFaceDetector:
    """One BlazeFace model plus its anchors and decoding."""

    def __init__(self, model: TfliteModel, spec: _DetectorSpec) -> None:
        self.model = model
        self.spec = spec
        self.anchors = _ssd_anchors(spec.input_px, spec.strides, spec.anchors_per_layer)

    def raw_detections(self, img_rgb_square: np.ndarray, min_score: float | None = None) -> np.ndarray:
        """Decode detections on a square RGB uint8 image of any size.

        Returns an N×17 array (x0, y0, x1, y1, 6 keypoints x/y, score) in 0..1 of the square.
        """
        size = self.spec.input_px
        small = cv2.resize(img_rgb_square, (size, size), interpolation=cv2.INTER_AREA)
        tensor = (small.astype(np.float32) / 127.5 - 1.0)[None]
        regressors, scores = self.model.run(tensor)
        raw = regressors[0] / size
        logits = np.clip(scores[0, :, 0].astype(np.float64), -100.0, 100.0)
        prob = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        keep = prob >= (self.spec.min_score if min_score is None else min_score)
        if not np.any(keep):
            return np.zeros((0, 17), np.float32)
        raw, prob, anchors = raw[keep], prob[keep], self.anchors[keep]
        cx = raw[:, 0] + anchors[:, 0]
        cy = raw[:, 1] + anchors[:, 1]
        w, h = raw[:, 2], raw[:, 3]
        out = np.empty((len(raw), 17), np.float32)
        out[:, 0], out[:, 1], out[:, 2], out[:, 3] = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
        out[:, 4:16:2] = raw[:, 4:16:2] + anchors[:, :1]
        out[:, 5:16:2] = raw[:, 5:16:2] + anchors[:, 1:2]
        out[:, 16] = prob
        return out


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(dets: np.ndarray, iou_threshold: float = 0.3) -> np.ndarray:
    """MediaPipe-style blending NMS: overlapping detections are averaged, weighted by score."""
    if len(dets) == 0:
        return dets
    order = np.argsort(-dets[:, 16])
    dets = dets[order]
    remaining = np.ones(len(dets), bool)
    merged = []
    for i in range(len(dets)):
        if not remaining[i]:
            continue
        overlap = _iou(dets[i, :4], dets[:, :4]) > iou_threshold
        group = overlap & remaining
        remaining &= ~group
        weights = dets[group, 16:17]
        blended = (dets[group, :16] * weights).sum(0) / weights.sum()
        merged.append(np.concatenate([blended, [dets[i, 16]]]))
    return np.asarray(merged, np.float32)


def _merge_models(per_model: list[np.ndarray]) -> np.ndarray:
    """One detection per face across models: a box that overlaps the best one or whose centre falls inside
    it is the same face seen by the other model."""
    if not per_model:
        return np.zeros((0, 17), np.float32)
    dets = np.concatenate(per_model, axis=0)
    dets = dets[np.argsort(-dets[:, 16])]
    groups: list[list[np.ndarray]] = []
    for det in dets:
        cx, cy = (det[0] + det[2]) / 2, (det[1] + det[3]) / 2
        for group in groups:
            k = group[0]
            if _iou(k[:4], det[None, :4])[0] > 0.3 or (k[0] <= cx <= k[2] and k[1] <= cy <= k[3]):
                group.append(det)
                break
        else:
            groups.append([det])
    # Blend a face seen by both models, weighted by score: whichever model scores higher flips from frame to
    # frame, and taking one box outright would make the crop (and the landmarks) jump with it.
    merged = []
    for group in groups:
        g = np.asarray(group)
        w = g[:, 16:17]
        merged.append(np.concatenate([(g[:, :16] * w).sum(0) / w.sum(), [g[0, 16]]]))
    return np.asarray(merged, np.float32).reshape(-1, 17)


def letterbox_square(img: np.ndarray) -> tuple[np.ndarray, int]:
    """Pad an image to a square at bottom/right with black; returns the square and its side in px."""
    h, w = img.shape[:2]
    side = max(h, w)
    if h == w:
        return img, side
    square = np.zeros((side, side) + img.shape[2:], img.dtype)
    square[:h, :w] = img
    return square, side


def detect_faces(img_bgr: np.ndarray, detectors: list[BlazeFaceDetector],
                 min_score: float | None = None) -> list[FaceDetection]:
    """Run every detector on the letterboxed image, merge, and return faces in image pixels, best first."""
    h, w = img_bgr.shape[:2]
    # Shrink big photos once before letterboxing: the detectors see at most 192 px anyway, and resizing a
    # padded multi-megapixel square per model costs more than the inference.
    small = img_bgr
    while max(small.shape[:2]) > 2 * ANALYSIS_MAX_PX:  # halving first: INTER_AREA on megapixels is slow
        small = cv2.pyrDown(small)
    shrink = min(1.0, ANALYSIS_MAX_PX / max(small.shape[:2]))
    if shrink < 1.0:
        small = cv2.resize(small, (max(1, round(small.shape[1] * shrink)), max(1, round(small.shape[0] * shrink))),
                           interpolation=cv2.INTER_AREA)
    shrink = max(small.shape[:2]) / max(h, w)
    rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    square, side_small = letterbox_square(rgb)
    side = side_small / shrink
    per_model = [weighted_nms(d.raw_detections(square, min_score)) for d in detectors]
    merged = _merge_models(per_model)
    faces = []
    for row in merged:
        px = row[:16] * side
        x0, y0, x1, y1 = (float(np.clip(px[0], 0, w)), float(np.clip(px[1], 0, h)),
                          float(np.clip(px[2], 0, w)), float(np.clip(px[3], 0, h)))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        faces.append(FaceDetection((x0, y0, x1, y1), float(row[16]), px[4:16].reshape(6, 2).astype(np.float32)))
    faces.sort(key=lambda f: -f.score)
    return faces
