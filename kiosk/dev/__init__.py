"""Development only: the scripted demo, the camera director that plays synthetic citizens, and the synthetic
SPECIMEN card and face generator (:mod:`kiosk.dev.synth`).

Runtime code never imports this package (tests/test_layering.py checks it); the composition root reaches it
only when the kiosk is started with a simulated camera in development mode.
"""
