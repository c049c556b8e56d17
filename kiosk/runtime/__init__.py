"""What joins the pure flow to the world: the controller, the ports (typed interfaces), the workers that run
effects off the render loop, the adapters from the real parts to the ports, and fakes with the same interface.

Runtime code never imports :mod:`kiosk.dev` (demo, camera director, synthetic generator) or build-time tools.
Importing this package opens nothing.
"""
