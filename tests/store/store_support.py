"""Helpers for the store tests (imported by name: test directories have no __init__)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.clock import FakeClock
from kiosk.config import StoreConfig
from kiosk.store.keys import DevCentral, KeyRing, ensure_dev_keys, load_dev_central, load_keys
from kiosk.store.record import CaptureRecord, build_record

DEVICE_ID = "test-kiosk-0042"
CANARY_CIC = "413579246"
CANARY_ID = "864209753"
CANARY_NAME = "ZZQUETZALCOATLZZ"


@dataclass
class Env:
    data_dir: Path
    keys: KeyRing
    central: DevCentral
    clock: FakeClock
    cfg: StoreConfig


def textured(rng: np.random.Generator, h: int, w: int, noise: float = 25.0) -> np.ndarray:
    """A card-like image: smooth gradients plus noise, so JPEG sizes are realistic rather than tiny."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 128 + 60 * np.sin(xx / 37.0)[..., None] * np.cos(yy / 23.0)[..., None] * np.array([1, 0.7, 0.4])
    img = base + rng.normal(0, noise, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_record(clock: FakeClock, rng: np.random.Generator, *, device_id: str = DEVICE_ID, cic: str = CANARY_CIC,
                identificador: str = CANARY_ID, process_id: str = "revocacion-2026", size: str = "small",
                **overrides) -> CaptureRecord:
    """A synthetic record; ``size`` 'small' (~20 KB, fast tests) or 'typical' (~400 KB, like a real capture)."""
    if size == "typical":
        card, selfie = (638, 1011), (480, 640)
        noise = 20.0
    else:
        card, selfie = (96, 152), (64, 64)
        noise = 25.0
    strokes = [[(10 + i * 3.0, 50 + 20 * np.sin(i / 3.0), i * 0.01) for i in range(60)],
               [(40.0, 20.0, 0.8), (60.0, 80.0, 0.9)]]
    kwargs = dict(
        front_bgr=textured(rng, *card, noise=noise), back_bgr=textured(rng, *card, noise=noise),
        selfie_bgr=textured(rng, *selfie, noise=noise), signature_strokes=strokes,
        mrz_fields={"cic": cic, "identificador": identificador, "surname_paternal": CANARY_NAME,
                    "birth_date": "1990-04-01", "sex": "M"},
        mrz_checks={"cic": True, "birth_date": True, "expiry_date": True, "composite": True},
        jpeg_quality=85, process_id=process_id, aspirant_id="aspirante-07", capture_mode="self-service",
        device_id=device_id, captured_wall_s=clock.wall(), captured_mono_s=clock.monotonic(),
        is_clock_synced=True, face_distance=0.41, face_threshold=0.6, liveness_is_live=True, liveness_score=0.93,
        liveness_reasons=("blink", "turn_left"), fraud_flags=("glare",), fraud_scores={"screen": 0.02},
        consent_notice_version="aviso-2026-01", consent_language="es", software_version="0.1.0-test",
        card_model="H")
    kwargs.update(overrides)
    return build_record(**kwargs)


def make_env(data_dir: Path, **cfg_overrides) -> Env:
    ensure_dev_keys(data_dir, dev_mode=True, device_id=DEVICE_ID)
    keys = load_keys(data_dir, allow_development=True)
    cfg = StoreConfig(**{"min_free_mb": 1, "warn_free_mb": 1, "aead": "chacha20poly1305", **cfg_overrides})
    return Env(data_dir, keys, load_dev_central(data_dir), FakeClock(), cfg)
