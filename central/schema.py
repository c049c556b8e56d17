"""Schema migrations, applied in order by :meth:`central.db.Database.migrate`.

Statements use ``{blob}``, ``{bigint}``, ``{real}`` and ``{serial_pk}`` for the words SQLite and PostgreSQL spell
differently; everything else is portable SQL. Never edit a released migration: add the next one.

Record states: ``pending`` (stored, receipt given, not yet verified) -> ``verified`` (an outcome is final) or
``review`` (waiting for the mesa de control). Outcome codes are in :mod:`central.outcomes`.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        # Devices enrolled with central's CA; ingest trusts a client certificate only if its fingerprint is here
        # and active (revocation is immediate, no CRL distribution needed for our own API).
        """CREATE TABLE devices (
            device_id TEXT PRIMARY KEY,
            office_id TEXT NOT NULL,
            signing_public_key {blob} NOT NULL,
            cert_sha256 TEXT NOT NULL UNIQUE,
            cert_pem TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
            enrolled_at_s {real} NOT NULL,
            revoked_at_s {real},
            revoked_reason TEXT
        )""",
        """CREATE TABLE processes (
            process_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            definition TEXT NOT NULL,
            catalog_version INTEGER NOT NULL
        )""",
        """CREATE TABLE records (
            record_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (device_id),
            envelope_sha256 TEXT NOT NULL,
            size_bytes {bigint} NOT NULL,
            received_at_s {real} NOT NULL,
            receipt {blob} NOT NULL,
            folio TEXT NOT NULL,
            seq {bigint} NOT NULL,
            sealed_wall_s {real} NOT NULL,
            captured_wall_s {real},
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'review', 'verified')),
            claimed_by TEXT,
            claimed_at_s {real},
            process_id TEXT,
            aspirant_id TEXT,
            citizen_key TEXT,
            entidad INTEGER,
            distrito INTEGER,
            seccion INTEGER,
            outcome TEXT,
            reason TEXT,
            counts INTEGER NOT NULL DEFAULT 0,
            flags TEXT,
            verified_at_s {real}
        )""",
        "CREATE INDEX records_state ON records (state, received_at_s)",
        "CREATE INDEX records_progress ON records (process_id, aspirant_id, outcome)",
        "CREATE INDEX records_folio ON records (folio)",
        # The first counting support of each citizen in each process (LGIPE 385.2 f/g: the first one counts).
        """CREATE TABLE citizen_supports (
            process_id TEXT NOT NULL,
            citizen_key TEXT NOT NULL,
            record_id TEXT NOT NULL REFERENCES records (record_id),
            aspirant_id TEXT NOT NULL,
            captured_wall_s {real} NOT NULL,
            PRIMARY KEY (process_id, citizen_key)
        )""",
        # The lista nominal (synthetic here), keyed as the credential's MRZ is: CIC + identificador del ciudadano.
        """CREATE TABLE lista_nominal (
            cic TEXT NOT NULL,
            identificador TEXT NOT NULL,
            entidad INTEGER NOT NULL,
            distrito INTEGER NOT NULL,
            municipio INTEGER NOT NULL,
            seccion INTEGER NOT NULL,
            situacion TEXT NOT NULL CHECK (situacion IN ('vigente', 'no_vigente', 'baja')),
            baja_causa TEXT,
            PRIMARY KEY (cic, identificador)
        )""",
        """CREATE TABLE review_items (
            review_id {serial_pk},
            record_id TEXT NOT NULL REFERENCES records (record_id),
            source TEXT NOT NULL CHECK (source IN ('verificacion', 'audiencia')),
            reason TEXT NOT NULL,
            argument TEXT,
            state TEXT NOT NULL DEFAULT 'abierto' CHECK (state IN ('abierto', 'resuelto')),
            created_at_s {real} NOT NULL,
            created_by TEXT NOT NULL,
            decided_by TEXT,
            decided_at_s {real},
            decision TEXT,
            note TEXT
        )""",
        "CREATE INDEX review_open ON review_items (state, review_id)",
        """CREATE TABLE accounts (
            username TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('reviewer', 'aspirant', 'admin')),
            process_id TEXT,
            aspirant_id TEXT,
            password_hash TEXT NOT NULL,
            created_at_s {real} NOT NULL
        )""",
        # Central's audit log: append-only; details never hold citizen data (ids and codes only).
        """CREATE TABLE audit (
            audit_id {serial_pk},
            at_s {real} NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT,
            detail TEXT
        )""",
        "CREATE INDEX audit_subject ON audit (subject)",
    ]),
    (2, [
        # Enrollment tokens (central.enrollment): only the SHA-256 of a token is kept; single use, expiring.
        """CREATE TABLE enrollment_tokens (
            token_sha256 TEXT PRIMARY KEY,
            office_id TEXT NOT NULL,
            created_at_s {real} NOT NULL,
            expires_at_s {real} NOT NULL,
            used_at_s {real},
            used_by_device TEXT
        )""",
    ]),
]
