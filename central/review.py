"""Mesa de control and garantía de audiencia.

* A **reviewer** lists open review items, views one (the record's images and the kiosk's flags, decrypted on
  demand and never written to disk; every view is audited) and decides: ``cuenta`` (the record then goes through
  the duplicate rule like any valid record) or ``no_cuenta`` with an inconsistency category.
* An **aspirant** account sees only its own process and aspirant: progress and, for each record that did not
  count, the outcome and its reason (never the citizen's data); within ``audiencia_window_s`` of the outcome it
  may ask for a second review with an argument, which opens a review item. Every view and request is audited.

Accounts use scrypt password hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from central import audit, outcomes
from central.db import Transaction
from central.errors import CentralError, NotAuthorized
from central.verify import apply_support, finish

ROLES = ("reviewer", "aspirant", "admin")


class ReviewError(CentralError, ValueError):
    http_status = 400

    def __init__(self, code: str, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    process_id: str | None
    aspirant_id: str | None


def _hash(password: str, salt: bytes) -> str:
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def create_account(tx: Transaction, username: str, role: str, password: str, *, process_id: str | None = None,
                   aspirant_id: str | None = None) -> Account:
    if role not in ROLES:
        raise ReviewError("role_invalid", f"role must be one of {ROLES}")
    if role == "aspirant" and not (process_id and aspirant_id):
        raise ReviewError("account_invalid", "an aspirant account needs --process and --aspirant")
    if len(password) < 12:
        raise ReviewError("password_weak", "passwords need at least 12 characters")
    tx.execute("INSERT INTO accounts (username, role, process_id, aspirant_id, password_hash, created_at_s)"
               " VALUES (?, ?, ?, ?, ?, ?)", (username, role, process_id, aspirant_id,
                                              _hash(password, os.urandom(16)), time.time()))
    audit.record_event(tx, actor="cli", action="account.create", subject=username, detail={"role": role})
    return Account(username, role, process_id, aspirant_id)


def authenticate(tx: Transaction, username: str, password: str) -> Account | None:
    row = tx.one("SELECT username, role, process_id, aspirant_id, password_hash FROM accounts WHERE username = ?",
                 (username,))
    if row is None:
        _hash(password, b"0" * 16)  # same work for unknown users: no timing oracle on usernames
        return None
    salt = base64.b64decode(row[4].split("$")[4])
    if not hmac.compare_digest(_hash(password, salt), row[4]):
        return None
    return Account(row[0], row[1], row[2], row[3])


def require(account: Account | None, *roles: str) -> Account:
    if account is None or account.role not in roles:
        raise NotAuthorized("this page needs a " + " or ".join(roles) + " account")
    return account


# -- mesa de control -------------------------------------------------------------------------------------------
def open_items(tx: Transaction, limit: int = 100) -> list[dict[str, Any]]:
    rows = tx.all("SELECT i.review_id, i.record_id, i.source, i.reason, i.created_at_s, r.process_id,"
                  " r.aspirant_id FROM review_items i JOIN records r ON r.record_id = i.record_id"
                  " WHERE i.state = 'abierto' ORDER BY i.review_id LIMIT ?", (limit,))
    return [{"review_id": r[0], "record_id": r[1], "source": r[2], "reason": r[3],
             "reason_text": outcomes.REVIEW_REASONS.get(r[3], r[3]), "created_at_s": r[4], "process_id": r[5],
             "aspirant_id": r[6]} for r in rows]


def _item(tx: Transaction, review_id: int) -> tuple:
    row = tx.one("SELECT review_id, record_id, source, reason, argument, state FROM review_items"
                 " WHERE review_id = ?", (review_id,))
    if row is None:
        raise ReviewError("review_not_found", f"no review item {review_id}", 404)
    return row


def view_item(tx: Transaction, review_id: int, reviewer: Account, *, blobs: Any, opener: Any) -> dict[str, Any]:
    """The record's images (base64 JPEG/PNG) and flags for a reviewer; audited."""
    from apoyo_protocol.envelope import open_envelope
    from apoyo_protocol.keys import ed25519_public
    from apoyo_protocol.record import CaptureRecord

    require(reviewer, "reviewer", "admin")
    item = _item(tx, review_id)
    sha, device_key, flags = tx.one(
        "SELECT r.envelope_sha256, d.signing_public_key, r.flags FROM records r JOIN devices d"
        " ON d.device_id = r.device_id WHERE r.record_id = ?", (item[1],))
    rec = CaptureRecord.from_payload(open_envelope(blobs.get(sha), opener, ed25519_public(bytes(device_key))))
    audit.record_event(tx, actor=f"reviewer:{reviewer.username}", action="review.view", subject=item[1],
                       detail={"review_id": review_id})
    return {
        "review_id": review_id, "record_id": item[1], "source": item[2], "reason": item[3], "argument": item[4],
        "state": item[5], "flags": json.loads(flags or "[]"), "fraud_scores": dict(rec.fraud_scores),
        "card_model": rec.card_model, "liveness_is_live": rec.liveness_is_live, "face_distance": rec.face_distance,
        "images": {name: base64.b64encode(getattr(rec, name)).decode()
                   for name in ("front_jpeg", "back_jpeg", "selfie_jpeg", "signature_png")},
    }


