"""Synthetic sealed records for tests and the benchmark: real envelopes (apoyo_protocol), fake citizens.

Images are placeholder bytes with the right magic numbers (the record schema checks them); ``image_bytes`` sets
their size so the benchmark can send realistic ~400 KB envelopes.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from apoyo_protocol.envelope import SealedEnvelope, device_key_id, seal
from apoyo_protocol.record import CaptureRecord

_JPEG = b"\xff\xd8\xff\xe0"
_PNG = b"\x89PNG\r\n\x1a\n"


def make_record(*, device_id: str, process_id: str, aspirant_id: str, cic: str, identificador: str,
                captured_wall_s: float | None = None, fraud_flags: tuple[str, ...] = (),
                expiry_date: str = "2033-12-31", mrz_ok: bool = True, image_bytes: int = 2000) -> CaptureRecord:
    filler = os.urandom(max(16, image_bytes))
    return CaptureRecord(
        process_id=process_id, aspirant_id=aspirant_id, capture_mode="self-service", device_id=device_id,
        captured_wall_s=time.time() if captured_wall_s is None else captured_wall_s, captured_mono_s=100.0,
        is_clock_synced=True, front_jpeg=_JPEG + filler, back_jpeg=_JPEG + filler[::-1],
        selfie_jpeg=_JPEG + filler[: len(filler) // 2], mrz_fields={
            "cic": cic, "identificador": identificador, "seccion": "0001", "birth_date": "1990-05-17",
            "sex": "F", "expiry_date": expiry_date, "surname_paternal": "MUESTRA", "surname_maternal": "PRUEBA",
            "given_names": "CIUDADANA"},
        mrz_checks={"cic": mrz_ok, "birth": True, "expiry": True, "composite": True},
        face_distance=0.41, face_threshold=0.6, liveness_is_live=True, liveness_score=0.93,
        signature_strokes=(((1.0, 2.0, 0.0), (3.0, 4.0, 0.05)),), signature_png=_PNG + filler[:200],
        consent_notice_version="aviso-2026-01", consent_language="es", software_version="test",
        fraud_flags=tuple(fraud_flags))


def seal_record(record: CaptureRecord, *, device_key: Any, device_public_raw: bytes, central_public_key: Any,
                record_id: str | None = None, folio: str = "K7Q2-9MXD-4", seq: int = 1) -> SealedEnvelope:
    return seal(record.to_payload(), device_id=record.device_id, record_id=record_id or str(uuid.uuid4()),
                folio=folio, seq=seq, sealed_wall_s=record.captured_wall_s, sealed_mono_s=101.0,
                is_clock_synced=True, aead="aes256gcm", central_public_key=central_public_key,
                device_key=device_key, device_key_id=device_key_id(device_public_raw))
