"""Apoyo central: the reference receiving side (ingest with signed receipts, verification, review, reports).

Central never imports the kiosk: the bytes both sides sign or hash come from ``apoyo_protocol``.
"""
