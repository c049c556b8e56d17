"""Synthetic citizens: made-up but realistic data for SPECIMEN credentials and tests (never a real person).

Names are drawn from common Mexican name lists written for this project and combined at random, so any
resemblance to a real person is a coincidence of common names. The lists deliberately include accents, Ñ,
particles (DE LA, DEL), compound names, MARÍA/JOSÉ first names and combinations longer than the MRZ's 30
characters so every CURP and MRZ rule is exercised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from kiosk.credential.clave import generate_clave_elector
from kiosk.credential.curp import generate_curp
from kiosk.credential.models import CardModel
from kiosk.credential.mrz import MrzFields, build_td1
from kiosk.credential.states import STATES
from kiosk.errors import InvalidField

MALE_NAMES = (
    "JUAN", "JOSÉ", "LUIS", "CARLOS", "JORGE", "MIGUEL", "ÁNGEL", "JESÚS", "FRANCISCO", "ALEJANDRO", "PEDRO",
    "RICARDO", "FERNANDO", "EDUARDO", "RAÚL", "ROBERTO", "ARTURO", "SERGIO", "MARTÍN", "HÉCTOR", "RAFAEL",
    "ANDRÉS", "DIEGO", "EMILIANO", "SANTIAGO", "MATÍAS", "SEBASTIÁN", "RAMÓN", "JOAQUÍN", "IGNACIO", "ÓSCAR",
    "ADRIÁN", "ERNESTO", "GUILLERMO", "ALFONSO", "AGUSTÍN", "ISMAEL", "EFRAÍN", "NICOLÁS", "OMAR", "ULISES",
    "IÑAKI", "BENJAMÍN", "ELÍAS", "TOMÁS", "ABRAHAM", "GERARDO", "GUADALUPE", "JAVIER", "VÍCTOR",
)
FEMALE_NAMES = (
    "MARÍA", "GUADALUPE", "JUANA", "ANA", "LETICIA", "PATRICIA", "ROSA", "ELENA", "VERÓNICA", "ADRIANA",
    "GABRIELA", "LAURA", "CLAUDIA", "SOFÍA", "XIMENA", "VALERIA", "CAMILA", "REGINA", "RENATA", "FERNANDA",
    "MÓNICA", "SANDRA", "ALEJANDRA", "DANIELA", "LUCÍA", "BEATRIZ", "ITZEL", "MARISOL", "NOEMÍ", "YOLANDA",
    "CONCEPCIÓN", "ROCÍO", "INÉS", "BERENICE", "ESTEFANÍA", "ARACELI", "TERESA", "JIMENA", "PAOLA", "NAYELI",
    "CARMEN", "DOLORES", "SOLEDAD", "MAGDALENA", "ISABEL", "ANGÉLICA", "ESPERANZA", "IRMA", "ZOILA", "ÑUSTA",
)
# Two-word given names where the first is skipped by RENAPO (MARÍA/JOSÉ) or kept, and longer ones.
MALE_COMPOUND = (
    "JOSÉ LUIS", "JOSÉ ANTONIO", "JOSÉ DE JESÚS", "JUAN CARLOS", "LUIS ÁNGEL", "MIGUEL ÁNGEL",
    "JOSÉ GUADALUPE", "JUAN PABLO", "JESÚS ALBERTO", "FRANCISCO JAVIER", "JOSÉ MARÍA", "CARLOS ALBERTO",
    "MARCO ANTONIO", "JOSÉ FRANCISCO JAVIER", "JUAN DE DIOS",
)
FEMALE_COMPOUND = (
    "MARÍA GUADALUPE", "MARÍA FERNANDA", "MARÍA JOSÉ", "ANA MARÍA", "MARÍA DE LOS ÁNGELES", "MARÍA DEL CARMEN",
    "MA. ELENA", "LUZ MARÍA", "ROSA ISELA", "MARÍA DE LA LUZ", "ANA SOFÍA", "MARÍA GUADALUPE DEL ROSARIO",
    "MARÍA DEL PILAR", "DIANA LAURA", "MARÍA CONCEPCIÓN",
)
SURNAMES = (
    "HERNÁNDEZ", "GARCÍA", "MARTÍNEZ", "LÓPEZ", "GONZÁLEZ", "RODRÍGUEZ", "PÉREZ", "SÁNCHEZ", "RAMÍREZ", "CRUZ",
    "FLORES", "GÓMEZ", "MORALES", "VÁZQUEZ", "REYES", "JIMÉNEZ", "TORRES", "DÍAZ", "GUTIÉRREZ", "RUIZ",
    "MENDOZA", "AGUILAR", "ORTIZ", "MORENO", "CASTILLO", "ROMERO", "ÁLVAREZ", "MÉNDEZ", "CHÁVEZ", "RIVERA",
    "JUÁREZ", "RAMOS", "DOMÍNGUEZ", "HERRERA", "MEDINA", "CASTRO", "VARGAS", "GUZMÁN", "VELÁZQUEZ", "ROJAS",
    "MUÑOZ", "NÚÑEZ", "IBÁÑEZ", "PEÑA", "CASTAÑEDA", "ZÚÑIGA", "MONTAÑO", "ORDÓÑEZ", "ÑECO", "SALDAÑA",
    "DE LA CRUZ", "DEL RÍO", "DE LEÓN", "DE LA ROSA", "DE LOS SANTOS", "DEL ÁNGEL", "DE LA GARZA", "DEL VALLE",
    "VAN DER BERG", "MC GREGOR", "SERRANO", "VEGA", "ESPINOZA", "OCHOA", "UREÑA", "EUAN", "UC", "OOMEN",
    "XOCHIPA", "TZEC", "CHI", "PECH", "IBARRA", "QUINTERO", "ZAMUDIO", "VILLASEÑOR", "ARREOLA", "BECERRA",
    "FERNÁNDEZ DE CÓRDOBA", "PONCE DE LEÓN", "MONTES DE OCA", "BUSTAMANTE", "ECHEVERRÍA", "ALTAMIRANO",
)
STREETS = (
    "AV JUÁREZ", "C HIDALGO", "C MORELOS", "AV INDEPENDENCIA", "C 5 DE MAYO", "AV REVOLUCIÓN", "C ALLENDE",
    "C NIÑOS HÉROES", "AV LÁZARO CÁRDENAS", "C GUERRERO", "PRIV LAS PALMAS", "C PINO SUÁREZ", "C ZARAGOZA",
    "AND DE LOS FRESNOS", "CDA DEL SOL", "C EMILIANO ZAPATA", "AV CONSTITUCIÓN", "C ALDAMA", "C MATAMOROS",
)
COLONIAS = (
    "CENTRO", "LAS FLORES", "SAN JUAN", "EL ROSARIO", "LOMAS VERDES", "JARDINES DEL VALLE", "SANTA CRUZ",
    "LA PIEDAD", "INDEPENDENCIA", "VISTA HERMOSA", "EL MIRADOR", "SAN ANTONIO", "BENITO JUÁREZ", "LA LOMA",
)
# State code -> a few municipalities (for the address line).
MUNICIPIOS = {
    "AS": ("AGUASCALIENTES", "JESÚS MARÍA"), "BC": ("TIJUANA", "MEXICALI", "ENSENADA"), "BS": ("LA PAZ",),
    "CC": ("CAMPECHE", "CARMEN"), "CL": ("SALTILLO", "TORREÓN"), "CM": ("COLIMA", "MANZANILLO"),
    "CS": ("TUXTLA GUTIÉRREZ", "TAPACHULA"), "CH": ("CHIHUAHUA", "JUÁREZ"),
    "DF": ("COYOACÁN", "IZTAPALAPA", "GUSTAVO A. MADERO"), "DG": ("DURANGO",), "GT": ("LEÓN", "IRAPUATO"),
    "GR": ("ACAPULCO DE JUÁREZ", "CHILPANCINGO"), "HG": ("PACHUCA DE SOTO",),
    "JC": ("GUADALAJARA", "ZAPOPAN", "TLAQUEPAQUE"), "MC": ("ECATEPEC DE MORELOS", "NEZAHUALCÓYOTL", "TOLUCA"),
    "MN": ("MORELIA", "URUAPAN"), "MS": ("CUERNAVACA",), "NT": ("TEPIC",), "NL": ("MONTERREY", "GUADALUPE"),
    "OC": ("OAXACA DE JUÁREZ",), "PL": ("PUEBLA", "TEHUACÁN"), "QT": ("QUERÉTARO",), "QR": ("BENITO JUÁREZ",),
    "SP": ("SAN LUIS POTOSÍ",), "SL": ("CULIACÁN", "MAZATLÁN"), "SR": ("HERMOSILLO",), "TC": ("CENTRO",),
    "TS": ("REYNOSA", "TAMPICO"), "TL": ("TLAXCALA",), "VZ": ("VERACRUZ", "XALAPA"), "YN": ("MÉRIDA",),
    "ZS": ("ZACATECAS", "FRESNILLO"),
}
STATE_ABBREVIATIONS = {
    "AS": "AGS", "BC": "BC", "BS": "BCS", "CC": "CAMP", "CL": "COAH", "CM": "COL", "CS": "CHIS", "CH": "CHIH",
    "DF": "CDMX", "DG": "DGO", "GT": "GTO", "GR": "GRO", "HG": "HGO", "JC": "JAL", "MC": "MEX", "MN": "MICH",
    "MS": "MOR", "NT": "NAY", "NL": "NL", "OC": "OAX", "PL": "PUE", "QT": "QRO", "QR": "Q. ROO", "SP": "SLP",
    "SL": "SIN", "SR": "SON", "TC": "TAB", "TS": "TAMPS", "TL": "TLAX", "VZ": "VER", "YN": "YUC", "ZS": "ZAC",
}
ABROAD_CITIES = ("LOS ANGELES, CA", "CHICAGO, IL", "HOUSTON, TX", "PHOENIX, AZ", "MADRID, ESPAÑA")


@dataclass(frozen=True)
class Citizen:
    """A synthetic credential holder and the data printed on (and encoded in) their card."""

    surname_paternal: str
    surname_maternal: str  # '' when the citizen has only one surname
    given_names: str
    sex: str  # 'H' | 'M'
    birth_date: date
    birth_state: str  # CURP state code ('NE' = abroad)
    curp: str
    clave_elector: str  # synthetic: positions 16-18 arbitrary
    cic: str  # 9 digits
    seccion: str  # 4 digits
    identificador: str  # 9 digits
    address_lines: tuple[str, ...]
    residence_state: str  # CURP state code of the address (abroad cards: 'NE')
    municipio: str
    registro_year: int
    emision: str  # 2-digit número de emisión
    emission_year: int
    vigencia_year: int
    model: CardModel
    optional_tail: str = "00000"  # the 5 unexplained digits of MRZ optional data (FACTS §2.1 [U])
    is_synthetic: bool = field(default=True)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.surname_paternal, self.surname_maternal) if p)

    @property
    def expiry_date(self) -> date:
        """31 December of the vigencia year (FACTS §1.1)."""
        return date(self.vigencia_year, 12, 31)

    @property
    def ocr(self) -> str:
        return self.seccion + self.identificador

    def mrz_fields(self) -> MrzFields:
        return MrzFields(cic=self.cic, seccion=self.seccion, identificador=self.identificador,
                         birth_date=self.birth_date, sex=self.sex, expiry_date=self.expiry_date,
                         optional_data=f"<{self.emision}<<{self.optional_tail}<",
                         surname_paternal=self.surname_paternal, surname_maternal=self.surname_maternal,
                         given_names=self.given_names)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able truth (dates ISO, model letter)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, CardModel):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        out["curp_is_valid_structure"] = True
        return out


def mrz_lines(c: Citizen) -> tuple[str, str, str]:
    """The TD1 MRZ of ``c``'s card (models E-H). Raises InvalidField('model', ...) for models without an MRZ."""
    if not c.model.has_mrz:
        raise InvalidField("model", f"model {c.model.value} has no MRZ")
    return build_td1(c.mrz_fields())


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _given_name(rng: random.Random, sex: str) -> str:
    simple, compound = (MALE_NAMES, MALE_COMPOUND) if sex == "H" else (FEMALE_NAMES, FEMALE_COMPOUND)
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(simple)
    if roll < 0.85:
        return rng.choice(compound)
    first, second = rng.choice(simple), rng.choice(simple)
    return first if first == second else f"{first} {second}"


