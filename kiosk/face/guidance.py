"""Short instructions for the citizen, by code. The UI shows them verbatim through its i18n layer."""

from __future__ import annotations

GUIDANCE_TEXT: dict[str, dict[str, str]] = {
    # selfie framing and quality
    "face.none": {"es": "Coloca tu cara frente a la cámara", "en": "Put your face in front of the camera"},
    "face.many": {"es": "Solo una persona frente a la cámara", "en": "Only one person in front of the camera"},
    "face.center": {"es": "Centra tu cara en el óvalo", "en": "Centre your face in the oval"},
    "face.closer": {"es": "Acércate un poco a la cámara", "en": "Come a little closer to the camera"},
    "face.farther": {"es": "Aléjate un poco de la cámara", "en": "Move back a little from the camera"},
    "face.look_straight": {"es": "Mira de frente a la cámara", "en": "Look straight at the camera"},
    "face.open_eyes": {"es": "Mantén los ojos abiertos", "en": "Keep your eyes open"},
    "face.too_dark": {"es": "Hay poca luz: busca un lugar más iluminado", "en": "Too dark: find more light"},
    "face.too_bright": {"es": "Hay demasiada luz sobre tu cara", "en": "Too much light on your face"},
    "face.light_uneven": {"es": "La luz cae de un lado: ponte de frente a la luz",
                          "en": "Light comes from one side: face the light"},
    "face.hold_still": {"es": "Quédate quieto un momento", "en": "Hold still for a moment"},
    # liveness challenges
    "live.blink": {"es": "Parpadea", "en": "Blink"},
    "live.turn_left": {"es": "Gira despacio la cabeza a tu izquierda", "en": "Slowly turn your head to your left"},
    "live.turn_right": {"es": "Gira despacio la cabeza a tu derecha", "en": "Slowly turn your head to your right"},
    "live.look_front": {"es": "Vuelve a mirar de frente", "en": "Look straight at the camera again"},
    "live.done": {"es": "Listo, gracias", "en": "Done, thank you"},
    "live.timeout": {"es": "No pudimos comprobarlo; intentemos de nuevo", "en": "We could not check it; let's try again"},
}
