"""The pygame kiosk UI: the only package that imports pygame.

Screens render a :class:`kiosk.flow.screen_model.ScreenModel` and turn touches into flow events; the loop in
:mod:`kiosk.ui.loop` never blocks (camera, inference and sealing run elsewhere and come back as events).
"""

import os

# pygame prints a banner on import; a kiosk's log is not the place for it.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
