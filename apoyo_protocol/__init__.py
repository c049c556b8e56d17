"""apoyo_protocol: the bytes the kiosk, central and the admin page agree on, defined once.

Pure: the standard library and ``cryptography`` only (no pygame, OpenCV, numpy or TFLite), so central and any
other receiver install it without the kiosk's stack. Modules:

* :mod:`~apoyo_protocol.canonical` — canonical JSON, the byte form of everything signed, hashed or used as AAD;
* :mod:`~apoyo_protocol.errors` — the one error hierarchy (the kiosk's ``KioskError`` is :class:`ApoyoError`);
* :mod:`~apoyo_protocol.record` — the record schema and its payload container (the sealed plaintext);
* :mod:`~apoyo_protocol.keys` — key ids, central's HPKE sealing keys (X25519 or ML-KEM-768 + X25519);
* :mod:`~apoyo_protocol.envelope` — envelope v2: RFC 9180 HPKE to central, Ed25519 by the device;
* :mod:`~apoyo_protocol.signed` — the framing shared by receipts, manifests and catalogs;
* :mod:`~apoyo_protocol.receipt` — central's signed receipts;
* :mod:`~apoyo_protocol.manifest` — device-signed batch / USB manifests;
* :mod:`~apoyo_protocol.enrollment` — the enrollment token, its QR payload, the request and central's bundle.
"""

PROTOCOL_VERSION = 2
