"""A reader for dlib's serialized ``anet_type`` face recognition network (``dlib_face_recognition_resnet_model_v1.dat``).

Pure Python + numpy, no dlib. The file does not record the graph's wiring (which tag a residual adds), so the
network template from dlib's ``dnn_face_recognition_ex.cpp`` is spelled out here as a layer list, and every
layer's type string, shape and hyper-parameters in the file are checked against it. A successful parse
consumes every byte.

Format notes (dlib/serialize.h and dlib/dnn): integers are a control byte (low nibble = byte count, 0x80 =
negative) then little-endian magnitude bytes; a bool is one ASCII '0'/'1'; a string is an integer length and
bytes; a float is an integer mantissa and an integer exponent (ldexp). Tensors are a version integer, four
integer dimensions and raw little-endian float32 data. Each ``add_layer`` writes its version, then its whole
sub-network, then its own details, three bools and three (empty) tensors; tag and skip layers only write a
version. So the stream is: loss, every layer's version outermost first, the input layer, then the details
innermost first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EXPECTED_SIZE_BYTES = 22_466_066


class DatFormatError(ValueError):
    """The file does not match dlib's format or the expected network template."""


@dataclass
class Layer:
    """One layer of the template; ``params`` is filled from the file (conv: weights OIHW + bias; affine:
    gamma + beta; fc: W (in, out))."""

    kind: str  # input, con, affine, relu, max_pool, avg_pool, avg_pool_everything, add_prev, tag, skip, fc
    n: int = 0  # filters / outputs, or the tag number for add_prev/tag/skip
    k: int = 0  # kernel size
    stride: int = 1
    weights: np.ndarray | None = field(default=None, repr=False)
    bias: np.ndarray | None = field(default=None, repr=False)


def _block(n: int, stride: int) -> list[Layer]:
    # block<N,BN,stride,SUB> = BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUB>>>>>, innermost first
    return [Layer("con", n, 3, stride), Layer("affine"), Layer("relu"), Layer("con", n, 3, 1), Layer("affine")]


def _ares(n: int) -> list[Layer]:
    # relu<add_prev1<block<N,affine,1,tag1<SUB>>>>
    return [Layer("tag", 1), *_block(n, 1), Layer("add_prev", 1), Layer("relu")]


def _ares_down(n: int) -> list[Layer]:
    # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,affine,2,tag1<SUB>>>>>>>
    return [Layer("tag", 1), *_block(n, 2), Layer("tag", 2), Layer("skip", 1), Layer("avg_pool", 0, 2, 2),
            Layer("add_prev", 2), Layer("relu")]


