"""Synthetic SPECIMEN credentials and camera scenes for tests, benchmarks and the demo (never real data).

- ``card``: INE-style SPECIMEN cards (models E-H layout) at ID-1 300 dpi, TD1 MRZ in OCR-B at fixed positions;
- ``scene``: camera-like photos of a card (difficulty easy/normal/hard) and attacks (photocopy, screen, partial,
  blank), labelled with the exact corners;
- ``dataset``: labelled samples deterministic per (seed, index), written as ``NNNN_front.jpg``/``_back.jpg``/``.json``;
- ``face_sequence``: not-live selfie sequences (still, moved, tilted, photo held up, screen replay);
- ``faces``: the face photos used (../shared/faces, single-person files only);
- ``cli``: ``python -m kiosk synth``.
"""
