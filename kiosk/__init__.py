"""Apoyo Kiosk: captures sealed 'apoyo ciudadano' records on a Raspberry Pi."""

__version__ = "0.1.0"
