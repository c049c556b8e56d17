"""The lista nominal table: import from CSV, a synthetic national-scale generator, and the lookup verification uses.

Rows are keyed as the credential's MRZ is (models E-H): CIC (9 digits) + identificador del ciudadano (9 digits),
and carry the geography verification checks ámbito against (entidad, distrito federal, municipio, sección) and the
situación registral: ``vigente`` (in the LN), ``no_vigente`` (in the padrón, card not current) or ``baja`` (with a
DERFE cause). The synthetic list holds **synthetic citizens only**: every CIC/identificador comes from a keyed
permutation of the row number, so any row can be recomputed from its index (tests build records for citizen #i
without reading the table) and no two rows share a key.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from central.db import Transaction
from central.errors import CentralError

COLUMNS = ("cic", "identificador", "entidad", "distrito", "municipio", "seccion", "situacion", "baja_causa")
SITUACIONES = ("vigente", "no_vigente", "baja")
BAJA_CAUSAS = ("defuncion", "suspension_derechos_politicos", "duplicado_en_padron", "usurpacion_de_identidad",
               "datos_personales_irregulares", "domicilio_irregular", "perdida_de_vigencia",
               "determinacion_judicial", "cancelacion_de_tramite")
# Rough share of each entidad (1 Aguascalientes … 32 Zacatecas) in the national list, in tenths of a million, and
# its number of federal districts (300 in all): enough for threshold rules such as "1 % in 17 entidades" to behave
# as they do at national scale.
ENTIDAD_WEIGHTS = (10, 29, 6, 7, 23, 6, 38, 29, 78, 13, 46, 26, 23, 62, 124, 36, 15, 9, 42, 30, 47, 17, 13, 20,
                   22, 22, 18, 27, 10, 60, 17, 12)
ENTIDAD_DISTRITOS = (3, 9, 2, 2, 8, 2, 13, 9, 22, 4, 15, 8, 7, 20, 41, 11, 5, 3, 14, 10, 16, 6, 4, 7, 7, 7, 6, 8,
                     3, 19, 6, 4)
SECCIONES_PER_DISTRITO = 8
_MOD = 10**9
_CIC_MUL, _CIC_ADD = 48_271_207, 104_729_003  # multipliers coprime with 10^9: a permutation of 0..10^9-1
_ID_MUL, _ID_ADD = 69_069_001, 362_436_069


class ListaNominalError(CentralError, ValueError):
    code = "lista_nominal_invalid"


@dataclass(frozen=True)
class Elector:
    cic: str
    identificador: str
    entidad: int
    distrito: int
    municipio: int
    seccion: int
    situacion: str
    baja_causa: str | None

    def row(self) -> tuple:
        return (self.cic, self.identificador, self.entidad, self.distrito, self.municipio, self.seccion,
                self.situacion, self.baja_causa)


def synthetic_keys(index: int) -> tuple[str, str]:
    """(cic, identificador) of synthetic citizen ``index`` (0 <= index < 10^9)."""
    return (f"{(index * _CIC_MUL + _CIC_ADD) % _MOD:09d}", f"{(index * _ID_MUL + _ID_ADD) % _MOD:09d}")


def _cumulative(weights: Iterable[int]) -> list[int]:
    out, total = [], 0
    for w in weights:
        total += w
        out.append(total)
    return out


_ENTIDAD_CUM = _cumulative(ENTIDAD_WEIGHTS)


def generate(rows: int, *, seed: int = 2026, start: int = 0) -> Iterator[tuple]:
    """Rows ``start .. start+rows-1`` of the synthetic list as tuples in :data:`COLUMNS` order.

    One seeded generator for the whole run (about 1 M rows in a few seconds); the keys of row i are
    :func:`synthetic_keys` (i), so a test or benchmark can build a record for any row without reading the table.
    """
    rng = random.Random(seed)
    cum = _ENTIDAD_CUM
    ents = rng.choices(range(1, 33), cum_weights=cum, k=rows)
    for offset, entidad in enumerate(ents):
        index = start + offset
        distrito = rng.randint(1, ENTIDAD_DISTRITOS[entidad - 1])
        seccion = (distrito - 1) * SECCIONES_PER_DISTRITO + rng.randint(1, SECCIONES_PER_DISTRITO)
        u = rng.random()
        if u < 0.01:
            situacion, causa = "baja", BAJA_CAUSAS[index % len(BAJA_CAUSAS)]
        elif u < 0.03:
            situacion, causa = "no_vigente", None
        else:
            situacion, causa = "vigente", None
        yield (f"{(index * _CIC_MUL + _CIC_ADD) % _MOD:09d}", f"{(index * _ID_MUL + _ID_ADD) % _MOD:09d}",
               entidad, distrito, (seccion - 1) // 3 + 1, seccion, situacion, causa)


def load(tx: Transaction, rows: Iterable[tuple], *, replace: bool = False) -> int:
    """Bulk-load rows (COPY on PostgreSQL); ``replace`` empties the table first (a new cut of the list)."""
    if replace:
        tx.execute("DELETE FROM lista_nominal")
    return tx.copy_rows("lista_nominal", COLUMNS, rows)


def add(tx: Transaction, electors: Iterable[Elector]) -> int:
    """Insert specific electors (tests, corrections); existing keys are replaced."""
    count = 0
    for e in electors:
        tx.execute("DELETE FROM lista_nominal WHERE cic = ? AND identificador = ?", (e.cic, e.identificador))
        tx.execute(f"INSERT INTO lista_nominal ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                   e.row())
        count += 1
    return count


def read_csv(path: Path) -> Iterator[tuple]:
    """Rows of a CSV with the :data:`COLUMNS` header; raises ListaNominalError naming the line of a bad row."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ListaNominalError(f"{path}: header must be {','.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            try:
                cic, ident = row["cic"], row["identificador"]
                if len(cic) != 9 or not cic.isdigit() or len(ident) != 9 or not ident.isdigit():
                    raise ValueError("cic and identificador must be 9 digits")
                situacion = row["situacion"]
                if situacion not in SITUACIONES:
                    raise ValueError(f"situacion must be one of {SITUACIONES}")
                causa = row["baja_causa"] or None
                if (situacion == "baja") != (causa is not None):
                    raise ValueError("baja_causa is required for a baja and only there")
                yield (cic, ident, int(row["entidad"]), int(row["distrito"]), int(row["municipio"]),
                       int(row["seccion"]), situacion, causa)
            except (ValueError, KeyError, TypeError) as exc:
                raise ListaNominalError(f"{path}:{line}: {exc}") from exc


def lookup(tx: Transaction, cic: str, identificador: str) -> Elector | None:
    row = tx.one(f"SELECT {', '.join(COLUMNS)} FROM lista_nominal WHERE cic = ? AND identificador = ?",
                 (cic, identificador))
    return None if row is None else Elector(*row)


def count_vigentes(tx: Transaction, *, entidad: int | None = None, distrito: int | None = None) -> int:
    sql, params = "SELECT COUNT(*) FROM lista_nominal WHERE situacion = 'vigente'", []
    if entidad is not None:
        sql += " AND entidad = ?"
        params.append(entidad)
    if distrito is not None:
        sql += " AND distrito = ?"
        params.append(distrito)
    return int(tx.scalar(sql, params))
