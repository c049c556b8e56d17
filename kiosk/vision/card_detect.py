"""Find an ID-1 card in a camera frame: its four corners (TL, TR, BR, BL) and a confidence.

How: on a ≤640 px copy, edges (Canny on a smoothed gray image, plus a colour-distance edge map so a card on a
background of similar brightness still shows) are joined, contours become quadrilaterals (polygon fit of the
convex hull, or the min-area rectangle when a finger bends the hull), and each quad is scored by ID-1 aspect,
straight-edge support and size. The winner's sides are then re-fitted as lines through the edge points near
each side (robust to a thumb over an edge) and intersected for sub-pixel corners. Corners come back with the
long side on top; a 180° turn is resolved later from the content (MRZ position).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.errors import ImageError
from kiosk.vision.rectify import ID1_ASPECT

WORK_WIDTH_PX = 640
COARSE_WIDTH_PX = 320
_MIN_AREA_FRACTION = 0.01


@dataclass(frozen=True)
class CardDetection:
    """A card found in a frame.

    ``corners``: (4, 2) float32, TL, TR, BR, BL in the input frame's px (TL→TR is a long side).
    ``score``: 0..1 confidence (aspect × edge support). ``other_cards``: how many more distinct card-like
    quads were found (≥1 means "two cards in view").
    """

    corners: np.ndarray
    score: float
    other_cards: int = 0

    @property
    def width_px(self) -> float:
        """Mean length of the two long sides, in frame px."""
        c = self.corners
        return float((np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2)


def _order_corners(pts: np.ndarray) -> np.ndarray:
    """Clockwise from the top-left-most, then rotated so TL→TR is a long side."""
    pts = np.asarray(pts, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(ang)]  # clockwise in image coordinates (y down)
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    pts = np.roll(pts, -start, axis=0)
    side0 = np.linalg.norm(pts[1] - pts[0]) + np.linalg.norm(pts[2] - pts[3])
    side1 = np.linalg.norm(pts[2] - pts[1]) + np.linalg.norm(pts[3] - pts[0])
    if side1 > side0:
        # Portrait in the frame: make the long side the top edge; pick the start so TL is the one whose
        # long edge runs left-to-right (the card was turned by about ±90°).
        pts = np.roll(pts, -1, axis=0) if pts[1, 1] <= pts[3, 1] else np.roll(pts, 1, axis=0)
        pts = np.roll(pts, 0, axis=0)
    return pts


def _edge_maps(gray: np.ndarray, bgr: np.ndarray) -> np.ndarray:
    blur = cv2.GaussianBlur(gray, (5, 5), 0)
    med = float(np.median(blur))
    edges = cv2.Canny(blur, max(10.0, 0.5 * med), max(30.0, 1.2 * med))
    # Chroma edges: a card of the same grey level as the table still differs in colour.
    ycc = cv2.cvtColor(cv2.GaussianBlur(bgr, (5, 5), 0), cv2.COLOR_BGR2YCrCb)  # Lab costs 40× more here
    for ch in (1, 2):
        edges |= cv2.Canny(ycc[:, :, ch], 10, 25)
    return edges


def _quad_candidates(edges: np.ndarray) -> list[np.ndarray]:
    h, w = edges.shape
    joined = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(joined, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    min_area = _MIN_AREA_FRACTION * h * w
    quads = []
    for cnt in contours:
        if cv2.contourArea(cnt) < min_area * 0.5 and cv2.arcLength(cnt, True) < 0.3 * (h + w):
            continue
        hull = cv2.convexHull(cnt)
        area = cv2.contourArea(hull)
        if area < min_area or area > 0.98 * h * w:
            continue
        peri = cv2.arcLength(hull, True)
        approx = cv2.approxPolyDP(hull, 0.02 * peri, True)
        if len(approx) == 4:
            quads.append(approx.reshape(4, 2).astype(np.float32))
        rect = cv2.boxPoints(cv2.minAreaRect(hull))
        if area / max(cv2.contourArea(rect), 1.0) > 0.8:
            quads.append(rect.astype(np.float32))
    return quads


def _side_support(edges_dilated: np.ndarray, quad: np.ndarray, n: int = 32) -> np.ndarray:
    """Fraction of points along each side that lie on an edge pixel."""
    h, w = edges_dilated.shape
    t = (np.arange(n) + 0.5) / n
    out = np.empty(4)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        p = a[None, :] + t[:, None] * (b - a)[None, :]
        xi, yi = np.round(p[:, 0]).astype(int), np.round(p[:, 1]).astype(int)
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        hits = np.zeros(n, bool)
        hits[inside] = edges_dilated[yi[inside], xi[inside]] > 0
        out[i] = hits.mean()
    return out


def _score(quad: np.ndarray, support: np.ndarray, frame_area: float) -> float:
    long_ = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    short = (np.linalg.norm(quad[2] - quad[1]) + np.linalg.norm(quad[3] - quad[0])) / 2
    if short < 8:
        return 0.0
    ratio = long_ / short
    aspect = float(np.exp(-(((ratio - ID1_ASPECT) / 0.22) ** 2)))
    for i in range(4):  # interior angles far from 90° are not a card seen by a camera facing it
        v1, v2 = quad[i - 1] - quad[i], quad[(i + 1) % 4] - quad[i]
        cos = abs(float(v1 @ v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-6))
        if cos > 0.45:
            return 0.0
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return 0.0
    edge = float(np.clip((np.sort(support)[1:].mean() - 0.3) / 0.6, 0, 1))
    size = float(np.clip(cv2.contourArea(quad) / frame_area / 0.08, 0, 1)) ** 0.25
    return aspect * edge * size


def _refine(edges: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Re-fit each side as a robust line through the edge pixels in a band around it; intersect."""
    h, w = edges.shape
    perim = sum(np.linalg.norm(quad[(i + 1) % 4] - quad[i]) for i in range(4))
    band = max(3.0, 0.012 * perim)
    # Only edge pixels near the quad's outline matter: mask the outline band before listing them.
    mask = np.zeros_like(edges)
    cv2.polylines(mask, [np.round(quad).astype(np.int32).reshape(-1, 1, 2)], True, 255, int(2 * band) + 1)
    ys, xs = np.nonzero(edges & mask)
    if len(xs) < 20:
        return quad
    pts = np.stack([xs, ys], axis=1).astype(np.float32)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.linalg.norm(d))
        if length < 1:
            return quad
        u = d / length
        nrm = np.array([-u[1], u[0]], np.float32)
        rel = pts - a
        along = rel @ u
        across = rel @ nrm
        sel = (np.abs(across) < band) & (along > 0.08 * length) & (along < 0.92 * length)
        if sel.sum() < 10:
            lines.append((a, u))
            continue
        side_pts = pts[sel]
        if len(side_pts) > 200:  # a few hundred points pin a line; more only costs time
            side_pts = side_pts[:: len(side_pts) // 200 + 1]
        vx, vy, x0, y0 = cv2.fitLine(side_pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float32), np.array([vx, vy], np.float32)))
    out = np.empty((4, 2), np.float32)
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        m = np.array([[d1[0], -d2[0]], [d1[1], -d2[1]]], np.float64)
        if abs(np.linalg.det(m)) < 1e-6:
            return quad
        t = np.linalg.solve(m, (p2 - p1).astype(np.float64))
        out[i] = p1 + t[0] * d1
    if np.max(np.linalg.norm(out - quad, axis=1)) > 2.5 * band:
        return quad  # the fit wandered off (e.g. onto a table edge): keep the polygon corners
    return out


