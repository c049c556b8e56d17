"""Face chips with the semantics of dlib's ``get_face_chip(img, shape5, size=150, padding=0.25)``.

dlib maps its 5-point shape (two corners of each eye and the base of the nose) onto a fixed template with a
least-squares similarity transform, shrinks the image with a 2× pyramid while the face region is more than
twice the chip, and samples bilinearly. This module does the same with OpenCV, so the descriptor model sees
the chips it was trained on. The template numbers are dlib's published 5-point mean face.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from kiosk.face import landmarks as lm

CHIP_SIZE_PX = 150
CHIP_PADDING = 0.25

# dlib's 5-point mean face in 0..1 (order: left-eye outer, left-eye inner, right-eye outer, right-eye inner,
# nose base; "left" is the subject's left, which is on the image's right).
DLIB_5PT_TEMPLATE = np.array([
    [0.8595674595992, 0.2134981538014],
    [0.6460604764104, 0.2289674387677],
    [0.1205750620789, 0.2137274526848],
    [0.3340850613712, 0.2290642403242],
    [0.4901123135679, 0.6277975316475],
])

MESH_FOR_DLIB_5 = (lm.LEFT_EYE_OUTER, lm.LEFT_EYE_INNER, lm.RIGHT_EYE_OUTER, lm.RIGHT_EYE_INNER, lm.SUBNASALE)

# Mean offset from the mesh's points to dlib's 5-point predictor's, in units of the outer-eye-corner span and
# in the face's own frame (x along the eyes, y down the face), measured on the 29 faces of ../shared/faces
# (per-face spread ~0.02). It lowers the descriptor drift of mesh chips vs dlib's own chips from 0.109 to
# 0.098 mean (leave-one-out 0.100); the rest is the two landmark models disagreeing face by face.
MESH_TO_DLIB_OFFSET = np.array([
    [-0.0160, 0.0126],
    [0.0233, -0.0023],
    [0.0374, 0.0088],
    [-0.0074, -0.0016],
    [-0.0031, 0.0269],
])


def template_points(size_px: int = CHIP_SIZE_PX, padding: float = CHIP_PADDING) -> np.ndarray:
    """The 5 template points in chip pixels for a ``size_px`` chip with ``padding``."""
    return (padding + DLIB_5PT_TEMPLATE) / (2 * padding + 1) * size_px


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares rotation + uniform scale + translation mapping ``src`` (N×2) onto ``dst``; 2×3 matrix.

    Umeyama's closed form without reflection, as dlib's ``find_similarity_transform``.
    """
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s0, d0 = src - mu_s, dst - mu_d
    var_s = (s0 ** 2).sum() / len(src)
    cov = d0.T @ s0 / len(src)
    u, sig, vt = np.linalg.svd(cov)
    d = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[1, 1] = -1
    rot = u @ d @ vt
    scale = np.trace(np.diag(sig) @ d) / var_s if var_s > 0 else 1.0
    t = mu_d - scale * rot @ mu_s
    return np.hstack([scale * rot, t[:, None]])


def five_points_from_mesh(points: np.ndarray) -> np.ndarray:
    """dlib-ordered 5 points (5×2 image px) from 468 mesh landmarks, with the measured offset applied."""
    raw = np.asarray(points, np.float64)[list(MESH_FOR_DLIB_5), :2]
    eye_axis = raw[0] - raw[2]  # subject's left outer corner minus right outer corner
    span = float(np.linalg.norm(eye_axis))
    if span < 1e-6:
        return raw
    ex = eye_axis / span
    ey = np.array([-ex[1], ex[0]])
    return raw + span * (MESH_TO_DLIB_OFFSET[:, :1] * ex + MESH_TO_DLIB_OFFSET[:, 1:] * ey)


def chip_to_image_affine(points5: np.ndarray, size_px: int = CHIP_SIZE_PX,
                         padding: float = CHIP_PADDING) -> np.ndarray:
    """2×3 affine taking chip pixels to image pixels, built the way dlib's ``chip_details`` does.

    dlib fits the similarity chip→image, keeps only its scale, angle and the image point of the chip centre as
    a rotated rectangle ``size·scale`` wide, then maps chip pixel 0 and ``size-1`` onto that rectangle's edges.
    The result differs from the fitted similarity by a pixel over the chip; matching it keeps chips
    pixel-close to dlib's.
    """
    t = similarity_transform(template_points(size_px, padding), points5)
    scale = float(np.hypot(t[0, 0], t[1, 0]))
    angle = float(np.arctan2(t[1, 0], t[0, 0]))
    centre = t[:, :2] @ np.array([size_px / 2.0, size_px / 2.0]) + t[:, 2]
    # dlib rectangles are inclusive (width = right - left + 1), so the corners sit half a pixel inside.
    half = (size_px * scale - 1.0) / 2.0
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners_img = np.array([centre + rot @ np.array(v) for v in ((-half, -half), (half, -half), (half, half))])
    corners_chip = np.array([[0, 0], [size_px - 1, 0], [size_px - 1, size_px - 1]], np.float64)
    return cv2.getAffineTransform(corners_chip.astype(np.float32), corners_img.astype(np.float32)).astype(np.float64)


