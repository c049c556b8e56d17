"""Short instruction codes for the citizen during card capture, with their Spanish and English text.

One failed check maps to one code; the UI shows the text verbatim through its i18n. Codes are stable ids
(the flow and the record use them), the texts can be reworded freely.
"""

from __future__ import annotations

GUIDANCE_TEXT: dict[str, dict[str, str]] = {
    "card.not_found": {"es": "Coloca tu credencial frente a la cámara",
                       "en": "Hold your voter card in front of the camera"},
    "card.move_into_frame": {"es": "Centra la credencial: debe verse completa",
                             "en": "Centre the card so all of it is visible"},
    "card.move_closer": {"es": "Acerca la credencial", "en": "Bring the card closer"},
    "card.move_back": {"es": "Aleja un poco la credencial", "en": "Move the card a little further away"},
    "card.hold_still": {"es": "Mantén la credencial quieta", "en": "Hold the card still"},
    "card.blurry": {"es": "La imagen está borrosa: mantén la credencial quieta y plana",
                    "en": "The image is blurry: hold the card still and flat"},
    "card.avoid_glare": {"es": "Evita reflejos: inclina un poco la credencial",
                         "en": "Avoid glare: tilt the card slightly"},
    "card.more_light": {"es": "Falta luz: acércate a una zona iluminada", "en": "Too dark: move into better light"},
    "card.too_bright": {"es": "Demasiada luz: aleja la credencial de la lámpara",
                        "en": "Too bright: move the card away from the lamp"},
    "card.one_card_only": {"es": "Muestra solo una credencial", "en": "Show only one card"},
    "card.flip_to_back": {"es": "Voltea la credencial: muestra el reverso", "en": "Turn the card over: show the back"},
    "card.flip_to_front": {"es": "Voltea la credencial: muestra el frente", "en": "Turn the card over: show the front"},
    "card.not_ine": {"es": "Esto no parece una credencial para votar del INE",
                     "en": "This does not look like an INE voter card"},
    "card.mrz_unreadable": {"es": "No pudimos leer el código del reverso; inténtalo de nuevo",
                            "en": "We could not read the code on the back; please try again"},
    "card.use_original": {"es": "Usa tu credencial original, no una copia ni una pantalla",
                          "en": "Use your original card, not a copy or a screen"},
    "card.expired": {"es": "Tu credencial ya no está vigente", "en": "Your card has expired"},
    "card.model_unsupported": {"es": "Este modelo de credencial no se acepta", "en": "This card model is not accepted"},
    "card.no_face": {"es": "No se ve la foto de la credencial; evita taparla",
                     "en": "The card's photo is not visible; do not cover it"},
}


def guidance_text(code: str, language: str = "es") -> str:
    """The text for ``code`` in ``language`` ('es' or 'en'); unknown codes come back unchanged."""
    return GUIDANCE_TEXT.get(code, {}).get(language, code)
