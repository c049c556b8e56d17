"""Subprocess for the crash-safety tests: seals records in a loop, printing each folio only after the commit.

Usage: python crash_writer.py DATA_DIR [--limit-file-bytes N] [--count N]
Prints ``READY`` once the store is open, then one ``FOLIO <folio> <record_id>`` line per committed record, and on
a refusal ``REFUSED <ErrorClass> <message>``. Kept light (no numpy/OpenCV: the images are random bytes behind a
JPEG/PNG signature) so that the parent can restart it many times.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path

from kiosk.clock import FakeClock
from kiosk.config import StoreConfig
from kiosk.errors import StoreError
from kiosk.store.db import RecordStore
from kiosk.store.keys import ensure_dev_keys, load_keys
from kiosk.store.record import CaptureRecord

DEVICE_ID = "test-kiosk-0042"  # the same as store_support.DEVICE_ID, so the parent can use make_env


def _record(clock: FakeClock, i: int) -> CaptureRecord:
    jpeg = b"\xff\xd8\xff\xe0"
    return CaptureRecord(
        process_id="revocacion-2026", aspirant_id="aspirante-07", capture_mode="self-service", device_id=DEVICE_ID,
        captured_wall_s=clock.wall(), captured_mono_s=clock.monotonic(), is_clock_synced=False,
        front_jpeg=jpeg + os.urandom(9000), back_jpeg=jpeg + os.urandom(9000), selfie_jpeg=jpeg + os.urandom(4000),
        mrz_fields={"cic": f"{300000000 + i}", "identificador": "864209753"}, mrz_checks={"cic": True},
        face_distance=0.4, face_threshold=0.6, liveness_is_live=True, liveness_score=0.9,
        signature_strokes=(((1.0, 2.0, 0.0), (3.0, 4.0, 0.1)),), signature_png=b"\x89PNG\r\n\x1a\n" + os.urandom(500),
        consent_notice_version="aviso-2026-01", consent_language="es", software_version="crash-writer")


def main() -> int:
    data_dir = Path(sys.argv[1])
    count = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else 10**9
    ensure_dev_keys(data_dir, dev_mode=True, device_id=DEVICE_ID)
    keys = load_keys(data_dir, allow_development=True)
    clock = FakeClock()
    records = [_record(clock, i) for i in range(8)]
    if "--limit-file-bytes" in sys.argv:
        # A quota stand-in where mounting a small filesystem is not allowed: writes past N bytes fail (EFBIG).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = int(sys.argv[sys.argv.index("--limit-file-bytes") + 1])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    cfg = StoreConfig(min_free_mb=1, warn_free_mb=1, aead="chacha20poly1305")
    with RecordStore(data_dir, cfg, clock, keys) as store:
        print("READY", flush=True)
        for i in range(count):
            try:
                result = store.seal_and_commit(records[i % len(records)])
            except StoreError as exc:
                print(f"REFUSED {type(exc).__name__} {exc}", flush=True)
                return 3
            print(f"FOLIO {result.folio} {result.record_id}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
