"""Ingest: take a device's batch of sealed envelopes, keep each one durably, answer with a signed receipt each.

Order of work for one batch (so a crash at any instant loses nothing that was acknowledged, and stores nothing
half-way):

1. every item is checked on its own — size, base64, the device's Ed25519 signature over the envelope (forged,
   altered and truncated bytes all fail here), the header's device id against the client certificate, the
   header's record id against the item's — and a failing item gets a clear per-item error and an audit entry;
2. accepted envelopes are written to the blob store (fsync, rename) **before** any receipt exists;
3. one transaction inserts the records with their receipts and the audit entries; only after its commit is the
   answer sent. A retry of the same envelope (a replay, or a lost answer) returns the receipt already given:
   upload is idempotent by record id. The same record id with different bytes is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from central import audit
from central.blobstore import BlobStore
from central.db import Database, Transaction
from central.devices import Device
from central.errors import RejectedUpload
from central.keystore import Signer

MAX_BATCH_RECORDS = 200
#: record ids as devices make them (UUIDs and the like): printable, no NUL (PostgreSQL text cannot hold one)
RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
FOLIO_TEXT = re.compile(r"[0-9A-Z-]{1,32}")
DEFAULT_MAX_ENVELOPE_BYTES = 8 << 20


@dataclass(frozen=True)
class ItemResult:
    record_id: str
    status: str  # "stored" | "already_stored" | "rejected"
    receipt: bytes | None = None
    error_code: str | None = None
    error_message: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record_id": self.record_id, "status": self.status}
        if self.receipt is not None:
            out["receipt"] = base64.b64encode(self.receipt).decode("ascii")
        if self.error_code is not None:
            out["error"] = {"code": self.error_code, "message": self.error_message}
        return out


@dataclass(frozen=True)
class _Accepted:
    record_id: str
    envelope: bytes
    sha256: str
    header: dict[str, Any]


def sign_receipt(signer: Signer, *, device_id: str, record_id: str, envelope_sha256: str,
                 received_at_s: float) -> bytes:
    """A receipt in apoyo_protocol's format, signed by central's receipt key."""
    from apoyo_protocol.receipt import sign_receipt as protocol_sign

    return protocol_sign(signer, signer.key_id, device_id=device_id, record_id=record_id,
                         envelope_sha256=envelope_sha256, received_at_s=received_at_s)


class Ingestor:
    """Stateless apart from its collaborators; one per web worker."""

    def __init__(self, db: Database, blobs: BlobStore, receipt_signer: Signer, *,
                 max_envelope_bytes: int = DEFAULT_MAX_ENVELOPE_BYTES, clock=time.time) -> None:
        self.db = db
        self.blobs = blobs
        self.signer = receipt_signer
        self.max_envelope_bytes = max_envelope_bytes
        self.clock = clock

    # -- step 1 ------------------------------------------------------------------------------------------------
    def _check_item(self, device: Device, item: Any, index: int) -> _Accepted | ItemResult:
        from apoyo_protocol.envelope import verify_envelope
        from apoyo_protocol.errors import ApoyoError
        from apoyo_protocol.keys import ed25519_public

        record_id = item.get("record_id") if isinstance(item, dict) else None
        label = record_id if isinstance(record_id, str) and RECORD_ID.fullmatch(record_id) else f"#{index}"
        try:
            if not isinstance(item, dict) or set(item) != {"record_id", "envelope"}:
                raise RejectedUpload("item_malformed", "each item is {record_id, envelope} and nothing else")
            if not isinstance(record_id, str) or not RECORD_ID.fullmatch(record_id):
                raise RejectedUpload("item_malformed", "record_id must be 1-128 characters of A-Z a-z 0-9 . _ : -")
            text = item["envelope"]
            if not isinstance(text, str):
                raise RejectedUpload("item_malformed", "envelope must be base64 text")
            if len(text) > (self.max_envelope_bytes + 2) // 3 * 4:
                raise RejectedUpload("envelope_too_large",
                                     f"envelope larger than {self.max_envelope_bytes} bytes", http_status=413)
            try:
                envelope = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise RejectedUpload("item_malformed", "envelope is not valid base64") from exc
            if len(envelope) > self.max_envelope_bytes:
                raise RejectedUpload("envelope_too_large",
                                     f"envelope larger than {self.max_envelope_bytes} bytes", http_status=413)
            try:
                header = verify_envelope(envelope, ed25519_public(device.signing_public_key))
            except ApoyoError as exc:
                raise RejectedUpload("envelope_invalid", "envelope is truncated, altered or not signed by this "
                                     "device") from exc
            if header.get("device_id") != device.device_id:
                raise RejectedUpload("device_mismatch", "envelope was sealed by another device")
            if header.get("record_id") != record_id:
                raise RejectedUpload("record_id_mismatch", "record_id does not match the sealed header")
            if not isinstance(header.get("folio"), str) or not FOLIO_TEXT.fullmatch(header["folio"]) \
                    or not isinstance(header.get("seq"), int) or not isinstance(header.get("sealed_wall_s"),
                                                                                (int, float)):
                raise RejectedUpload("envelope_invalid", "sealed header lacks a valid folio, seq or seal time")
            return _Accepted(record_id, envelope, hashlib.sha256(envelope).hexdigest(), header)
        except RejectedUpload as exc:
            return ItemResult(label, "rejected", error_code=exc.code, error_message=str(exc))

    # -- the whole batch ---------------------------------------------------------------------------------------
    def ingest(self, device: Device, items: Sequence[Any], *, remote: str = "") -> list[ItemResult]:
        """Results in the order of ``items``. Raises RejectedUpload for a malformed batch as a whole."""
        if not isinstance(items, list) or not items:
            raise RejectedUpload("batch_malformed", "records must be a non-empty list")
        if len(items) > MAX_BATCH_RECORDS:
            raise RejectedUpload("batch_too_large", f"at most {MAX_BATCH_RECORDS} records per batch",
                                 http_status=413)
        checked = [self._check_item(device, item, i) for i, item in enumerate(items)]
        accepted = [c for c in checked if isinstance(c, _Accepted)]
        self.blobs.put_many([acc.envelope for acc in accepted])  # durable before any receipt is signed
        now = self.clock()
        results: dict[int, ItemResult] = {}
        # exclusive: on SQLite two web workers must not both read "absent" and then fight over the write lock
        with self.db.transaction(exclusive=True) as tx:
            for i, c in enumerate(checked):
                if isinstance(c, ItemResult):
                    audit.record_event(tx, actor=f"device:{device.device_id}", action="ingest.rejected",
                                       subject=c.record_id, detail={"code": c.error_code, "remote": remote},
                                       at_s=now)
                    results[i] = c
                else:
                    results[i] = self._store(tx, device, c, now, remote)
            stored = sum(1 for r in results.values() if r.status == "stored")
            if stored:
                audit.record_event(tx, actor=f"device:{device.device_id}", action="ingest.batch",
                                   detail={"stored": stored, "items": len(items), "remote": remote}, at_s=now)
        return [results[i] for i in range(len(checked))]

    def _store(self, tx: Transaction, device: Device, acc: _Accepted, now: float, remote: str) -> ItemResult:
        existing = tx.one("SELECT device_id, envelope_sha256, receipt FROM records WHERE record_id = ?",
                          (acc.record_id,))
        if existing is None:
            header = acc.header
            receipt = sign_receipt(self.signer, device_id=device.device_id, record_id=acc.record_id,
                                   envelope_sha256=acc.sha256, received_at_s=now)
            inserted = tx.one(
                "INSERT INTO records (record_id, device_id, envelope_sha256, size_bytes, received_at_s, receipt,"
                " folio, seq, sealed_wall_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (record_id) DO NOTHING RETURNING record_id",
                (acc.record_id, device.device_id, acc.sha256, len(acc.envelope), now, receipt,
                 str(header.get("folio", "")), int(header.get("seq", 0)), float(header.get("sealed_wall_s", 0))))
            if inserted is not None:
                return ItemResult(acc.record_id, "stored", receipt=receipt)
            # another worker stored the same record id in the meantime: answer as for any retry
            existing = tx.one("SELECT device_id, envelope_sha256, receipt FROM records WHERE record_id = ?",
                              (acc.record_id,))
        if existing[0] == device.device_id and existing[1] == acc.sha256:
            return ItemResult(acc.record_id, "already_stored", receipt=bytes(existing[2]))
        audit.record_event(tx, actor=f"device:{device.device_id}", action="ingest.rejected", subject=acc.record_id,
                           detail={"code": "record_id_conflict", "remote": remote}, at_s=now)
        return ItemResult(acc.record_id, "rejected", error_code="record_id_conflict",
                          error_message="a different envelope was already stored under this record id")
