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
_N_NORMALS = 40
_MAX_REFINED = 4  # coarse candidates refined per frame (each costs ~0.5 ms)
_MIN_AREA_FRACTION = 0.01


@dataclass(frozen=True)
class CardDetection:
    """A card found in a frame.

    ``corners``: (4, 2) float32, TL, TR, BR, BL in the input frame's px (TL→TR is a long side).
    ``score``: 0..1 confidence (aspect × edge support). ``other_cards``: how many more distinct card-like
    quads were found (≥1 means "two cards in view"). ``alt_corners``: the outline through the strongest
    (not the outermost) edge of each side, when asked for and different; a reader may try it when the
    first outline does not give a readable card.
    """

    corners: np.ndarray
    score: float
    other_cards: int = 0
    alt_corners: np.ndarray | None = None

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


def _canny_auto(plane: np.ndarray, floor: float) -> np.ndarray:
    """Canny with thresholds from the image's own gradient statistics: on a noisy or textured surface the
    weak gradients everywhere stay below them, while a card's outline (a long, strong step) passes."""
    gx = cv2.Sobel(plane, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(plane, cv2.CV_16S, 0, 1, ksize=3)
    mag = cv2.add(cv2.convertScaleAbs(gx), cv2.convertScaleAbs(gy))  # L1, as Canny's default
    high = max(floor, float(np.percentile(mag[::2, ::2], 88)))
    return cv2.Canny(gx, gy, 0.5 * high, high)


def _edge_maps(gray: np.ndarray, ycc: np.ndarray) -> np.ndarray:
    blur = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = _canny_auto(blur, 40.0)
    # Chroma edges: a card of the same grey level as the table still differs in colour (YCrCb: Lab costs
    # 40× more here).
    for ch in (1, 2):
        edges |= _canny_auto(ycc[:, :, ch], 24.0)
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


def _region_candidates(gray: np.ndarray, ycc: np.ndarray, is_thorough: bool = False) -> list[np.ndarray]:
    """Quads from bright, low-chroma regions: a light card on a darker or more colourful surface.

    Complements the edge contours when a textured surface (wood grain, fabric) touches the card's outline
    and merges with it. A thumb or fingers stuck to the region are tolerated by the min-area rectangle.
    """
    h, w = gray.shape
    chroma = cv2.absdiff(ycc[:, :, 1], 128) + cv2.absdiff(ycc[:, :, 2], 128)  # 0 for greys
    whiteness = cv2.subtract(gray, cv2.multiply(chroma, 2))
    quads = []
    # Several levels (not one Otsu level): a card touching a sheet of paper of about the same brightness
    # separates from it at the level where the card's shadow line cuts the two apart.
    binaries = []
    for plane in (gray, whiteness):
        blur = cv2.GaussianBlur(plane, (5, 5), 0)
        otsu, bw = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        binaries.append(bw)
        if plane is gray and is_thorough:
            for level in np.percentile(blur[::4, ::4], (55, 70, 80, 88)):
                if abs(level - otsu) > 6:
                    binaries.append(cv2.threshold(blur, float(level), 255, cv2.THRESH_BINARY)[1])
    for bw in binaries:
        bw = cv2.morphologyEx(bw, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        contours, _ = cv2.findContours(bw, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for cnt in contours:
            area = cv2.contourArea(cnt)
            if area < _MIN_AREA_FRACTION * h * w or area > 0.9 * h * w:
                continue
            rect = cv2.boxPoints(cv2.minAreaRect(cnt))
            if area / max(cv2.contourArea(rect), 1.0) > 0.7:
                quads.append(rect.astype(np.float32))
            hull = cv2.convexHull(cnt)
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(approx) == 4:
                quads.append(approx.reshape(4, 2).astype(np.float32))
    return quads


def _hough_candidates(edges: np.ndarray, max_lines: int = 14) -> list[np.ndarray]:
    """Quads from straight edge lines (fallback when no contour looks like a card).

    When objects touch the card on several sides no contour follows its outline, but its four sides are
    still the longest straight edges around: merge Hough segments into lines, pair near-parallel lines,
    and intersect two pairs that cross at roughly right angles.
    """
    h, w = edges.shape
    segs = cv2.HoughLinesP(edges, 1, np.pi / 180, threshold=20, minLineLength=int(0.1 * min(h, w)), maxLineGap=5)
    if segs is None:
        return []
    segs = segs.reshape(-1, 4).astype(np.float32)  # OpenCV 4 gives (n, 1, 4), OpenCV 5 (n, 4)
    d = segs[:, 2:4] - segs[:, 0:2]
    length = np.linalg.norm(d, axis=1)
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1) / (length[:, None] + 1e-6)
    theta = np.arctan2(nrm[:, 1], nrm[:, 0])
    flip = theta < 0
    nrm[flip] *= -1
    theta = np.where(flip, theta + np.pi, theta)
    rho = (nrm * segs[:, 0:2]).sum(axis=1)
    lines: list[list[float]] = []  # theta, rho, total length
    for k in np.argsort(-length):
        for ln in lines:
            dt = abs(theta[k] - ln[0])
            if min(dt, np.pi - dt) < np.radians(3) and abs(rho[k] - ln[1] * (1 if dt < np.pi / 2 else -1)) < 4:
                ln[2] += float(length[k])
                break
        else:
            lines.append([float(theta[k]), float(rho[k]), float(length[k])])
    def angle_diff(a: float, b: float) -> float:
        dt = abs(a - b) % np.pi
        return min(dt, np.pi - dt)

    # Print inside the card (text lines, the MRZ) gives many long lines along its long sides: take the best
    # lines of the dominant direction and, separately, of the crossing one, so both sides are represented.
    lines = sorted(lines, key=lambda ln: -ln[2])
    if not lines:
        return []
    main_dir = lines[0][0]
    along = [ln for ln in lines if angle_diff(ln[0], main_dir) < np.radians(45)][: max_lines // 2]
    across = [ln for ln in lines if angle_diff(ln[0], main_dir) >= np.radians(45)][: max_lines // 2]
    lines = along + across

    pairs = []
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            if angle_diff(lines[i][0], lines[j][0]) < np.radians(14):
                pairs.append((i, j))
    quads = []
    for a in range(len(pairs)):
        for b in range(a + 1, len(pairs)):
            (i, j), (k, m) = pairs[a], pairs[b]
            if len({i, j, k, m}) < 4 or abs(angle_diff(lines[i][0], lines[k][0]) - np.pi / 2) > np.radians(28):
                continue
            pts = []
            for p_, q_ in ((i, k), (k, j), (j, m), (m, i)):
                t1, r1 = lines[p_][0], lines[p_][1]
                t2, r2 = lines[q_][0], lines[q_][1]
                mat = np.array([[np.cos(t1), np.sin(t1)], [np.cos(t2), np.sin(t2)]])
                if abs(np.linalg.det(mat)) < 1e-3:
                    break
                pts.append(np.linalg.solve(mat, [r1, r2]))
            if len(pts) < 4:
                continue
            q = np.array(pts, np.float32)
            if (q[:, 0] < -0.1 * w).any() or (q[:, 0] > 1.1 * w).any() or (q[:, 1] < -0.1 * h).any() \
                    or (q[:, 1] > 1.1 * h).any():
                continue
            area = abs(cv2.contourArea(q))
            if area < _MIN_AREA_FRACTION * h * w:
                continue
            quads.append(q)
    return quads


def _side_support(edges_dilated: np.ndarray, quad: np.ndarray, n: int = 32) -> np.ndarray:
    """Fraction of points along each side that lie on an edge pixel."""
    h, w = edges_dilated.shape
    t = ((np.arange(n) + 0.5) / n)[None, :, None]
    a = quad[:, None, :]
    b = np.roll(quad, -1, axis=0)[:, None, :]
    p = np.rint(a + t * (b - a)).astype(np.int32)  # (4, n, 2)
    xi = np.clip(p[..., 0], 0, w - 1)
    yi = np.clip(p[..., 1], 0, h - 1)
    inside = (p[..., 0] >= 0) & (p[..., 0] < w) & (p[..., 1] >= 0) & (p[..., 1] < h)
    hits = (edges_dilated[yi, xi] > 0) & inside
    return hits.mean(axis=1)


def _score(quad: np.ndarray, support: np.ndarray, frame_area: float) -> float:
    long_ = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    short = (np.linalg.norm(quad[2] - quad[1]) + np.linalg.norm(quad[3] - quad[0])) / 2
    if short < 8:
        return 0.0
    ratio = long_ / short
    aspect = _ratio_score(ratio)
    for i in range(4):  # interior angles far from 90° are not a card seen by a camera facing it
        v1, v2 = quad[i - 1] - quad[i], quad[(i + 1) % 4] - quad[i]
        cos = abs(float(v1 @ v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-6))
        if cos > 0.45:
            return 0.0
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return 0.0
    edge = float(np.clip((np.sort(support)[1:].mean() - 0.3) / 0.6, 0, 1))
    # A card held for the camera fills a good part of the frame; a thumb or a coin does not.
    size = float(np.clip(cv2.contourArea(quad) / frame_area / 0.1, 0, 1)) ** 0.6
    return aspect * edge * size


def _side_edge_points(image_bgr: np.ndarray, quad: np.ndarray, side: int, is_outermost: bool = True) -> np.ndarray:
    """Edge points of one side: along 40 normals to it, the outermost strong colour step.

    Searching from a little inside the coarse side to 9 % of the card's other dimension outside it, and
    taking the *outermost* step at least 35 % as strong as the strongest one on that normal, puts the line on
    the card's outline even when a printed band along the border (a header strip) contrasts more than the
    outline does. The step is the central difference across the side, max over colour channels, because a
    card can match the table in brightness but not in colour. ``is_outermost`` False takes the strongest
    step instead (the alternative outline when an object lies right outside the card).
    """
    a, b = quad[side], quad[(side + 1) % 4]
    d = b - a
    length = float(np.linalg.norm(d))
    other = float(np.linalg.norm(quad[(side + 2) % 4] - quad[(side + 1) % 4]))
    if length < 12 or other < 8:
        return np.empty((0, 2), np.float32)
    u = d / length
    n = np.array([-u[1], u[0]], np.float32)
    if float((a - quad.mean(axis=0)) @ n) < 0:
        n = -n  # outward
    inner = max(3.0, 0.04 * other)
    outer = max(4.0, 0.075 * other) + 2
    ts = np.linspace(0.08 * length, 0.92 * length, _N_NORMALS, dtype=np.float32)
    ds = np.arange(-inner, outer + 1, 1.0, dtype=np.float32)
    px = a[0] + ts[None, :] * u[0] + ds[:, None] * n[0]
    py = a[1] + ts[None, :] * u[1] + ds[:, None] * n[1]
    samples = cv2.remap(image_bgr, px.astype(np.float32), py.astype(np.float32), cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE).astype(np.float32)  # (D, T, 3)
    step = np.abs(samples[2:] - samples[:-2]).max(axis=2)  # (D-2, T), at offsets ds[1:-1]
    offs = ds[1:-1]
    peak = step.max(axis=0)
    strong = (step >= np.maximum(18.0, 0.35 * peak)[None, :])
    # Local maxima only, so a wide step gives one point, not its outer shoulder.
    is_max = np.zeros_like(strong)
    is_max[1:-1] = (step[1:-1] >= step[:-2]) & (step[1:-1] >= step[2:])
    cand = strong & is_max
    pts = []
    for j in range(len(ts)):
        idx = np.nonzero(cand[:, j])[0]
        if len(idx) == 0:
            continue
        k = int(idx[-1]) if is_outermost else int(np.argmax(step[:, j]))
        off = float(offs[k])
        if 0 < k < len(offs) - 1:  # parabolic sub-pixel peak
            y0, y1, y2 = step[k - 1, j], step[k, j], step[k + 1, j]
            den = y0 - 2 * y1 + y2
            if den < 0:
                off += float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5))
        pts.append(a + ts[j] * u + off * n)
    return np.array(pts, np.float32).reshape(-1, 2)


def _robust_line(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
    """A line (point, unit direction, inlier count) through ``pts``, ignoring outliers (fingers, table edges)."""
    if len(pts) < 8:
        return None
    keep = np.ones(len(pts), bool)
    for _ in range(3):
        vx, vy, x0, y0 = cv2.fitLine(pts[keep], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        p0, v = np.array([x0, y0], np.float32), np.array([vx, vy], np.float32)
        resid = np.abs((pts - p0) @ np.array([-v[1], v[0]], np.float32))
        new_keep = resid < max(1.5, float(np.median(resid)) * 2.5)
        if new_keep.sum() < 8 or (new_keep == keep).all():
            break
        keep = new_keep
    return p0, v, int(keep.sum())


def _refine(image_bgr: np.ndarray, quad: np.ndarray, is_outermost: bool = True) -> tuple[np.ndarray, float]:
    """Re-fit each side as a robust line through its edge points (see :func:`_side_edge_points`); intersect.

    Returns (corners, straightness 0..1 = mean fraction of normals per side whose edge lies on the line).
    Keeps the coarse corners (straightness 0) when a side has too few points or the fit moves a corner
    implausibly far.
    """
    lines = []
    inliers = []
    for i in range(4):
        line = _robust_line(_side_edge_points(image_bgr, quad, i, is_outermost))
        if line is None:
            return quad, 0.0
        lines.append(line[:2])
        inliers.append(line[2])
    out = np.empty((4, 2), np.float32)
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        m = np.array([[d1[0], -d2[0]], [d1[1], -d2[1]]], np.float64)
        if abs(np.linalg.det(m)) < 1e-6:
            return quad, 0.0
        t = np.linalg.solve(m, (p2 - p1).astype(np.float64))
        out[i] = p1 + t[0] * d1
    size = min(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[3] - quad[0]))
    if np.max(np.linalg.norm(out - quad, axis=1)) > 0.15 * size:
        return quad, 0.0  # the fit wandered off (e.g. onto a table edge): keep the polygon corners
    return out, float(np.mean(inliers) / _N_NORMALS)


def _check_image(frame_bgr: np.ndarray) -> None:
    if not isinstance(frame_bgr, np.ndarray) or frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 \
            or frame_bgr.dtype != np.uint8 or min(frame_bgr.shape[:2]) < 32:
        raise ImageError("expected a colour (H×W×3 uint8) image of at least 32×32 px")


def _resize_to(img: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    h, w = img.shape[:2]
    scale = min(1.0, width / w)
    if scale == 1.0:
        return img, 1.0
    # Halve with pyrDown while that stays above the target (much cheaper than INTER_AREA on big frames),
    # then one area resize for the rest.
    while img.shape[1] >= 2 * width:
        img = cv2.pyrDown(img)
    out = cv2.resize(img, (int(round(w * scale)), int(round(h * scale))), interpolation=cv2.INTER_AREA)
    return out, scale


def detect_cards(frame_bgr: np.ndarray, work_width_px: int = WORK_WIDTH_PX,
                 with_alternative: bool = False) -> list[CardDetection]:
    """Every distinct card-like quad in the frame, best first (usually 0 or 1).

    Quads are found on a copy ``COARSE_WIDTH_PX`` wide and their sides re-fitted on a copy ``work_width_px``
    wide. Raises ImageError when ``frame_bgr`` is not an H×W×3 uint8 image.
    """
    _check_image(frame_bgr)
    fine, fine_scale = _resize_to(frame_bgr, work_width_px)
    coarse, coarse_scale = _resize_to(fine, COARSE_WIDTH_PX)
    gray = cv2.cvtColor(coarse, cv2.COLOR_BGR2GRAY)
    ycc = cv2.cvtColor(cv2.GaussianBlur(coarse, (5, 5), 0), cv2.COLOR_BGR2YCrCb)
    edges = _edge_maps(gray, ycc)
    dil = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    frame_area = float(coarse.shape[0] * coarse.shape[1])
    scored = []
    seen: set[tuple[int, ...]] = set()
    for q in _quad_candidates(edges) + _region_candidates(gray, ycc):
        q = _order_corners(q)
        key = tuple(np.round(q.ravel() / 3.0).astype(int))  # the levels often give the same quad again
        if key in seen:
            continue
        seen.add(key)
        s = _score(q, _side_support(dil, q), frame_area)
        if s > 0.25:
            scored.append((s, q))
    if not scored or max(sc for sc, _ in scored) < 0.6:
        # Nothing clearly card-like: the slower candidate sources (more brightness levels, straight lines).
        for q in _region_candidates(gray, ycc, is_thorough=True):
            q = _order_corners(q)
            sc = _score(q, _side_support(dil, q), frame_area)
            if sc > 0.25:
                scored.append((sc, q))
        for q in _hough_candidates(edges):
            q = _order_corners(q)
            sc = _score(q, _side_support(dil, q), frame_area)
            if sc > 0.25:
                scored.append((sc, q))
    scored.sort(key=lambda t: -t[0])
    # Refine the best few and re-rank them by how well the refined outline matches an ID-1 card: sharp,
    # straight sides and the right aspect (a card merged with a sheet of paper beside it fails both).
    refined = []
    for s, q in _distinct(scored)[:_MAX_REFINED]:
        q_fine, straight = _refine(fine, q / coarse_scale)
        final = float(_aspect_score(q_fine) * (0.3 + 0.7 * straight) * (0.5 + 0.5 * s)
                      * _print_score(edges, q))
        refined.append((final, _order_corners(q_fine)))
    refined.sort(key=lambda t: -t[0])
    kept = [(s, q) for s, q in _distinct(refined) if s > 0.2]
    if not kept:
        return []
    main_area = cv2.contourArea(kept[0][1])
    # Another card counts only if it is about as large and as card-like (clutter on a desk is not a card).
    others = sum(1 for s, q in kept[1:] if s >= 0.5 and 0.5 <= cv2.contourArea(q) / max(main_area, 1.0) <= 2.0)
    out = []
    for s, q in kept:
        alt = None
        if with_alternative:
            q_alt, _ = _refine(fine, q, is_outermost=False)
            q_alt = _order_corners(q_alt)
            if np.abs(q_alt - q).max() > 1.0:
                alt = (q_alt / fine_scale).astype(np.float32)
        out.append(CardDetection(corners=(q / fine_scale).astype(np.float32), score=s, other_cards=others,
                                 alt_corners=alt))
    return out


def refine_outline(frame_bgr: np.ndarray, corners: np.ndarray, work_width_px: int = WORK_WIDTH_PX,
                   max_move: float = 0.025) -> np.ndarray | None:
    """``corners`` (frame px, TL TR BR BL of the card as placed by other means, e.g. its MRZ) snapped onto
    the card's edges, or None when the edges do not back them: a side without a straight edge, or a fit that
    would move a corner more than ``max_move`` of the card's width (then it found another edge: a hand, a
    table, a second card). Corner order is kept.
    """
    _check_image(frame_bgr)
    fine, scale = _resize_to(frame_bgr, work_width_px)
    quad = np.asarray(corners, np.float32) * scale
    out, straight = _refine(fine, quad)
    if straight <= 0:
        return None
    width = float(np.linalg.norm(quad[1] - quad[0]))
    if np.linalg.norm(out - quad, axis=1).max() > max_move * max(width, 1.0):
        return None
    return (out / scale).astype(np.float32)


def _print_score(edges: np.ndarray, quad: np.ndarray) -> float:
    """0..1: how much print (edges) lies inside the quad. Both sides of a credential are dense with text,
    codes and a photo; a hand, a sheet of plain paper or a table top are not."""
    mask = np.zeros(edges.shape, np.uint8)
    centre = quad.mean(axis=0)
    inner = centre + 0.85 * (quad - centre)  # leave the outline itself out
    cv2.fillConvexPoly(mask, np.round(inner).astype(np.int32), 1)
    area = int(mask.sum())
    if area < 20:
        return 0.0
    density = float((edges[mask > 0] > 0).mean())
    return float(np.clip(density / 0.08, 0.4, 1.0))


def _distinct(scored: list[tuple[float, np.ndarray]]) -> list[tuple[float, np.ndarray]]:
    """Drop quads whose centre lies inside a better one, or that contain a better one's centre."""
    kept: list[tuple[float, np.ndarray]] = []
    for s, q in scored:
        centre = q.mean(axis=0)
        if any(cv2.pointPolygonTest(k.reshape(-1, 1, 2), (float(centre[0]), float(centre[1])), False) >= 0
               or cv2.pointPolygonTest(q.reshape(-1, 1, 2), tuple(map(float, k.mean(axis=0))), False) >= 0
               for _, k in kept):
            continue
        kept.append((s, q))
    return kept


def _ratio_score(ratio: float) -> float:
    """1 for side ratios a tilted ID-1 card can show (perspective foreshortens either side by up to ~25 %),
    falling off outside."""
    lo, hi = ID1_ASPECT * 0.8, ID1_ASPECT * 1.3
    if lo <= ratio <= hi:
        return 1.0
    gap = (lo - ratio) if ratio < lo else (ratio - hi)
    return float(np.exp(-((gap / 0.15) ** 2)))


def _aspect_score(quad: np.ndarray) -> float:
    long_ = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    short = (np.linalg.norm(quad[2] - quad[1]) + np.linalg.norm(quad[3] - quad[0])) / 2
    if short < 4:
        return 0.0
    return _ratio_score(float(long_ / short))


def detect_card(frame_bgr: np.ndarray, work_width_px: int = WORK_WIDTH_PX) -> CardDetection | None:
    """The best card in the frame, or None. ``other_cards`` > 0 tells the caller a second card is in view.

    Raises ImageError when ``frame_bgr`` is not an H×W×3 uint8 image.
    """
    found = detect_cards(frame_bgr, work_width_px)
    return found[0] if found else None
