"""The record container: canonical, versioned, validated; built from numpy images in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt

import cv2
import numpy as np
import pytest
from store_support import DEVICE_ID, make_record

from kiosk.clock import FakeClock
from kiosk.errors import ImageError, InvalidField
from kiosk.store.record import CaptureRecord, encode_jpeg, mrz_to_text, render_signature_png


def test_payload_round_trip_and_is_canonical(rng):
    clock = FakeClock()
    record = make_record(clock, rng)
    payload = record.to_payload()
    assert payload[:4] == b"APYP" and int.from_bytes(payload[4:6], "big") == 1
    back = CaptureRecord.from_payload(payload)
    assert back == record
    assert back.to_payload() == payload  # same record, same bytes
    assert back.front_jpeg == record.front_jpeg and back.signature_strokes == record.signature_strokes


def test_payload_holds_every_issue_field(rng):
    record = make_record(FakeClock(), rng, capture_mode="operator", operator_id="op-17")
    back = CaptureRecord.from_payload(record.to_payload())
    assert (back.capture_mode, back.operator_id, back.device_id) == ("operator", "op-17", DEVICE_ID)
    assert back.mrz_checks["composite"] is True and back.face_distance == pytest.approx(0.41)
    assert back.liveness_is_live and back.fraud_flags == ("glare",) and back.consent_language == "es"
    assert back.consent_notice_version == "aviso-2026-01" and back.is_clock_synced
    png = cv2.imdecode(np.frombuffer(back.signature_png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert png.shape == (200, 600) and (png < 128).sum() > 100  # the strokes were drawn
    selfie = cv2.imdecode(np.frombuffer(back.selfie_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert selfie.shape == (64, 64, 3)


def test_damaged_payload_is_refused(rng):
    payload = make_record(FakeClock(), rng).to_payload()
    for bad in (payload[:-1], payload + b"x", b"XXXX" + payload[4:], payload[:6] + b"\xff" + payload[7:]):
        with pytest.raises(InvalidField):
            CaptureRecord.from_payload(bad)
    flipped = bytearray(payload)
    flipped[-10] ^= 1  # inside the last image part: its SHA-256 no longer matches
    with pytest.raises(InvalidField, match="damaged"):
        CaptureRecord.from_payload(bytes(flipped))


@pytest.mark.parametrize(("change", "field"), [
    ({"capture_mode": "operator"}, "operator_id"),
    ({"operator_id": "op-1"}, "operator_id"),
    ({"consent_language": "fr"}, "consent_language"),
    ({"process_id": " "}, "process_id"),
    ({"front_jpeg": b"\x89PNG not a jpeg"}, "front_jpeg"),
    ({"signature_png": b"\xff\xd8\xff"}, "signature_png"),
    ({"face_distance": float("nan")}, "face_distance"),
    ({"signature_strokes": ()}, "signature_strokes"),
    ({"mrz_checks": {"cic": "yes"}}, "mrz_checks"),
])
def test_validation_names_the_field(rng, change, field):
    record = make_record(FakeClock(), rng)
    with pytest.raises(InvalidField) as info:
        dataclasses.replace(record, **change)
    assert info.value.field == field


def test_helpers_reject_bad_images_and_convert_mrz():
    with pytest.raises(ImageError):
        encode_jpeg(np.zeros((0, 0, 3), np.uint8), 85)
    with pytest.raises(ImageError):
        encode_jpeg(np.zeros((4, 4, 3), np.float32), 85)
    assert render_signature_png([((5.0, 5.0, 0.0),)]).startswith(b"\x89PNG")

    @dataclasses.dataclass
    class Fields:
        cic: str
        birth_date: dt.date

    assert mrz_to_text(Fields("123456789", dt.date(1990, 4, 1))) == {"cic": "123456789", "birth_date": "1990-04-01"}


def test_jpeg_quality_follows_config(rng):
    small = make_record(FakeClock(), rng, jpeg_quality=40, size="typical")
    large = make_record(FakeClock(), np.random.default_rng(1234), jpeg_quality=95, size="typical")
    assert len(small.front_jpeg) < len(large.front_jpeg)
