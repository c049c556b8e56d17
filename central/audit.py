"""Central's audit log: who did what to which record or device, append-only, in the caller's transaction.

Entries name ids and stable codes, never citizen data (no CIC, no names, no images): the log is read by
operators and auditors who must not learn who supported whom.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from central.db import Transaction


def record_event(tx: Transaction, *, actor: str, action: str, subject: str | None = None,
                 detail: Mapping[str, Any] | None = None, at_s: float | None = None) -> None:
    """Append one entry (committed, or rolled back, with ``tx``)."""
    tx.execute("INSERT INTO audit (at_s, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
               (time.time() if at_s is None else at_s, actor, action, subject,
                json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False)))


def events(tx: Transaction, *, subject: str | None = None, action: str | None = None,
           limit: int = 1000) -> list[dict[str, Any]]:
    """Newest-last entries, optionally filtered by subject and/or action."""
    where, params = [], []
    if subject is not None:
        where.append("subject = ?")
        params.append(subject)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    sql = "SELECT audit_id, at_s, actor, action, subject, detail FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = tx.all(sql + " ORDER BY audit_id LIMIT ?", (*params, limit))
    return [{"id": r[0], "at_s": r[1], "actor": r[2], "action": r[3], "subject": r[4],
             "detail": json.loads(r[5]) if r[5] else {}} for r in rows]