def face_chip(img: np.ndarray, points5: np.ndarray, size_px: int = CHIP_SIZE_PX,
              padding: float = CHIP_PADDING) -> np.ndarray:
    """Aligned ``size_px``² chip of ``img`` (any channel order, kept) from dlib-ordered 5 points (image px)."""
    to_image = chip_to_image_affine(points5, size_px, padding)
    region_px = size_px * float(np.hypot(to_image[0, 0], to_image[1, 0]))
    levels = 0
    while region_px / 2 ** levels > 2 * size_px:
        levels += 1
    # Work on the chip's footprint only (plus a margin for the pyramid filter), with the crop origin on the
    # pyramid's grid so the result equals pyramiding the whole image.
    corners = np.array([[0, 0], [size_px - 1, 0], [0, size_px - 1], [size_px - 1, size_px - 1]], np.float64)
    footprint = corners @ to_image[:, :2].T + to_image[:, 2]
    step = 2 ** levels
    margin = 4 * step + 2
    h, w = img.shape[:2]
    x0 = max(0, int(np.floor(footprint[:, 0].min())) - margin) // step * step
    y0 = max(0, int(np.floor(footprint[:, 1].min())) - margin) // step * step
    x1 = min(w, int(np.ceil(footprint[:, 0].max())) + margin)
    y1 = min(h, int(np.ceil(footprint[:, 1].max())) + margin)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((size_px, size_px) + img.shape[2:], img.dtype)
    src = img[y0:y1, x0:x1]
    to_image = to_image.copy()
    to_image[:, 2] -= (x0, y0)
    # Halve the image while the face region is more than twice the chip, as dlib does, so the downsampling
    # averages instead of aliasing.
    for _ in range(levels):
        if min(src.shape[:2]) <= 2:
            break
        src = cv2.pyrDown(src)
        to_image = to_image / 2.0  # OpenCV's pyrDown puts output pixel i on input pixel 2i
    return sample_bilinear(src, to_image, size_px)


@functools.cache
def _grid(size_px: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:size_px, 0:size_px].astype(np.float32)
    return xs.ravel(), ys.ravel()


def sample_bilinear(src: np.ndarray, to_image: np.ndarray, size_px: int) -> np.ndarray:
    """Sample a ``size_px``² chip with exact floating-point bilinear interpolation.

    OpenCV's warpAffine quantises sub-pixel weights to 1/32; against dlib's chips that raises the descriptor
    drift from 0.013 to 0.019 mean (measured on ../shared/faces). dlib interpolates in floating point, and
    pixels whose 2×2 neighbourhood leaves the image are black; so does this.
    """
    xs, ys = _grid(size_px)
    a = to_image.astype(np.float32)
    sx = a[0, 0] * xs + a[0, 1] * ys + a[0, 2]
    sy = a[1, 0] * xs + a[1, 1] * ys + a[1, 2]
    x0 = np.floor(sx)
    y0 = np.floor(sy)
    h, w = src.shape[:2]
    inside = (x0 >= 0) & (y0 >= 0) & (x0 + 1 < w) & (y0 + 1 < h)
    xi = np.clip(x0, 0, w - 2).astype(np.intp)
    yi = np.clip(y0, 0, h - 2).astype(np.intp)
    flat = src.reshape(h * w, -1)  # gather in uint8, convert only the 4 × size² samples
    idx = yi * w + xi
    fx = (sx - x0)[:, None]
    fy = (sy - y0)[:, None]
    p00, p01 = flat[idx].astype(np.float32), flat[idx + 1].astype(np.float32)
    p10, p11 = flat[idx + w].astype(np.float32), flat[idx + w + 1].astype(np.float32)
    top = p00 * (1 - fx) + p01 * fx
    bottom = p10 * (1 - fx) + p11 * fx
    out = top * (1 - fy) + bottom * fy
    out[~inside] = 0
    shape = (size_px, size_px) + src.shape[2:]
    return np.clip(out, 0, 255).astype(np.uint8).reshape(shape)
