"""Name normalisation shared by the CURP, the clave de elector and the MRZ name line.

Names are upper-cased and stripped of accents (Á→A, Ü→U) but Ñ is kept, because the CURP and clave rules treat it
specially (Ñ→X) while the MRZ transliterates it to N.
"""

from __future__ import annotations

import unicodedata

# Leading particles RENAPO skips in surnames and given names (FACTS §3.1).
PARTICLES = frozenset({
    "DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LOS", "LAS", "LE", "LES", "MAC",
    "MC", "VAN", "VON", "Y",
})
# First given names that are skipped when a second given name exists (FACTS §3.1).
SKIPPED_FIRST_NAMES = frozenset({"MARIA", "MA.", "MA", "JOSE", "J.", "J"})
VOWELS = frozenset("AEIOU")


def normalise(text: str) -> str:
    """Upper-case ``text``, strip accents and diaereses except the tilde of Ñ, collapse whitespace."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.upper()):
        if unicodedata.category(ch) == "Mn":
            if ch == "\u0303" and out and out[-1] == "N":  # combining tilde over N → Ñ
                out[-1] = "Ñ"
            continue
        out.append(ch)
    return " ".join("".join(out).split())


def significant_word(name: str, *, is_given: bool = False) -> str:
    """The word of a (possibly compound) name that RENAPO uses: particles skipped, then the first word;
    for given names, MARÍA/JOSÉ (and MA./J.) are skipped when another word follows.

    Returns '' for an empty name. If every word is a particle the first word is used (nothing else is left).
    """
    words = normalise(name).replace("-", " ").split()
    if not words:
        return ""
    kept = [w for w in words if w not in PARTICLES] or words
    if is_given and len(kept) > 1 and kept[0] in SKIPPED_FIRST_NAMES:
        kept = kept[1:]
    return kept[0]


def letter(ch: str) -> str:
    """A name letter as the CURP/clave writes it: A-Z as is, Ñ and anything else ('/', '-', '.', digits) → X."""
    return ch if "A" <= ch <= "Z" else "X"


def first_internal_vowel(word: str) -> str:
    """First vowel after the first letter of ``word``, or 'X' if none."""
    return next((c for c in word[1:] if c in VOWELS), "X")


def first_internal_consonant(word: str) -> str:
    """First consonant after the first letter of ``word`` (Ñ → X), or 'X' if none."""
    for c in word[1:]:
        if c == "Ñ":
            return "X"
        if "A" <= c <= "Z" and c not in VOWELS:
            return c
    return "X"


def mrz_name_part(name: str) -> str:
    """A name as MRZ characters: accents stripped, Ñ→N (ICAO 9303 transliteration), spaces and hyphens → '<',
    apostrophes and other punctuation dropped."""
    text = normalise(name).replace("Ñ", "N").replace("-", " ")
    kept = "".join(c for c in text if ("A" <= c <= "Z") or c == " ")
    return "<".join(kept.split())
