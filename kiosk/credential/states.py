"""Mexican states: CURP letter codes and INEGI numbers used in the clave de elector (FACTS §3.1)."""

from __future__ import annotations

# code -> (name, INEGI number as 2 digits). Numbers are [P] in FACTS (secondary source).
STATES: dict[str, tuple[str, str]] = {
    "AS": ("Aguascalientes", "01"), "BC": ("Baja California", "02"), "BS": ("Baja California Sur", "03"),
    "CC": ("Campeche", "04"), "CL": ("Coahuila", "05"), "CM": ("Colima", "06"), "CS": ("Chiapas", "07"),
    "CH": ("Chihuahua", "08"), "DF": ("Ciudad de México", "09"), "DG": ("Durango", "10"),
    "GT": ("Guanajuato", "11"), "GR": ("Guerrero", "12"), "HG": ("Hidalgo", "13"), "JC": ("Jalisco", "14"),
    "MC": ("Estado de México", "15"), "MN": ("Michoacán", "16"), "MS": ("Morelos", "17"),
    "NT": ("Nayarit", "18"), "NL": ("Nuevo León", "19"), "OC": ("Oaxaca", "20"), "PL": ("Puebla", "21"),
    "QT": ("Querétaro", "22"), "QR": ("Quintana Roo", "23"), "SP": ("San Luis Potosí", "24"),
    "SL": ("Sinaloa", "25"), "SR": ("Sonora", "26"), "TC": ("Tabasco", "27"), "TS": ("Tamaulipas", "28"),
    "TL": ("Tlaxcala", "29"), "VZ": ("Veracruz", "30"), "YN": ("Yucatán", "31"), "ZS": ("Zacatecas", "32"),
}
BORN_ABROAD = "NE"
# Clave de elector entity for people born abroad: FACTS §3.2 says a vendor regex allows 87/88, meaning [U].
ABROAD_ENTITY_NUMBER = "87"
CURP_STATE_CODES = frozenset(STATES) | {BORN_ABROAD}
STATE_BY_NUMBER = {num: code for code, (_, num) in STATES.items()}
