"""Every string the citizen sees, from catalogs (``kiosk/ui/locales/<lang>.json``), es-MX first, then English.

The vision and face pipelines ship their guidance texts as ``GUIDANCE_TEXT: {code: {'es': ..., 'en': ...}}``
(``kiosk.vision.guidance`` and ``kiosk.face.guidance``); they are merged in under their codes when those
modules exist (:func:`build_catalogs` takes the tables directly, so tests need no module), so a guidance code such as ``card.move_closer`` is looked up like any other key.
A key missing from a language falls back to Spanish, then to the key itself (visible, and recorded in
:attr:`Translator.missing` so tests can fail on it).

Counts use the language's CLDR plural rules (Babel's): :meth:`Translator.tn` picks ``<key>.<category>``
('one', 'other', and for languages that have them 'few', 'many', ...), falling back to ``<key>.other``. So
"Te queda 1 intento." and "Te quedan 2 intentos." are two catalog entries, never "1 intentos".
"""

from __future__ import annotations

import functools
import importlib
import json
import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("es", "en")
DEFAULT_LANGUAGE = "es"
LOCALES_DIR = Path(__file__).with_name("locales")
GUIDANCE_MODULES: tuple[str, ...] = ("kiosk.vision.guidance", "kiosk.face.guidance")


def _load_catalog(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read the string catalog {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"string catalog {path} must be a flat JSON object of strings")
    return data


def merge_guidance(tables: Iterable[Mapping[str, Mapping[str, str]]]) -> dict[str, dict[str, str]]:
    """Guidance tables ``{code: {lang: text}}`` merged into one (a later table wins for the same code and language)."""
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        for code, texts in table.items():
            if isinstance(texts, Mapping):
                merged.setdefault(str(code), {}).update({str(k): str(v) for k, v in texts.items()})
    return merged


def _pipeline_guidance() -> list[Mapping[str, Mapping[str, str]]]:
    """The ``GUIDANCE_TEXT`` tables of :data:`GUIDANCE_MODULES` that are installed."""
    tables = []
    for name in GUIDANCE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        table = getattr(module, "GUIDANCE_TEXT", None)
        if isinstance(table, Mapping):
            tables.append(table)
    return tables


def build_catalogs(guidance: Iterable[Mapping[str, Mapping[str, str]]] = (),
                   locales_dir: Path = LOCALES_DIR) -> dict[str, dict[str, str]]:
    """Catalogs language → key → text from ``locales_dir/<lang>.json`` with the ``guidance`` tables merged in
    (the catalog wins). Raises ValueError when a catalog file is missing or malformed."""
    merged = merge_guidance(guidance)
    out: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        table = {code: texts[lang] for code, texts in merged.items() if lang in texts}
        table.update(_load_catalog(locales_dir / f"{lang}.json"))
        out[lang] = table
    return out


@functools.lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    """The kiosk's catalogs: the shipped locales with the pipelines' guidance texts merged in (loaded once).

    Raises ValueError when a catalog file is missing or malformed.
    """
    return build_catalogs(_pipeline_guidance())


class _Default(dict):
    def __missing__(self, key: str) -> str:  # an unfilled placeholder shows as itself, never crashes
        return "{" + key + "}"


class Translator:
    """Looks strings up for one language. ``t(key, **values)`` fills ``{name}`` placeholders. ``tables``
    (language → key → text, e.g. from :func:`build_catalogs`) replaces the kiosk's own :func:`catalogs`."""

    def __init__(self, language: str = DEFAULT_LANGUAGE,
                 tables: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.missing: set[str] = set()
        self._tables = tables

    def _catalogs(self) -> Mapping[str, Mapping[str, str]]:
        return self._tables if self._tables is not None else catalogs()

    def has(self, key: str) -> bool:
        tables = self._catalogs()
        return key in tables[self.language] or key in tables[DEFAULT_LANGUAGE]

    def tn(self, key: str, n: int, **values: Any) -> str:
        """The text for ``key`` with the count ``n`` (filled in as ``{n}``), in the plural form CLDR gives
        ``n`` in this language; ``<key>.other`` when the catalog has no entry for that form."""
        form = plural_form(self.language, n)
        chosen = f"{key}.{form}" if self.has(f"{key}.{form}") else f"{key}.other"
        return self.t(chosen, n=n, **values)

    def t(self, key: str, **values: Any) -> str:
        """The text for ``key`` in this language (falling back to Spanish, then to the key)."""
        tables = self._catalogs()
        text = tables[self.language].get(key)
        if text is None:
            text = tables[DEFAULT_LANGUAGE].get(key)
        if text is None:
            self.missing.add(key)
            return key
        if values:
            return string.Formatter().vformat(text, (), _Default(values))
        return text


@functools.lru_cache(maxsize=8)
def _plural_rule(language: str) -> Any:
    from babel import Locale

    return Locale.parse(language).plural_form


def plural_form(language: str, n: int) -> str:
    """CLDR plural category of ``n`` in ``language``: 'one', 'other', 'many', ... (Babel's locale data)."""
    return str(_plural_rule(language)(abs(n)))


@functools.lru_cache(maxsize=4)
def translator(language: str) -> Translator:
    """A shared translator per language."""
    return Translator(language)
