"""What the voice guidance reads for the screen on show (the espeak-ng worker belongs to the app).

One line per screen (``voice.<state>`` in the catalogs) plus what changes on it: the liveness challenge, the
capture guidance, a refusal reason, the folio. Never personal data (no name, no identifiers).
"""

from __future__ import annotations

from kiosk.flow.screen_model import ScreenModel
from kiosk.ui.i18n import translator


def spoken_text(screen_model: ScreenModel, lang: str | None = None) -> str:
    """The sentence(s) to read aloud for ``screen_model`` in ``lang`` (default: the screen's language)."""
    tr = translator(lang or screen_model.language)
    m = screen_model
    parts: list[str] = []
    key = f"voice.{m.state.value}"
    if tr.has(key):
        parts.append(tr.t(key))
    if m.challenge and tr.has(f"challenge.{m.challenge}"):
        parts.append(tr.t(f"challenge.{m.challenge}"))
    for code in (m.guidance, m.challenge_guidance):
        if code and tr.has(code):
            parts.append(tr.t(code))
    if m.reason and m.state.value == "card_refused" and tr.has(f"reason.{m.reason}"):
        parts.append(tr.t(f"reason.{m.reason}"))
    if m.folio and m.state.value == "receipt":
        # spelled out character by character so the citizen can write it down
        parts.append(f"{tr.t('receipt.folio')} {' '.join(m.folio.replace('-', ' '))}")
    return " ".join(parts)