def anet_template() -> list[Layer]:
    """The face recognition ResNet, input first (dlib's ``anet_type``)."""
    layers = [Layer("input"), Layer("con", 32, 7, 2), Layer("affine"), Layer("relu"), Layer("max_pool", 0, 3, 2)]
    for _ in range(3):
        layers += _ares(32)
    layers += _ares_down(64)
    for _ in range(3):
        layers += _ares(64)
    layers += _ares_down(128)
    for _ in range(2):
        layers += _ares(128)
    layers += _ares_down(256)
    for _ in range(2):
        layers += _ares(256)
    layers += _ares_down(256)
    layers += [Layer("avg_pool_everything"), Layer("fc", 128)]
    return layers


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _need(self, n: int) -> None:
        if self.pos + n > len(self.data):
            raise DatFormatError(f"unexpected end of file at byte {self.pos}")

    def int_(self) -> int:
        self._need(1)
        control = self.data[self.pos]
        self.pos += 1
        size = control & 0x0F
        if size > 8:
            raise DatFormatError(f"bad integer control byte 0x{control:02x} at byte {self.pos - 1}")
        self._need(size)
        value = int.from_bytes(self.data[self.pos:self.pos + size], "little")
        self.pos += size
        return -value if control & 0x80 else value

    def bool_(self) -> bool:
        self._need(1)
        ch = self.data[self.pos]
        self.pos += 1
        if ch not in (0x30, 0x31):
            raise DatFormatError(f"bad bool byte 0x{ch:02x} at byte {self.pos - 1}")
        return ch == 0x31

    def str_(self) -> str:
        n = self.int_()
        if not 0 <= n <= 256:
            raise DatFormatError(f"implausible string length {n} at byte {self.pos}")
        self._need(n)
        s = self.data[self.pos:self.pos + n]
        self.pos += n
        return s.decode("ascii", errors="replace")

    def float_(self) -> float:
        mantissa, exponent = self.int_(), self.int_()
        special = {32000: math.inf, 32001: -math.inf, 32002: math.nan}
        return special[exponent] if exponent in special else math.ldexp(mantissa, exponent)

    def tensor(self) -> np.ndarray:
        version = self.int_()
        if version != 2:
            raise DatFormatError(f"tensor version {version} at byte {self.pos}, expected 2")
        dims = tuple(self.int_() for _ in range(4))
        count = int(np.prod(dims))
        self._need(4 * count)
        arr = np.frombuffer(self.data, "<f4", count, self.pos).reshape(dims).astype(np.float32)
        self.pos += 4 * count
        return arr

    def alias(self) -> tuple[int, ...]:
        version = self.int_()
        if version != 1:
            raise DatFormatError(f"alias_tensor version {version}, expected 1")
        return tuple(self.int_() for _ in range(4))

    def expect_str(self, want: str) -> None:
        got = self.str_()
        if got != want:
            raise DatFormatError(f"layer type {got!r} in the file where the template has {want!r} (byte {self.pos})")


@dataclass
class ParsedNet:
    layers: list[Layer]
    input_mean_rgb: tuple[float, float, float]
    input_size_px: int
    loss_margin: float
    loss_distance_threshold: float
    bytes_consumed: int


def _read_pool(r: _Reader, layer: Layer, in_ch: int) -> None:
    r.expect_str("avg_pool_2" if layer.kind in ("avg_pool", "avg_pool_everything") else "max_pool_2")
    nr, nc, sy, sx, py, px = (r.int_() for _ in range(6))
    want = (0, 0, 1, 1, 0, 0) if layer.kind == "avg_pool_everything" else (layer.k, layer.k, layer.stride,
                                                                          layer.stride, 0, 0)
    if (nr, nc, sy, sx, py, px) != want:
        raise DatFormatError(f"{layer.kind}: got {(nr, nc, sy, sx, py, px)}, template {want}")


