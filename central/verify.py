"""Verification: open each stored envelope, validate the record, check it against the lista nominal and the
process, and give it an outcome (FACTS §5) or send it to the mesa de control.

Workers share the load by claiming batches of pending records: on PostgreSQL with
``SELECT … FOR UPDATE SKIP LOCKED`` (several processes or hosts never wait for each other's rows), on SQLite inside
an exclusive transaction. A claim expires after ``claim_timeout_s``, so a worker that dies mid-batch loses nothing:
its records are claimed again. Decryption happens outside any transaction; the outcomes of a batch are written
in one transaction, in (process, citizen) order so two workers never lock supports in opposite orders.

"First counts" (LGIPE 385.2 g): among records of the same citizen in the same process, the one captured first
counts, whatever order they arrive in; a later arrival captured earlier takes the place of the counted one, which
becomes a duplicate (audited).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from central import audit, outcomes
from central import lista_nominal as ln
from central import processes as procs
from central.blobstore import BlobStore
from central.db import Database, Transaction
from central.errors import StorageError

REVIEW_FLAGS_FRONT_TEXT = {"front_text_mismatch"}


def citizen_key(cic: str, identificador: str) -> str:
    """The key duplicates are found by (a digest, so supports tables and logs never hold the CIC itself)."""
    return hashlib.sha256(b"apoyo-citizen\x00" + cic.encode() + b"\x00" + identificador.encode()).hexdigest()[:32]


@dataclass
class Examined:
    """What verification needs from one opened record (no images, no names)."""

    record_id: str
    ok: bool
    process_id: str | None = None
    aspirant_id: str | None = None
    cic: str = ""
    identificador: str = ""
    captured_wall_s: float = 0.0
    expiry: dt.date | None = None
    mrz_ok: bool = True
    flags: tuple[str, ...] = ()
    problem: str = ""


@dataclass
class Verdict:
    outcome: str | None  # None while in review
    reason: str = ""
    review_reason: str | None = None
    geography: tuple[int | None, int | None, int | None] = (None, None, None)
    extra: dict[str, Any] = field(default_factory=dict)


def examine(record_id: str, device_id: str, envelope: bytes, opener: Any, device_public_raw: bytes) -> Examined:
    """Open and parse one envelope; never raises for bad content (it becomes ``ok=False``)."""
    from apoyo_protocol.envelope import open_envelope
    from apoyo_protocol.errors import ApoyoError
    from apoyo_protocol.keys import ed25519_public
    from apoyo_protocol.record import CaptureRecord

    try:
        payload = open_envelope(envelope, opener, ed25519_public(device_public_raw))
    except ApoyoError:
        return Examined(record_id, False, problem="no se pudo abrir el sobre con la clave de central")
    try:
        rec = CaptureRecord.from_payload(payload)
    except ApoyoError as exc:
        return Examined(record_id, False, problem=f"registro inválido: {getattr(exc, 'field', 'contenido')}")
    if rec.device_id != device_id:
        return Examined(record_id, False, problem="el registro dice venir de otro dispositivo")
    fields = rec.mrz_fields
    expiry = None
    try:
        if fields.get("expiry_date"):
            expiry = dt.date.fromisoformat(fields["expiry_date"])
    except ValueError:
        return Examined(record_id, False, problem="fecha de vigencia ilegible")
    return Examined(record_id, True, rec.process_id, rec.aspirant_id, fields.get("cic", ""),
                    fields.get("identificador", ""), float(rec.captured_wall_s), expiry,
                    all(rec.mrz_checks.values()) if rec.mrz_checks else True, tuple(rec.fraud_flags))


def judge(ex: Examined, process: procs.Process | None, elector: ln.Elector | None) -> Verdict:
    """The outcome of one record before the duplicate rule (pure; see module doc for the order of checks)."""
    if not ex.ok:
        return Verdict("contenido_invalido", ex.problem)
    if process is None or ex.aspirant_id not in process.aspirants:
        return Verdict("proceso_desconocido", "proceso o aspirante no está en el catálogo instalado")
    if not process.is_open_at(ex.captured_wall_s):
        return Verdict("fuera_de_periodo", "capturado fuera del periodo de captación")
    if not (len(ex.cic) == 9 and ex.cic.isdigit() and len(ex.identificador) == 9 and ex.identificador.isdigit()):
        return Verdict("contenido_invalido", "CIC o identificador ilegibles")
    if not ex.mrz_ok:
        return Verdict(None, review_reason="datos_erroneos")
    if elector is None:
        return Verdict(None, review_reason="no_encontrado")
    geo = (elector.entidad, elector.distrito, elector.seccion)
    if elector.situacion == "baja":
        return Verdict("baja", elector.baja_causa or "", geography=geo)
    captured_day = dt.datetime.fromtimestamp(ex.captured_wall_s, procs.MEXICO_CITY).date()
    if elector.situacion == "no_vigente":
        return Verdict("no_vigente", "en padrón, no en la Lista Nominal", geography=geo)
    if ex.expiry is not None and ex.expiry < captured_day:
        return Verdict("no_vigente", "credencial vencida al capturar", geography=geo)
    if not process.is_in_ambito(*geo):
        return Verdict("fuera_de_ambito", f"registrado fuera del ámbito ({process.ambito.get('level')})",
                       geography=geo)
    if set(ex.flags) & REVIEW_FLAGS_FRONT_TEXT:
        return Verdict(None, review_reason="texto_frontal", geography=geo)
    if ex.flags:
        return Verdict(None, review_reason="marcas_de_fraude", geography=geo)
    return Verdict("en_lista_nominal", geography=geo)


def apply_support(tx: Transaction, *, record_id: str, process_id: str, key: str, aspirant_id: str,
                  captured_wall_s: float, actor: str, now: float) -> str:
    """Count ``record_id`` unless the citizen already supports someone in this process with an earlier capture;
    returns the record's outcome code (and demotes a later-captured holder)."""
    inserted = tx.one("INSERT INTO citizen_supports (process_id, citizen_key, record_id, aspirant_id,"
                      " captured_wall_s) VALUES (?, ?, ?, ?, ?) ON CONFLICT (process_id, citizen_key) DO NOTHING"
                      " RETURNING record_id", (process_id, key, record_id, aspirant_id, captured_wall_s))
    if inserted is not None:
        return "en_lista_nominal"
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    holder_id, holder_aspirant, holder_s = tx.one(
        "SELECT record_id, aspirant_id, captured_wall_s FROM citizen_supports WHERE process_id = ? AND"
        f" citizen_key = ?{lock}", (process_id, key))
    if holder_id == record_id:
        return "en_lista_nominal"
    if (captured_wall_s, record_id) < (holder_s, holder_id):
        tx.execute("UPDATE citizen_supports SET record_id = ?, aspirant_id = ?, captured_wall_s = ? WHERE"
                   " process_id = ? AND citizen_key = ?", (record_id, aspirant_id, captured_wall_s, process_id, key))
        demoted = "duplicado_mismo_aspirante" if holder_aspirant == aspirant_id else "duplicado_otro_aspirante"
        tx.execute("UPDATE records SET outcome = ?, counts = 0, reason = ? WHERE record_id = ?",
                   (demoted, f"el registro {record_id} se capturó antes", holder_id))
        audit.record_event(tx, actor=actor, action="verify.demoted", subject=holder_id,
                           detail={"outcome": demoted, "earlier_record": record_id}, at_s=now)
        return "en_lista_nominal"
    return "duplicado_mismo_aspirante" if holder_aspirant == aspirant_id else "duplicado_otro_aspirante"