def generate_citizen(rng: random.Random, **overrides: Any) -> Citizen:
    """A random synthetic citizen, deterministic for a given ``rng`` state.

    Any Citizen field may be overridden (e.g. ``model=CardModel.G, vigencia_year=2031``); derived fields (CURP,
    clave, names, dates) are computed from the overridden values unless they are overridden too.
    Raises InvalidField if an override cannot be encoded (e.g. a bad sex or state) and TypeError on an unknown
    field name.
    """
    known = {f.name for f in fields(Citizen)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown Citizen field(s): {sorted(unknown)}")
    o = dict(overrides)
    sex = o.get("sex") or rng.choice("HM")
    paternal = o.get("surname_paternal") or rng.choice(SURNAMES)
    maternal = o["surname_maternal"] if "surname_maternal" in o else (
        "" if rng.random() < 0.04 else rng.choice(SURNAMES))
    given = o.get("given_names") or _given_name(rng, sex)
    model = o.get("model") or rng.choices(
        (CardModel.E, CardModel.F, CardModel.G, CardModel.H), weights=(25, 5, 60, 10))[0]
    if isinstance(model, str):
        model = CardModel.parse(model)
    # Emission years the model was issued in (E from 2014, F from 2016, G/H from 2020).
    first_issue = {CardModel.E: 2014, CardModel.F: 2016, CardModel.G: 2020, CardModel.H: 2020}.get(model, 2008)
    last_issue = 2019 if model in (CardModel.E, CardModel.F) else 2026
    emission_year = o.get("emission_year") or rng.randint(first_issue, last_issue)
    birth = o.get("birth_date") or _random_birth(rng, emission_year)
    birth_state = o.get("birth_state") or (
        "NE" if rng.random() < 0.03 else rng.choice(sorted(STATES)))
    is_abroad = model.is_issued_abroad
    residence = o.get("residence_state") or ("NE" if is_abroad else (
        birth_state if birth_state != "NE" and rng.random() < 0.7 else rng.choice(sorted(STATES))))
    municipio = o.get("municipio") or (rng.choice(ABROAD_CITIES) if residence == "NE"
                                       else rng.choice(MUNICIPIOS[residence]))
    address = o.get("address_lines") or _address(rng, residence, municipio)
    differentiator = None
    if "curp" not in o:
        differentiator = (rng.choice("ABCDEFGHIJ") if birth.year >= 2000 else str(rng.randrange(2)))
    curp = o.get("curp") or generate_curp(paternal, maternal, given, birth, sex, birth_state, differentiator)
    clave = o.get("clave_elector") or generate_clave_elector(paternal, maternal, given, birth, sex, birth_state,
                                                             rng)
    adult_year = birth.year + 18
    registro = o.get("registro_year") or rng.randint(min(adult_year, emission_year), emission_year)
    base = Citizen(
        surname_paternal=paternal, surname_maternal=maternal, given_names=given, sex=sex, birth_date=birth,
        birth_state=birth_state, curp=curp, clave_elector=clave, cic=_digits(rng, 9),
        seccion=f"{rng.randint(1, 4999):04d}", identificador=_digits(rng, 9), address_lines=tuple(address),
        residence_state=residence, municipio=municipio, registro_year=registro,
        emision=f"{rng.randint(0, 4):02d}", emission_year=emission_year, vigencia_year=emission_year + 10,
        model=model, optional_tail=_digits(rng, 5))
    passthrough = {k: v for k, v in o.items() if k in {"cic", "seccion", "identificador", "emision",
                                                       "vigencia_year", "optional_tail", "is_synthetic"}}
    return replace(base, **passthrough)


def _random_birth(rng: random.Random, emission_year: int) -> date:
    # Adults 18-85 at emission; day drawn within the month so every date is real.
    year = rng.randint(emission_year - 85, emission_year - 18)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
    return date(year, month, day)


def _address(rng: random.Random, state: str, municipio: str) -> tuple[str, str, str]:
    street = f"{rng.choice(STREETS)} {rng.randint(1, 2999)}"
    if rng.random() < 0.3:
        street += f" INT {rng.randint(1, 40)}"
    if state == "NE":
        return street, f"ZIP {_digits(rng, 5)}", municipio
    colonia = f"COL {rng.choice(COLONIAS)} {_digits(rng, 5)}"
    return street, colonia, f"{municipio}, {STATE_ABBREVIATIONS[state]}."
