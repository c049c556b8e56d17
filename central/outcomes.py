"""Verification outcomes (FACTS §5): one stable code per category, whether it counts, and its Spanish label.

Codes are what the database, the JSON reports and the garantía de audiencia carry; labels are what people read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    code: str
    counts: bool
    label: str
    legal_basis: str = ""


_ALL = (
    Outcome("en_lista_nominal", True, "En Lista Nominal (válido)", "LGIPE 385.1"),
    Outcome("duplicado_mismo_aspirante", False, "Duplicado – mismo aspirante (cuenta una vez)", "LGIPE 385.2 f"),
    Outcome("duplicado_otro_aspirante", False, "Duplicado – apoyo ya dado a otro aspirante (cuenta el primero)",
            "LGIPE 385.2 g"),
    Outcome("no_vigente", False, "En padrón, no en Lista Nominal / credencial no vigente", "LGIPE 385.2 b"),
    Outcome("baja", False, "Baja del padrón", "LGIPE 385.2 e"),
    Outcome("fuera_de_ambito", False, "Fuera del ámbito geoelectoral", "LGIPE 385.2 c, d"),
    Outcome("no_encontrado", False, "No encontrado en la Lista Nominal (tras revisión)", "LGIPE 385.1"),
    Outcome("inconsistencia", False, "Inconsistencia (mesa de control)", "LGIPE 385.2 a, b"),
    Outcome("fuera_de_periodo", False, "Capturado fuera del periodo del proceso", "LGIPE 369"),
    Outcome("proceso_desconocido", False, "Proceso o aspirante que no está en el catálogo", ""),
    Outcome("contenido_invalido", False, "Registro ilegible o inválido (no se pudo abrir o validar)", ""),
)
BY_CODE = {o.code: o for o in _ALL}
CODES = tuple(BY_CODE)

#: Why a record went to the mesa de control instead of getting an outcome at once.
REVIEW_REASONS = {
    "no_encontrado": "no aparece en la Lista Nominal: búsqueda manual",
    "marcas_de_fraude": "el kiosco marcó posibles fotocopia, pantalla o simulación",
    "texto_frontal": "el texto del frente no coincide con el reverso",
    "datos_erroneos": "dígitos verificadores del MRZ no coinciden",
    "segunda_revision": "el aspirante pidió una segunda revisión (garantía de audiencia)",
}
#: What a reviewer may decide about a record that does not count.
INCONSISTENCIES = ("simulacion", "fotocopia", "otro_documento", "pantalla", "imagen_no_corresponde", "sin_firma",
                   "foto_viva_no_corresponde", "no_encontrado")


def get(code: str) -> Outcome:
    return BY_CODE[code]
