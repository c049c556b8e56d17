"""Pure credential data: ICAO check digits, the INE TD1 MRZ, CURP, clave de elector, card models, synthetic citizens.

Nothing here touches the world (no files, camera, clock or network); every parser raises
:class:`kiosk.errors.InvalidField` naming the field and the reason.
"""