def finish(tx: Transaction, *, record_id: str, outcome: str, reason: str, now: float) -> None:
    tx.execute("UPDATE records SET state = 'verified', outcome = ?, reason = ?, counts = ?, verified_at_s = ?,"
               " claimed_by = NULL WHERE record_id = ?",
               (outcome, reason, 1 if outcomes.get(outcome).counts else 0, now, record_id))


class Verifier:
    """One verification worker. ``opener`` is central's sealing key (``EnvelopeOpener``: a file or an HSM)."""

    def __init__(self, db: Database, blobs: BlobStore, opener: Any, *, worker_id: str | None = None,
                 batch_size: int = 64, claim_timeout_s: float = 300.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.blobs = blobs
        self.opener = opener
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.batch_size = batch_size
        self.claim_timeout_s = claim_timeout_s
        self.clock = clock
        self.actor = f"verifier:{self.worker_id}"
        self._processes: dict[str, procs.Process | None] = {}

    def claim(self) -> list[tuple[str, str, str, bytes]]:
        """Claim up to ``batch_size`` pending records: (record_id, device_id, envelope_sha256, device key)."""
        now = self.clock()
        with self.db.transaction(exclusive=True) as tx:
            rows = tx.all("SELECT record_id FROM records WHERE state = 'pending' AND (claimed_by IS NULL OR"
                          " claimed_at_s < ?) ORDER BY received_at_s, record_id LIMIT ?" + tx.skip_locked,
                          (now - self.claim_timeout_s, self.batch_size))
            if not rows:
                return []
            ids = [r[0] for r in rows]
            marks = ", ".join("?" for _ in ids)
            tx.execute(f"UPDATE records SET claimed_by = ?, claimed_at_s = ? WHERE record_id IN ({marks})",
                       (self.worker_id, now, *ids))
            return [(r[0], r[1], r[2], bytes(r[3])) for r in tx.all(
                "SELECT r.record_id, r.device_id, r.envelope_sha256, d.signing_public_key FROM records r"
                f" JOIN devices d ON d.device_id = r.device_id WHERE r.record_id IN ({marks})", ids)]

    def _process(self, tx: Transaction, process_id: str | None) -> procs.Process | None:
        if process_id is None:
            return None
        if process_id not in self._processes:
            self._processes[process_id] = procs.get(tx, process_id)
        return self._processes[process_id]

    def run_once(self) -> int:
        """Claim, verify and record one batch; returns how many records got an outcome or went to review."""
        claimed = self.claim()
        if not claimed:
            return 0
        examined: list[Examined] = []
        for record_id, device_id, sha, device_key in claimed:
            try:
                envelope = self.blobs.get(sha)
            except StorageError as exc:
                with self.db.transaction() as tx:
                    audit.record_event(tx, actor=self.actor, action="verify.error", subject=record_id,
                                       detail={"error": str(exc)})
                continue  # stays claimed; retried after the claim expires, and an operator sees the audit entry
            examined.append(examine(record_id, device_id, envelope, self.opener, device_key))
        now = self.clock()
        examined.sort(key=lambda e: (e.process_id or "", citizen_key(e.cic, e.identificador) if e.ok else "",
                                     e.record_id))
        with self.db.transaction(exclusive=True) as tx:
            tally: dict[str, int] = {}
            for ex in examined:
                code = self._record(tx, ex, now)
                tally[code] = tally.get(code, 0) + 1
            # one entry per batch (the outcome of each record is in its row; 16 M audit rows would add nothing)
            audit.record_event(tx, actor=self.actor, action="verify.batch", detail=tally, at_s=now)
        return len(examined)

    def _record(self, tx: Transaction, ex: Examined, now: float) -> str:
        process = self._process(tx, ex.process_id) if ex.ok else None
        elector = ln.lookup(tx, ex.cic, ex.identificador) if ex.ok and ex.cic and ex.identificador else None
        verdict = judge(ex, process, elector)
        key = citizen_key(ex.cic, ex.identificador) if ex.ok else None
        entidad, distrito, seccion = verdict.geography
        tx.execute("UPDATE records SET process_id = ?, aspirant_id = ?, citizen_key = ?, captured_wall_s = ?,"
                   " entidad = ?, distrito = ?, seccion = ?, flags = ? WHERE record_id = ?",
                   (ex.process_id if ex.ok else None, ex.aspirant_id if ex.ok else None, key,
                    ex.captured_wall_s if ex.ok else None, entidad, distrito, seccion,
                    json.dumps(list(ex.flags)), ex.record_id))
        if verdict.outcome is None:
            tx.execute("UPDATE records SET state = 'review', claimed_by = NULL WHERE record_id = ?", (ex.record_id,))
            tx.execute("INSERT INTO review_items (record_id, source, reason, created_at_s, created_by)"
                       " VALUES (?, 'verificacion', ?, ?, ?)", (ex.record_id, verdict.review_reason, now, self.actor))
            return f"revision:{verdict.review_reason}"
        outcome = verdict.outcome
        if outcome == "en_lista_nominal":
            outcome = apply_support(tx, record_id=ex.record_id, process_id=ex.process_id, key=key,
                                    aspirant_id=ex.aspirant_id, captured_wall_s=ex.captured_wall_s,
                                    actor=self.actor, now=now)
        finish(tx, record_id=ex.record_id, outcome=outcome, reason=verdict.reason, now=now)
        return outcome

    def run_until_idle(self, *, max_batches: int | None = None) -> int:
        total, batches = 0, 0
        while max_batches is None or batches < max_batches:
            done = self.run_once()
            if done == 0:
                break
            total += done
            batches += 1
        return total
