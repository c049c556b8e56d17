"""The axes of the varied benchmark (design × tint × cast × attack) and the seed discipline, in one place.

Seed discipline (issue 19: "calibrate on some seeds, report on others"):

* ``CALIBRATION_SEEDS``: tune thresholds, train or calibrate readers on these, as much as you like.
* ``REPORT_SEEDS``: only ``bench/bench_document_varied.py`` reads them, and it only reports. Never look at a
  report scene while tuning; a threshold changed after reading report numbers must be re-derived on calibration
  seeds.
* ``TEST_SEED``: the generator's own tests.

A case is fully determined by (seed, index, cell): the same triple gives the same citizen, card art and scene.
Typefaces in ``typefaces.HELD_OUT`` are drawn only under report seeds, so the benchmark also measures printed
fields in a typeface no calibration ever saw.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from kiosk.errors import InvalidField

CALIBRATION_SEEDS: tuple[int, ...] = (1901, 1902, 1903, 1904)
REPORT_SEEDS: tuple[int, ...] = (1951,)
TEST_SEED = 1999

DESIGNS = ("E", "F", "G", "H")
# Paper tint: hue range (degrees) and saturation range (HSV, 0-1) per family. Near-white is any hue, barely
# tinted; the others span the pale-to-strong range INE-style prints come in (saturation 0.05-0.6 overall).
TINTS: dict[str, dict[str, tuple[float, float]]] = {
    "near_white": {"hue_deg": (0.0, 360.0), "saturation": (0.05, 0.10)},
    "beige": {"hue_deg": (28.0, 48.0), "saturation": (0.10, 0.60)},
    "pink": {"hue_deg": (325.0, 355.0), "saturation": (0.10, 0.60)},
    "lilac": {"hue_deg": (262.0, 292.0), "saturation": (0.10, 0.60)},
}
# Light and camera: correlated colour temperature of the lamp (K) and how the camera balances it.
# 'awb': picamera2-style auto white balance, small estimation error, reports ColourGains/ColourTemperature;
# 'wb_error': the same camera misjudging the light by 12-30 % (a card filling the view pulls AWB off);
# 'fixed_wb': a camera with white balance fixed at 5,000 K that reports no colour metadata (USB/OpenCV).
CASTS: dict[str, dict[str, object]] = {
    "warm": {"kelvin": (2700.0, 3500.0), "camera": "awb"},
    "neutral": {"kelvin": (3800.0, 5200.0), "camera": "awb"},
    "cool": {"kelvin": (5500.0, 6500.0), "camera": "awb"},
    "wb_error": {"kelvin": (2700.0, 6500.0), "camera": "wb_error"},
    "fixed_wb": {"kelvin": (2700.0, 6500.0), "camera": "fixed_wb"},
}
ATTACKS = ("genuine", "grey_photocopy", "colour_photocopy", "laser_print", "inkjet_print", "phone_replay",
           "monitor_replay", "photo_of_photo", "mixed_pair")
# Framing: the whole card inside the frame (≥ 3 % margin; 'tight' puts it at exactly that margin, tilted), or
# cut by the frame edge with the true corners outside it.
FRAMINGS = ("inside", "tight", "cut")


@dataclass(frozen=True)
class Cell:
    """One cell of the benchmark table."""

    design: str
    tint: str
    cast: str
    attack: str
    framing: str = "inside"

    def __post_init__(self) -> None:
        for name, value, allowed in (("design", self.design, DESIGNS), ("tint", self.tint, tuple(TINTS)),
                                     ("cast", self.cast, tuple(CASTS)), ("attack", self.attack, ATTACKS),
                                     ("framing", self.framing, FRAMINGS)):
            if value not in allowed:
                raise InvalidField(name, f"{value!r} is not one of {', '.join(allowed)}")

    @property
    def key(self) -> str:
        """'G/pink/warm/genuine' (framing appended when not 'inside')."""
        base = f"{self.design}/{self.tint}/{self.cast}/{self.attack}"
        return base if self.framing == "inside" else f"{base}/{self.framing}"

    @classmethod
    def parse(cls, key: str) -> Cell:
        """Inverse of :attr:`key`. Raises InvalidField on a malformed key."""
        parts = key.split("/")
        if len(parts) not in (4, 5):
            raise InvalidField("cell", f"{key!r} is not design/tint/cast/attack[/framing]")
        return cls(*parts)


def cells(attacks: tuple[str, ...] = ATTACKS, framing: str = "inside") -> list[Cell]:
    """Every design × tint × cast combination for each of ``attacks``, in a fixed order."""
    return [Cell(d, t, c, a, framing) for a in attacks for d, t, c in itertools.product(DESIGNS, TINTS, CASTS)]


def seed_purpose(seed: int) -> str:
    """'calibration', 'report' or 'test' for a seed of this package; 'other' for any other seed (allowed, e.g.
    for a one-off look, but neither tuned on nor reported)."""
    if seed in CALIBRATION_SEEDS:
        return "calibration"
    if seed in REPORT_SEEDS:
        return "report"
    return "test" if seed == TEST_SEED else "other"
