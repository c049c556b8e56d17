"""Sealed records: what the kiosk captured, readable only by central, provably from this device, crash-safe.

* :mod:`kiosk.store.record` — :class:`CaptureRecord` and its canonical payload; ``build_record`` from numpy images.
* :mod:`kiosk.store.seal` — the envelope: X25519 + HKDF-SHA256 key wrap, ChaCha20-Poly1305 / AES-256-GCM,
  Ed25519 device signature; ``open_envelope`` is central's side.
* :mod:`kiosk.store.keys` — device keys, pinned central keys, rotation, the DEVELOPMENT central.
* :mod:`kiosk.store.db` — :class:`RecordStore`: SQLite WAL, durable commit before the folio, lifecycle,
  duplicate check, free-space floor. :mod:`kiosk.store.audit` — the hash-chained audit log.
* :mod:`kiosk.store.receipt` — central's signed receipts; :mod:`kiosk.store.folio` — folios.
* :mod:`kiosk.store.cli` — ``python -m kiosk store stats|verify|purge``.

Importing this package opens nothing.
"""
