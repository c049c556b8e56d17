"""A small learned MRZ cell classifier (numpy only at run time), trained offline on real synthetic cards.

Why: template correlation alone misreads smeared or defocused glyphs the same way every time ('M' → 'K',
'E' → 'I'/'T') and leaves correct names refused for want of a margin. This classifier is a two-layer
perceptron (432 → hidden → 37, ReLU, softmax) over the very cell windows :func:`kiosk.vision.mrz_read.
sample_mrz_cells` produces, trained on cells of synthetic card backs (``kiosk.dev.synth``) photographed into
easy/normal/hard scenes and rectified from the scene label's true corners (plus slightly perturbed corners,
as a detector would give), so every training cell carries its true symbol.

Data: ``glyph_net.npz`` beside this module (weights, float32, ~0.2 MB), made at build time by
:mod:`models.mrz_glyph_net` (``python -m models.mrz_glyph_net --seed 2718``); this module only loads
it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from kiosk.errors import ModelError
from kiosk.vision.glyphs import ALPHABET

NET_PATH = Path(__file__).with_name("glyph_net.npz")


@functools.lru_cache(maxsize=1)
def load_net() -> dict[str, np.ndarray]:
    """The shipped weights: w1 (D, H), b1 (H,), w2 (H, 37), b2 (37,). Raises ModelError when unreadable."""
    try:
        data = np.load(NET_PATH)
        net = {k: data[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")}
        alphabet = "".join(data["alphabet"].tolist())
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"MRZ glyph classifier unreadable at {NET_PATH}: {exc}") from exc
    if alphabet != ALPHABET or net["w2"].shape[1] != len(ALPHABET):
        raise ModelError(f"MRZ glyph classifier at {NET_PATH} does not match the MRZ alphabet")
    return net


def log_probs(x: np.ndarray, net: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """(N, 37) log-probabilities per symbol for (N, D) zero-mean unit-norm cell samples."""
    net = net or load_net()
    h = np.maximum(x @ net["w1"] + net["b1"], 0.0)
    z = h @ net["w2"] + net["b2"]
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
