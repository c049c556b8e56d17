"""Subprocess for the crash-safety tests: seals records in a loop, printing each folio only after the commit.

Usage: python crash_writer.py DATA_DIR [--limit-file-bytes N] [--count N]
Prints ``READY`` once the store is open, then one ``FOLIO <folio> <record_id>`` line per committed record, and on
a refusal ``REFUSED <ErrorClass> <message>``.
"""

from __future__ import annotations

import resource
import signal
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_support import make_env, make_record  # noqa: E402

from kiosk.errors import StoreError  # noqa: E402
from kiosk.store.db import RecordStore  # noqa: E402


def main() -> int:
    data_dir = Path(sys.argv[1])
    count = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else 10**9
    env = make_env(data_dir)
    rng = np.random.default_rng()
    records = [make_record(env.clock, rng, cic=f"{300000000 + i}") for i in range(8)]
    if "--limit-file-bytes" in sys.argv:
        # A quota stand-in where mounting a small filesystem is not allowed: writes past N bytes fail (EFBIG).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = int(sys.argv[sys.argv.index("--limit-file-bytes") + 1])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
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
