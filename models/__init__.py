"""Build-time tools for the committed model files (``python -m models.build``); never imported by the kiosk."""