def _check_image(frame_bgr: np.ndarray) -> None:
    if not isinstance(frame_bgr, np.ndarray) or frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 \
            or frame_bgr.dtype != np.uint8 or min(frame_bgr.shape[:2]) < 32:
        raise ImageError("expected a colour (H×W×3 uint8) image of at least 32×32 px")


def _resize_to(img: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    h, w = img.shape[:2]
    scale = min(1.0, width / w)
    if scale == 1.0:
        return img, 1.0
    return cv2.resize(img, (int(round(w * scale)), int(round(h * scale))), interpolation=cv2.INTER_AREA), scale


def detect_cards(frame_bgr: np.ndarray, work_width_px: int = WORK_WIDTH_PX) -> list[CardDetection]:
    """Every distinct card-like quad in the frame, best first (usually 0 or 1).

    Quads are found on a copy ``COARSE_WIDTH_PX`` wide and their sides re-fitted on a copy ``work_width_px``
    wide. Raises ImageError when ``frame_bgr`` is not an H×W×3 uint8 image.
    """
    _check_image(frame_bgr)
    fine, fine_scale = _resize_to(frame_bgr, work_width_px)
    coarse, coarse_scale = _resize_to(fine, COARSE_WIDTH_PX)
    gray = cv2.cvtColor(coarse, cv2.COLOR_BGR2GRAY)
    edges = _edge_maps(gray, coarse)
    dil = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    frame_area = float(coarse.shape[0] * coarse.shape[1])
    scored = []
    for q in _quad_candidates(edges):
        q = _order_corners(q)
        s = _score(q, _side_support(dil, q), frame_area)
        if s > 0.25:
            scored.append((s, q))
    scored.sort(key=lambda t: -t[0])
    kept: list[tuple[float, np.ndarray]] = []
    for s, q in scored:
        centre = q.mean(axis=0)
        # Same card (inner/outer contour of one edge, or a panel inside it) if the centre is inside a kept one.
        if any(cv2.pointPolygonTest(k.reshape(-1, 1, 2), (float(centre[0]), float(centre[1])), False) >= 0
               or cv2.pointPolygonTest(q.reshape(-1, 1, 2), tuple(map(float, k.mean(axis=0))), False) >= 0
               for _, k in kept):
            continue
        kept.append((s, q))
    if not kept:
        return []
    fine_gray = cv2.cvtColor(fine, cv2.COLOR_BGR2GRAY) if fine is not coarse else gray
    fine_edges = edges if fine is coarse else cv2.Canny(cv2.GaussianBlur(fine_gray, (5, 5), 0), 20, 60)
    out = []
    for s, q in kept:
        q_fine = _refine(fine_edges, q / coarse_scale)
        corners = _order_corners(q_fine) / fine_scale
        out.append(CardDetection(corners=corners.astype(np.float32), score=float(s)))
    return [CardDetection(d.corners, d.score, other_cards=len(out) - 1) for d in out]


def detect_card(frame_bgr: np.ndarray, work_width_px: int = WORK_WIDTH_PX) -> CardDetection | None:
    """The best card in the frame, or None. ``other_cards`` > 0 tells the caller a second card is in view.

    Raises ImageError when ``frame_bgr`` is not an H×W×3 uint8 image.
    """
    found = detect_cards(frame_bgr, work_width_px)
    return found[0] if found else None