def _read_details(r: _Reader, layer: Layer, in_ch: int) -> int:
    """Read one layer's details; returns the channel count after it."""
    if layer.kind == "con":
        r.expect_str("con_4")
        params = r.tensor().ravel()
        n, nr, nc, sy, sx, py, px = (r.int_() for _ in range(7))
        pad = 0 if layer.stride != 1 else layer.k // 2
        if (n, nr, nc, sy, sx, py, px) != (layer.n, layer.k, layer.k, layer.stride, layer.stride, pad, pad):
            raise DatFormatError(f"con: got {(n, nr, nc, sy, sx, py, px)} for template {layer}")
        w_shape, b_shape = r.alias(), r.alias()
        if w_shape != (n, in_ch, nr, nc) or b_shape != (1, n, 1, 1):
            raise DatFormatError(f"con: filter shape {w_shape}/{b_shape}, expected {(n, in_ch, nr, nc)}")
        n_w = n * in_ch * nr * nc
        if params.size != n_w + n:
            raise DatFormatError(f"con: {params.size} params, expected {n_w + n}")
        layer.weights = params[:n_w].reshape(n, in_ch, nr, nc)
        layer.bias = params[n_w:]
        for _ in range(4):  # learning-rate and weight-decay multipliers: training only
            r.float_()
        return n
    if layer.kind == "affine":
        r.expect_str("affine_")
        params = r.tensor().ravel()
        g_shape, b_shape = r.alias(), r.alias()
        mode = r.int_()  # 0 = CONV_MODE: one gamma/beta per channel
        if params.size != 2 * in_ch or g_shape != (1, in_ch, 1, 1) or b_shape != (1, in_ch, 1, 1) or mode != 0:
            raise DatFormatError(f"affine: {params.size} params, shapes {g_shape}/{b_shape}, mode {mode}")
        layer.weights, layer.bias = params[:in_ch], params[in_ch:]
        return in_ch
    if layer.kind == "relu":
        r.expect_str("relu_")
        return in_ch
    if layer.kind in ("max_pool", "avg_pool", "avg_pool_everything"):
        _read_pool(r, layer, in_ch)
        return in_ch
    if layer.kind == "add_prev":
        r.expect_str("add_prev_")
        return in_ch  # the caller works out the channel count of a residual sum
    if layer.kind == "fc":
        r.expect_str("fc_2")
        n_out, n_in = r.int_(), r.int_()
        if (n_out, n_in) != (layer.n, in_ch):
            raise DatFormatError(f"fc: {n_in}->{n_out}, template {in_ch}->{layer.n}")
        params = r.tensor()
        w_shape, b_shape = r.alias(), r.alias()
        bias_mode = r.int_()
        if params.size != n_in * n_out or w_shape != (n_in, n_out, 1, 1) or b_shape != (0, 0, 0, 0) or bias_mode != 1:
            raise DatFormatError(f"fc: params {params.shape}, W {w_shape}, b {b_shape}, bias mode {bias_mode}")
        layer.weights = params.reshape(n_in, n_out)
        for _ in range(4):
            r.float_()
        return n_out
    raise DatFormatError(f"no details reader for {layer.kind}")


def _read_trailer(r: _Reader) -> None:
    for _ in range(3):
        r.bool_()
    for _ in range(3):
        t = r.tensor()
        if t.size:
            raise DatFormatError("expected an empty gradient/cache tensor")


def parse_dat(data: bytes) -> ParsedNet:
    """Parse the whole file against :func:`anet_template`; DatFormatError on any mismatch or leftover byte."""
    r = _Reader(data)
    if r.int_() != 1:
        raise DatFormatError("loss layer version is not 1")
    r.expect_str("loss_metric_2")
    margin, dist_thresh = r.float_(), r.float_()
    layers = anet_template()
    computational = layers[1:]
    # Versions, outermost first: add_layer = 2 (3 for the one holding the input layer), tag/skip = 1.
    for i, layer in enumerate(reversed(computational)):
        want = 1 if layer.kind in ("tag", "skip") else (3 if i == len(computational) - 1 else 2)
        got = r.int_()
        if got != want:
            raise DatFormatError(f"version {got} for {layer.kind} (layer {len(computational) - i}), expected {want}")
    r.expect_str("input_rgb_image_sized")
    mean_rgb = (r.float_(), r.float_(), r.float_())
    nr, nc = r.int_(), r.int_()
    if (nr, nc) != (150, 150):
        raise DatFormatError(f"input size {nr}×{nc}, expected 150×150")
    channels = 3
    tag_channels: dict[int, int] = {}
    for i, layer in enumerate(computational):
        if layer.kind == "tag":
            tag_channels[layer.n] = channels
            continue
        if layer.kind == "skip":
            channels = tag_channels[layer.n]
            continue
        before = channels
        channels = _read_details(r, layer, channels)
        if layer.kind == "add_prev":
            channels = max(before, tag_channels[layer.n])
        _read_trailer(r)
        # The input-holding add_layer also stores its sample expansion factor.
        if i == 0 and r.int_() != 1:
            raise DatFormatError("sample expansion factor is not 1")
    if r.pos != len(data):
        raise DatFormatError(f"{len(data) - r.pos} bytes left after the network")
    return ParsedNet(layers, mean_rgb, 150, margin, dist_thresh, r.pos)


def parse_dat_file(path: Path) -> ParsedNet:
    """Read and parse ``path``; DatFormatError if the format or template does not match."""
    return parse_dat(Path(path).read_bytes())
