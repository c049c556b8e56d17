"""Every screen the kiosk can show, as one Enum, plus the named groups the flow and the UI reason about.

One state = one screen module in ``kiosk/ui/screens/<value>.py``.
"""

from __future__ import annotations

from enum import Enum


class State(Enum):
    WELCOME = "welcome"
    OPERATOR_PIN = "operator_pin"
    CHOOSE_PROCESS = "choose_process"
    CHOOSE_ASPIRANT = "choose_aspirant"
    PRIVACY_NOTICE = "privacy_notice"
    CARD_FRONT = "card_front"
    CARD_BACK = "card_back"
    CHOOSE_CARD_MODEL = "choose_card_model"  # the model could not be detected: pick it from pictures
    REVIEW_DATA = "review_data"
    REVIEW_PHOTO = "review_photo"
    SELFIE_TIPS = "selfie_tips"
    SELFIE = "selfie"  # quality + liveness challenge
    FACE_MATCH = "face_match"  # working: comparing the selfie with the card photo
    MATCH_RETRY = "match_retry"
    MATCH_REFUSED = "match_refused"  # dignified refusal + offer of staff help
    SIGNATURE = "signature"
    CONFIRM = "confirm"
    SEALING = "sealing"
    RECEIPT = "receipt"
    HELP = "help"  # overlay: returns to the previous step
    IDLE_WARNING = "idle_warning"  # "¿Sigues ahí?" countdown
    DUPLICATE_WARNING = "duplicate_warning"
    CARD_REFUSED = "card_refused"  # expired / unsupported / photocopy / unreadable, with the reason
    OUT_OF_SERVICE = "out_of_service"  # storage full, no active process, operator locked out
    FAILSAFE = "failsafe"  # unexpected error: "please ask staff"


#: States in which the camera runs and the UI shows the live preview.
CAMERA_STATES = frozenset({State.CARD_FRONT, State.CARD_BACK, State.SELFIE})

#: States that belong to one citizen's session (cancel, help and the idle timer apply).
CITIZEN_STATES = frozenset({
    State.OPERATOR_PIN, State.CHOOSE_PROCESS, State.CHOOSE_ASPIRANT, State.PRIVACY_NOTICE,
    State.CARD_FRONT, State.CARD_BACK, State.CHOOSE_CARD_MODEL, State.REVIEW_DATA, State.REVIEW_PHOTO,
    State.SELFIE_TIPS, State.SELFIE, State.FACE_MATCH, State.MATCH_RETRY, State.MATCH_REFUSED,
    State.SIGNATURE, State.CONFIRM, State.DUPLICATE_WARNING, State.CARD_REFUSED, State.HELP,
})

#: States where the machine is waiting for a worker; the citizen is not expected to touch anything.
WORKING_STATES = frozenset({State.FACE_MATCH, State.SEALING})

#: Citizen states watched by the idle timer (working states and the receipt have their own rules).
IDLE_WATCHED_STATES = CITIZEN_STATES - WORKING_STATES

#: States from which HelpRequested opens the help overlay: every citizen state, the face comparison included
#: (its result waits until help closes). Sealing is not one: the citizen already said "enviar" and the record
#: is committed in well under a second; help and cancel there could only lie about what happens.
HELP_STATES = (CITIZEN_STATES | {State.WELCOME, State.RECEIPT}) - {State.HELP}

#: Citizen states where Cancel first asks "¿Quieres salir?": something of the citizen (card, face, signature)
#: has been captured, and Cancel sits beside Help, so one slip of a finger must not throw that work away.
#: Elsewhere Cancel ends the session at once (nothing is lost).
CONFIRM_CANCEL_STATES = frozenset({
    State.CARD_BACK, State.CHOOSE_CARD_MODEL, State.REVIEW_DATA, State.REVIEW_PHOTO, State.SELFIE_TIPS,
    State.SELFIE, State.FACE_MATCH, State.MATCH_RETRY, State.SIGNATURE, State.CONFIRM, State.DUPLICATE_WARNING,
})

#: The step indicator: state -> (step number, step key). Total is ``STEP_TOTAL``; 0 = not shown.
STEP_TOTAL = 6
STEPS: dict[State, tuple[int, str]] = {
    State.PRIVACY_NOTICE: (1, "step.consent"),
    State.CARD_FRONT: (2, "step.card"),
    State.CARD_BACK: (2, "step.card"),
    State.CHOOSE_CARD_MODEL: (2, "step.card"),
    State.DUPLICATE_WARNING: (2, "step.card"),
    State.CARD_REFUSED: (2, "step.card"),
    State.REVIEW_DATA: (3, "step.review"),
    State.REVIEW_PHOTO: (3, "step.review"),
    State.SELFIE_TIPS: (4, "step.selfie"),
    State.SELFIE: (4, "step.selfie"),
    State.FACE_MATCH: (4, "step.selfie"),
    State.MATCH_RETRY: (4, "step.selfie"),
    State.MATCH_REFUSED: (4, "step.selfie"),
    State.SIGNATURE: (5, "step.signature"),
    State.CONFIRM: (6, "step.confirm"),
    State.SEALING: (6, "step.confirm"),
}
