"""apoyo_protocol stays importable without the kiosk's stack: central installs it alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = ("kiosk", "central", "web_admin", "pygame", "cv2", "numpy", "ai_edge_litert", "tflite_runtime",
             "gpiozero", "flask")


def test_protocol_imports_nothing_of_the_kiosk():
    code = ("import pkgutil, importlib, sys, apoyo_protocol\n"
            "for m in pkgutil.iter_modules(apoyo_protocol.__path__):\n"
            "    importlib.import_module('apoyo_protocol.' + m.name)\n"
            "from apoyo_protocol.keys import SealingPrivateKey\n"
            "from apoyo_protocol.envelope import seal, open_envelope\n"
            "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey\n"
            "c, d = SealingPrivateKey.generate(), Ed25519PrivateKey.generate()\n"
            "e = seal(b'x', device_id='d', record_id='r', folio='f', seq=1, sealed_wall_s=0, sealed_mono_s=0,\n"
            "         is_clock_synced=True, aead='aes256gcm', central_public_key=c.public, device_key=d,\n"
            "         device_key_id='k')\n"
            "assert open_envelope(e.data, c, d.public_key()) == b'x'\n"
            "print(' '.join(sorted({n.split('.')[0] for n in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "apoyo_protocol" in loaded and "cryptography" in loaded
    assert loaded.isdisjoint(FORBIDDEN), loaded & set(FORBIDDEN)
