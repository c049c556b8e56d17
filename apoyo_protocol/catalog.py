"""The process catalog: every kind of process a kiosk collects for, signed and versioned by central.

Seven kinds (FACTS §4), each with its legal basis, the act the citizen performs and the wording they see:

=============================  =====================================  =========================
kind                           legal basis                            act (what the citizen does)
=============================  =====================================  =========================
candidatura_independiente      LGIPE 369, 371, 385 (federal); state   apoyo
                               law (``office_level`` = ``local``)
consulta_popular               CPEUM 35-VIII; LF Consulta Popular     apoyo
iniciativa_ciudadana           CPEUM 71-IV                            apoyo
revocacion_mandato             CPEUM 35-IX; LF Revocación de Mandato  apoyo
partido_en_formacion           LGPP 10-13                             afiliacion
afiliacion_partido             LGPP; INE/CG33/2019, INE/CG640/2022    afiliacion or refrendo
agrupacion_politica            LGPP 22                                afiliacion (asociado)
=============================  =====================================  =========================

A process entry (canonical JSON inside the signed catalog)::

    {"id", "kind", "act", "office_level" (candidatura only: "federal" | "local"),
     "title": {"es", "en"}, "responsable", "privacy_url", "legal_basis",
     "starts_on", "ends_on" (calendar days, Mexico City, inclusive),
     "ambito": {"level": "nacional" | "entidad" | "distrito" | "seccion", "entidad", "distrito", "seccion"},
     "threshold": {"percent" | "absolute", "base": "lista_nominal" | "padron",
                   "distribution": {"unit", "min_units" (int or "half"), "unit_percent" | "unit_absolute"}},
     "aspirants": [{"id", "name", "office": {"es", "en"}}]}

The signed catalog is a signed object (:mod:`apoyo_protocol.signed`, magic ``APYG``, context
``b"apoyo-central/catalog/v1\\0"``) with body ``{"v": 1, "key_id", "version" (catalog version, grows with every
issue), "issued_at_s", "is_development", "processes": [...]}``. :func:`verify_catalog` refuses a bad signature
(:class:`IntegrityError`) and a version older than the installed one (:class:`StaleCatalog`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apoyo_protocol.errors import IntegrityError, InvalidField, StaleCatalog
from apoyo_protocol.signed import SignedKind, read_object, sign_object, verify_object

FORMAT_VERSION = 1
KIND = SignedKind(b"APYG", FORMAT_VERSION, b"apoyo-central/catalog/v1\x00", "catalog failed verification")
CATALOG_FILE = "catalog.apyg"
LANGUAGES = ("es", "en")
PROCESS_KINDS = ("candidatura_independiente", "consulta_popular", "iniciativa_ciudadana", "revocacion_mandato",
                 "partido_en_formacion", "afiliacion_partido", "agrupacion_politica")
ACTS = ("apoyo", "afiliacion", "refrendo")
#: kind -> the acts a process of that kind may ask for (the first is the default).
KIND_ACTS: dict[str, tuple[str, ...]] = {
    "candidatura_independiente": ("apoyo",), "consulta_popular": ("apoyo",), "iniciativa_ciudadana": ("apoyo",),
    "revocacion_mandato": ("apoyo",), "partido_en_formacion": ("afiliacion",),
    "afiliacion_partido": ("afiliacion", "refrendo"), "agrupacion_politica": ("afiliacion",),
}
OFFICE_LEVELS = ("federal", "local")
AMBITO_LEVELS = ("nacional", "entidad", "distrito", "seccion")
BASES = ("lista_nominal", "padron")
UNITS = ("entidad", "distrito", "seccion")

#: Legal basis per kind (FACTS §4), shown on the privacy notice; a local candidatura names its state law.
LEGAL_BASIS: dict[str, str] = {
    "candidatura_independiente": "LGIPE arts. 369, 371 y 385",
    "consulta_popular": "CPEUM art. 35-VIII; Ley Federal de Consulta Popular",
    "iniciativa_ciudadana": "CPEUM art. 71-IV",
    "revocacion_mandato": "CPEUM art. 35-IX; Ley Federal de Revocación de Mandato",
    "partido_en_formacion": "LGPP arts. 10 a 13",
    "afiliacion_partido": "LGPP; acuerdos INE/CG33/2019 e INE/CG640/2022",
    "agrupacion_politica": "LGPP art. 22",
}

#: The legal threshold rule of each kind (FACTS §4), as central's reports evaluate it. Candidaturas depend on the
#: office: :func:`candidatura_threshold`. Local offices follow state law and must state their rule.
LEGAL_THRESHOLDS: dict[str, dict[str, Any]] = {
    "consulta_popular": {"percent": 2.0, "base": "lista_nominal"},
    "iniciativa_ciudadana": {"percent": 0.13, "base": "lista_nominal"},
    "revocacion_mandato": {"percent": 3.0, "base": "lista_nominal",
                           "distribution": {"unit": "entidad", "min_units": 17, "unit_percent": 3.0}},
    # affiliates >= 0.26 % of the padrón (plus assemblies in 20 entidades or 200 districts, not counted here)
    "partido_en_formacion": {"percent": 0.26, "base": "padron"},
    "afiliacion_partido": {"percent": 0.26, "base": "padron"},
    # >= 5,000 asociados nationally and delegations in >= 7 entidades (one asociado there at least)
    "agrupacion_politica": {"absolute": 5000, "base": "padron",
                            "distribution": {"unit": "entidad", "min_units": 7, "unit_absolute": 1}},
}

#: What the citizen sees per act: the noun, the verb phrase, the confirmation title, sentence ({aspirant}, {process}),
#: button and the one-per-person rule.
WORDING: dict[str, dict[str, dict[str, str]]] = {
    "apoyo": {
        "es": {"noun": "apoyo", "action": "dar tu apoyo", "confirm": "Vas a dar tu apoyo a {aspirant} en {process}.",
               "send": "Sí, enviar mi apoyo",
               "title": "Confirma tu apoyo", "once": "Recuerda: solo cuenta el primer apoyo que das en cada proceso."},
        "en": {"noun": "support", "action": "give your support",
               "confirm": "You are giving your support to {aspirant} in {process}.", "send": "Yes, send my support",
               "title": "Confirm your support", "once": "Remember: only the first support you give in each process counts."},
    },
    "afiliacion": {
        "es": {"noun": "afiliación", "action": "afiliarte",
               "confirm": "Vas a afiliarte a {aspirant} ({process}).", "send": "Sí, enviar mi afiliación",
               "title": "Confirma tu afiliación", "once": "Solo puedes estar afiliada o afiliado a una organización a la vez."},
        "en": {"noun": "membership", "action": "join",
               "confirm": "You are joining {aspirant} ({process}).", "send": "Yes, send my membership",
               "title": "Confirm your membership", "once": "You can be a member of only one organisation at a time."},
    },
    "refrendo": {
        "es": {"noun": "refrendo", "action": "refrendar tu afiliación",
               "confirm": "Vas a refrendar tu afiliación a {aspirant} ({process}).", "send": "Sí, enviar mi refrendo",
               "title": "Confirma tu refrendo", "once": "El refrendo confirma que sigues afiliada o afiliado a este partido."},
        "en": {"noun": "renewal", "action": "renew your membership",
               "confirm": "You are renewing your membership of {aspirant} ({process}).",
               "send": "Yes, send my renewal", "title": "Confirm your renewal",
               "once": "The renewal confirms that you are still a member of this party."},
    },
}


def candidatura_threshold(office: str) -> dict[str, Any]:
    """LGIPE art. 371 for a federal independent candidacy: ``presidencia``, ``senaduria`` or ``diputacion``."""
    rules = {
        "presidencia": {"percent": 1.0, "base": "lista_nominal",
                        "distribution": {"unit": "entidad", "min_units": 17, "unit_percent": 1.0}},
        "senaduria": {"percent": 2.0, "base": "lista_nominal",
                      "distribution": {"unit": "distrito", "min_units": "half", "unit_percent": 1.0}},
        "diputacion": {"percent": 2.0, "base": "lista_nominal",
                       "distribution": {"unit": "seccion", "min_units": "half", "unit_percent": 1.0}},
    }
    if office not in rules:
        raise InvalidField("office", f"one of {', '.join(rules)}")
    return rules[office]


@dataclass(frozen=True)
class Aspirant:
    """Who receives the support: a candidate, or the promovente of a consulta/iniciativa/revocación/party."""

    id: str
    name: str
    office: Mapping[str, str]  # language -> office or role


@dataclass(frozen=True)
class Process:
    id: str
    kind: str
    act: str
    title: Mapping[str, str]
    aspirants: tuple[Aspirant, ...]
    legal_basis: str
    starts_on: dt.date
    ends_on: dt.date  # inclusive
    responsable: str
    privacy_url: str
    ambito: Mapping[str, Any] = field(default_factory=lambda: {"level": "nacional"})
    threshold: Mapping[str, Any] = field(default_factory=dict)
    office_level: str | None = None

    def is_active(self, today: dt.date) -> bool:
        return self.starts_on <= today <= self.ends_on

    def wording(self, lang: str) -> Mapping[str, str]:
        return WORDING[self.act][lang]


@dataclass(frozen=True)
class Catalog:
    version: int
    is_development: bool
    processes: tuple[Process, ...]
    issued_at_s: float = 0.0

    def active(self, today: dt.date) -> tuple[Process, ...]:
        return tuple(p for p in self.processes if p.is_active(today))

    def get(self, process_id: str) -> Process | None:
        return next((p for p in self.processes if p.id == process_id), None)


def _text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"{where}.{key}", "missing or empty text")
    return value.strip()


def _titles(obj: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = obj.get(key)
    if not isinstance(value, Mapping):
        raise InvalidField(f"{where}.{key}", "must be an object with 'es' and 'en' texts")
    return {lang: _text(value, lang, f"{where}.{key}") for lang in LANGUAGES}


def _date(obj: Mapping[str, Any], key: str, where: str) -> dt.date:
    raw = obj.get(key)
    try:
        if isinstance(raw, str):
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise InvalidField(f"{where}.{key}", f"expected a date YYYY-MM-DD, got {raw!r}")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _ambito(raw: Any, where: str) -> dict[str, Any]:
    amb = {"level": "nacional"} if raw is None else raw
    if not isinstance(amb, Mapping) or amb.get("level") not in AMBITO_LEVELS:
        raise InvalidField(f"{where}.ambito", f"level must be one of {', '.join(AMBITO_LEVELS)}")
    needed = AMBITO_LEVELS[1:AMBITO_LEVELS.index(amb["level"]) + 1]
    for key in needed:
        if not _int(amb.get(key)) or amb[key] <= 0:
            raise InvalidField(f"{where}.ambito.{key}", f"a positive number is needed for level {amb['level']}")
    if set(amb) - {"level", *needed}:
        raise InvalidField(f"{where}.ambito", f"unexpected keys {sorted(set(amb) - {'level', *needed})}")
    return dict(amb)


def _threshold(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidField(f"{where}.threshold", "the legal threshold rule is required (FACTS §4)")
    if ("percent" in raw) == ("absolute" in raw):
        raise InvalidField(f"{where}.threshold", "exactly one of percent or absolute")
    if not _number(raw.get("percent", raw.get("absolute"))):
        raise InvalidField(f"{where}.threshold", "percent/absolute must be a positive number")
    if raw.get("base", "lista_nominal") not in BASES:
        raise InvalidField(f"{where}.threshold.base", f"one of {', '.join(BASES)}")
    dist = raw.get("distribution")
    if dist is not None:
        if not isinstance(dist, Mapping) or dist.get("unit") not in UNITS:
            raise InvalidField(f"{where}.threshold.distribution.unit", f"one of {', '.join(UNITS)}")
        mu = dist.get("min_units")
        if mu != "half" and not (_int(mu) and mu > 0):
            raise InvalidField(f"{where}.threshold.distribution.min_units", "a positive number or 'half'")
        if ("unit_percent" in dist) == ("unit_absolute" in dist) or \
                not _number(dist.get("unit_percent", dist.get("unit_absolute"))):
            raise InvalidField(f"{where}.threshold.distribution", "exactly one positive unit_percent or unit_absolute")
    if set(raw) - {"percent", "absolute", "base", "distribution"}:
        raise InvalidField(f"{where}.threshold", "unexpected keys")
    return {"base": "lista_nominal", **raw}


def parse_process(raw: Any, where: str = "process") -> Process:
    """Validate one process entry. Raises InvalidField naming the field, e.g. ``processes[0].aspirants[1].name``."""
    if not isinstance(raw, Mapping):
        raise InvalidField(where, "must be an object")
    pid = _text(raw, "id", where)
    kind = _text(raw, "kind", where)
    if kind not in PROCESS_KINDS:
        raise InvalidField(f"{where}.kind", f"{kind!r} is not one of {', '.join(PROCESS_KINDS)}")
    act = raw.get("act", KIND_ACTS[kind][0])
    if act not in KIND_ACTS[kind]:
        raise InvalidField(f"{where}.act", f"a {kind} process asks for {' or '.join(KIND_ACTS[kind])}")
    office_level = raw.get("office_level")
    if kind == "candidatura_independiente":
        if office_level not in OFFICE_LEVELS:
            raise InvalidField(f"{where}.office_level", "federal or local for an independent candidacy")
    elif office_level is not None:
        raise InvalidField(f"{where}.office_level", "only an independent candidacy has one")
    starts, ends = _date(raw, "starts_on", where), _date(raw, "ends_on", where)
    if ends < starts:
        raise InvalidField(f"{where}.ends_on", "is before starts_on")
    raw_aspirants = raw.get("aspirants")
    if not isinstance(raw_aspirants, list) or not raw_aspirants:
        raise InvalidField(f"{where}.aspirants", "must be a non-empty list")
    aspirants: list[Aspirant] = []
    for j, ra in enumerate(raw_aspirants):
        awhere = f"{where}.aspirants[{j}]"
        if not isinstance(ra, Mapping):
            raise InvalidField(awhere, "must be an object")
        aid = _text(ra, "id", awhere)
        if any(a.id == aid for a in aspirants):
            raise InvalidField(f"{awhere}.id", f"duplicate aspirant id {aid!r}")
        aspirants.append(Aspirant(aid, _text(ra, "name", awhere), _titles(ra, "office", awhere)))
    legal = raw.get("legal_basis", LEGAL_BASIS[kind] if office_level != "local" else None)
    if not isinstance(legal, str) or not legal.strip():
        raise InvalidField(f"{where}.legal_basis", "must be non-empty text (a local office names its state law)")
    threshold_raw = raw.get("threshold", LEGAL_THRESHOLDS.get(kind))
    return Process(id=pid, kind=kind, act=act, title=_titles(raw, "title", where), aspirants=tuple(aspirants),
                   legal_basis=legal.strip(), starts_on=starts, ends_on=ends,
                   responsable=_text(raw, "responsable", where), privacy_url=_text(raw, "privacy_url", where),
                   ambito=_ambito(raw.get("ambito"), where), threshold=_threshold(threshold_raw, where),
                   office_level=office_level)


def parse_processes(raw: Any) -> tuple[Process, ...]:
    if not isinstance(raw, list):
        raise InvalidField("processes", "must be a list")
    out: list[Process] = []
    for i, entry in enumerate(raw):
        p = parse_process(entry, f"processes[{i}]")
        if any(q.id == p.id for q in out):
            raise InvalidField(f"processes[{i}].id", f"duplicate process id {p.id!r}")
        out.append(p)
    return tuple(out)


def sign_catalog(private_key: Any, key_id: str, *, version: int, issued_at_s: float, processes: Sequence[Any],
                 is_development: bool = False) -> bytes:
    """Central side: validate the entries and sign catalog ``version``. Raises InvalidField."""
    if not _int(version) or version < 1:
        raise InvalidField("version", "a catalog version is a positive integer")
    parse_processes(list(processes))
    return sign_object(KIND, {"v": FORMAT_VERSION, "key_id": key_id, "version": version,
                              "issued_at_s": round(float(issued_at_s), 3), "is_development": bool(is_development),
                              "processes": [dict(p) for p in processes]}, private_key)


def catalog_version_unverified(blob: bytes) -> int:
    """The version a catalog claims, WITHOUT checking its signature (for messages only)."""
    version = read_object(KIND, blob).get("version")
    return version if _int(version) else 0


def verify_catalog(blob: bytes, keys: Mapping[str, Any], *, installed_version: int | None = None) -> Catalog:
    """Check signature (``keys``: key id -> Ed25519PublicKey) and content; refuse a version older than
    ``installed_version``. Raises IntegrityError (bad signature, framing), StaleCatalog (older), InvalidField
    (a signed catalog whose content is wrong: central's bug, still refused)."""
    body = verify_object(KIND, blob, keys)
    if body.get("v") != FORMAT_VERSION or not _int(body.get("version")) or body["version"] < 1 \
            or not isinstance(body.get("is_development"), bool):
        raise IntegrityError(KIND.opaque_error)
    if installed_version is not None and body["version"] < installed_version:
        raise StaleCatalog(f"catalog version {body['version']} is older than the installed version "
                           f"{installed_version}; refusing a rollback")
    issued = body.get("issued_at_s")
    return Catalog(version=body["version"], is_development=body["is_development"],
                   processes=parse_processes(body.get("processes")),
                   issued_at_s=float(issued) if isinstance(issued, (int, float)) else 0.0)