def decide(tx: Transaction, review_id: int, reviewer: Account, *, counts: bool, category: str | None = None,
           note: str = "", now: float | None = None) -> str:
    """Close a review item; returns the record's outcome code."""
    require(reviewer, "reviewer", "admin")
    now = time.time() if now is None else now
    item = _item(tx, review_id)
    if item[5] != "abierto":
        raise ReviewError("review_closed", f"review item {review_id} is already decided", 409)
    record_id = item[1]
    if counts:
        pid, aid, key, captured = tx.one("SELECT process_id, aspirant_id, citizen_key, captured_wall_s FROM records"
                                         " WHERE record_id = ?", (record_id,))
        if key is None:
            raise ReviewError("record_unreadable", "this record could not be read: it cannot count")
        outcome = apply_support(tx, record_id=record_id, process_id=pid, key=key, aspirant_id=aid,
                                captured_wall_s=captured, actor=f"reviewer:{reviewer.username}", now=now)
        reason = "validado en mesa de control"
    else:
        if category not in outcomes.INCONSISTENCIES:
            raise ReviewError("category_invalid", f"category must be one of {outcomes.INCONSISTENCIES}")
        outcome = "no_encontrado" if category == "no_encontrado" else "inconsistencia"
        reason = category
        tx.execute("DELETE FROM citizen_supports WHERE record_id = ?", (record_id,))
    finish(tx, record_id=record_id, outcome=outcome, reason=reason, now=now)
    tx.execute("UPDATE review_items SET state = 'resuelto', decided_by = ?, decided_at_s = ?, decision = ?,"
               " note = ? WHERE review_id = ?", (reviewer.username, now, "cuenta" if counts else category, note,
                                                 review_id))
    audit.record_event(tx, actor=f"reviewer:{reviewer.username}", action="review.decision", subject=record_id,
                       detail={"review_id": review_id, "outcome": outcome, "category": category}, at_s=now)
    return outcome


# -- garantía de audiencia -------------------------------------------------------------------------------------
def aspirant_records(tx: Transaction, account: Account) -> dict[str, Any]:
    """An aspirant's own progress and the records that did not count (outcome + reason only); audited."""
    require(account, "aspirant")
    rows = tx.all("SELECT outcome, COUNT(*) FROM records WHERE process_id = ? AND aspirant_id = ? AND"
                  " state = 'verified' GROUP BY outcome", (account.process_id, account.aspirant_id))
    pending = tx.scalar("SELECT COUNT(*) FROM records WHERE process_id = ? AND aspirant_id = ? AND state <> "
                        "'verified'", (account.process_id, account.aspirant_id))
    not_counted = tx.all("SELECT record_id, folio, outcome, reason, verified_at_s FROM records WHERE process_id = ?"
                         " AND aspirant_id = ? AND state = 'verified' AND counts = 0 ORDER BY verified_at_s"
                         " LIMIT 5000", (account.process_id, account.aspirant_id))
    audit.record_event(tx, actor=f"aspirant:{account.username}", action="audiencia.view",
                       subject=f"{account.process_id}/{account.aspirant_id}")
    return {"process_id": account.process_id, "aspirant_id": account.aspirant_id,
            "by_outcome": dict(rows), "in_progress": int(pending or 0),
            "not_counted": [{"record_id": r[0], "folio": r[1], "outcome": r[2],
                             "label": outcomes.get(r[2]).label, "reason": r[3], "verified_at_s": r[4]}
                            for r in not_counted]}


def request_second_review(tx: Transaction, account: Account, record_id: str, argument: str, *, window_s: float,
                          now: float | None = None) -> int:
    """Open a review item for one of the aspirant's own non-counting records; returns its id."""
    require(account, "aspirant")
    now = time.time() if now is None else now
    argument = (argument or "").strip()
    if not 10 <= len(argument) <= 4000:
        raise ReviewError("argument_invalid", "the argument must be 10-4000 characters")
    row = tx.one("SELECT process_id, aspirant_id, state, counts, verified_at_s FROM records WHERE record_id = ?",
                 (record_id,))
    if row is None or (row[0], row[1]) != (account.process_id, account.aspirant_id):
        # the same answer for someone else's record as for none at all: no way to probe other aspirants
        raise ReviewError("record_not_found", "no such record among yours", 404)
    if tx.scalar("SELECT COUNT(*) FROM review_items WHERE record_id = ? AND source = 'audiencia'", (record_id,)):
        raise ReviewError("already_requested", "a second review was already requested for this record", 409)
    if row[2] != "verified" or row[3]:
        raise ReviewError("not_reviewable", "only verified records that did not count can be reviewed again", 409)
    if now > row[4] + window_s:
        raise ReviewError("window_closed", "the garantía de audiencia window for this record has closed", 409)
    review_id = tx.scalar("INSERT INTO review_items (record_id, source, reason, argument, created_at_s, created_by)"
                          " VALUES (?, 'audiencia', 'segunda_revision', ?, ?, ?) RETURNING review_id",
                          (record_id, argument, now, account.username))
    tx.execute("UPDATE records SET state = 'review' WHERE record_id = ?", (record_id,))
    audit.record_event(tx, actor=f"aspirant:{account.username}", action="audiencia.request", subject=record_id,
                       detail={"review_id": review_id}, at_s=now)
    return int(review_id)
