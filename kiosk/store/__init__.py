"""Sealed records: what the kiosk captured, readable only by central, provably from this device, crash-safe.

The bytes (record payload, envelope v2 on HPKE, receipts, manifests) are the protocol's, ``apoyo_protocol``;
this package decides what the device does with them.

* :mod:`kiosk.store.record` — ``build_record``: a ``CaptureRecord`` from numpy images, in memory.
* :mod:`kiosk.store.seal` — which AEAD this device seals with (``store.aead = auto`` measures both).
* :mod:`kiosk.store.keys` — device keys, pinned central keys, rotation, the DEVELOPMENT central.
* :mod:`kiosk.store.db` — :class:`RecordStore`: SQLite WAL, durable commit before the folio, lifecycle,
  duplicate check, free-space floor. :mod:`kiosk.store.audit` — the hash-chained audit log.
* :mod:`kiosk.store.folio` — folios.
* :mod:`kiosk.store.cli` — ``python -m kiosk store stats|verify|purge``.

Importing this package opens nothing.
"""
