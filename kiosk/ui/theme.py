"""Colours, font sizes and fonts for the kiosk screens.

Sizes derive from the screen's short side so the same layout reads the same on the 7" 800×480 panel and on the
denser 720×1280 Touch Display 2: one ``unit`` is the short side / 480, i.e. one pixel on the official 7" panel.
Large-text mode multiplies every font size; high-contrast mode swaps to a black/white/yellow palette (WCAG AAA
contrast for body text).

Fonts: DejaVu Sans (Debian ``fonts-dejavu-core``), found by ``fc-match`` or its known path; when neither exists,
pygame's built-in font. DejaVu covers Spanish accents, ñ and ¿¡; the built-in font does too (Latin-1).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pygame

RGB = tuple[int, int, int]

_KNOWN_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"),
                    Path("/usr/share/fonts/dejavu"))
_FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class Palette:
    """Named colours; screens use roles, never literal colours."""

    background: RGB
    surface: RGB          # cards/panels on the background
    text: RGB
    text_muted: RGB
    primary: RGB          # the one main action of a screen
    on_primary: RGB
    secondary: RGB        # other actions
    on_secondary: RGB
    danger: RGB           # cancel/decline/refusal accents
    on_danger: RGB
    success: RGB
    warning: RGB
    outline: RGB
    disabled: RGB
    on_disabled: RGB
    guide: RGB            # camera overlay guide (card outline, face oval)
    guide_ok: RGB
    guide_found: RGB      # the card the camera found, while a check still fails
    ink: RGB              # signature ink
    pad: RGB              # signature pad background


NORMAL = Palette(
    background=(245, 242, 236), surface=(255, 255, 255), text=(28, 32, 38), text_muted=(84, 90, 98),
    primary=(0, 94, 84), on_primary=(255, 255, 255), secondary=(226, 232, 236), on_secondary=(28, 32, 38),
    danger=(168, 36, 36), on_danger=(255, 255, 255), success=(22, 120, 60), warning=(176, 96, 0),
    outline=(150, 156, 164), disabled=(200, 203, 207), on_disabled=(80, 84, 90), guide=(255, 255, 255),
    guide_ok=(80, 220, 120), guide_found=(255, 190, 40), ink=(10, 30, 110), pad=(255, 255, 255),
)

HIGH_CONTRAST = Palette(
    background=(0, 0, 0), surface=(0, 0, 0), text=(255, 255, 255), text_muted=(255, 255, 255),
    primary=(255, 230, 0), on_primary=(0, 0, 0), secondary=(0, 0, 0), on_secondary=(255, 255, 255),
    danger=(255, 120, 120), on_danger=(0, 0, 0), success=(120, 255, 120), warning=(255, 230, 0),
    outline=(255, 255, 255), disabled=(60, 60, 60), on_disabled=(255, 255, 255), guide=(255, 230, 0),
    guide_ok=(120, 255, 120), guide_found=(0, 220, 255), ink=(0, 0, 0), pad=(255, 255, 255),
)

# font roles → size in units (1 unit = 1 px on the 800×480 panel)
_ROLE_UNITS = {"small": 18, "body": 23, "button": 25, "title": 32, "huge": 46}
LARGE_TEXT_FACTOR = 1.3
# 9 mm on the official 7" panel (≈ 6.7 px/mm) is ≈ 60 px
MIN_TOUCH_UNITS = 60


@dataclass(frozen=True)
class Theme:
    """Everything visual that depends on the screen and the citizen's accessibility choices."""

    width_px: int
    height_px: int
    palette: Palette
    is_high_contrast: bool
    is_large_text: bool
    unit_px: float

    @property
    def is_portrait(self) -> bool:
        return self.height_px > self.width_px

    def px(self, units: float) -> int:
        """Pixels for a length given in units (px on the 800×480 panel)."""
        return max(1, round(units * self.unit_px))

    def font_px(self, role: str) -> int:
        """Font size in pixels for a role ('small', 'body', 'button', 'title', 'huge').

        Raises KeyError for an unknown role.
        """
        factor = LARGE_TEXT_FACTOR if self.is_large_text else 1.0
        return max(10, round(_ROLE_UNITS[role] * self.unit_px * factor))

    @property
    def min_font_px(self) -> int:
        """Smallest size text may shrink to when fitting a box (still readable at arm's length)."""
        return max(10, round(14 * self.unit_px))

    @property
    def min_touch_px(self) -> int:
        """Smallest side of any touch target (≈ 9 mm)."""
        return self.px(MIN_TOUCH_UNITS)

    @property
    def margin_px(self) -> int:
        return self.px(14)

    @property
    def gap_px(self) -> int:
        return self.px(10)

    @property
    def radius_px(self) -> int:
        return self.px(12)

    @property
    def line_px(self) -> int:
        """Stroke width of outlines and guides."""
        return self.px(3 if self.is_high_contrast else 2)


def make_theme(size: tuple[int, int], *, high_contrast: bool = False, large_text: bool = False) -> Theme:
    """Theme for a screen of ``size`` = (width_px, height_px).

    Raises ValueError for a size smaller than 240 px on a side.
    """
    width_px, height_px = int(size[0]), int(size[1])
    if min(width_px, height_px) < 240:
        raise ValueError(f"screen {width_px}×{height_px} is too small for the kiosk UI (≥ 240 px a side)")
    # portrait: the width limits text; 720 px wide ≈ 540 units keeps lines long enough
    unit = width_px / 540.0 if height_px > width_px else min(height_px / 480.0, width_px / 800.0)
    return Theme(width_px=width_px, height_px=height_px,
                 palette=HIGH_CONTRAST if high_contrast else NORMAL,
                 is_high_contrast=high_contrast, is_large_text=large_text, unit_px=unit)


@functools.lru_cache(maxsize=2)
def font_path(bold: bool = False) -> Path | None:
    """Path of DejaVu Sans (bold or regular), or None when it is not installed."""
    name = _FONT_FILES[bold]
    for folder in _KNOWN_FONT_DIRS:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    if shutil.which("fc-match"):
        pattern = "DejaVu Sans:bold" if bold else "DejaVu Sans"
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                                 timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and "dejavu" in out.lower():
            return Path(out)
    return None


class Fonts:
    """Cache of pygame fonts and rendered text surfaces (text rendering is the costliest part of a frame)."""

    def __init__(self, max_text_cache: int = 600) -> None:
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._text: dict[tuple[str, int, bool, RGB], pygame.Surface] = {}
        self._max_text_cache = max_text_cache

    def font(self, size_px: int, bold: bool = False) -> pygame.font.Font:
        import pygame

        key = (size_px, bold)
        found = self._fonts.get(key)
        if found is None:
            if not pygame.font.get_init():
                pygame.font.init()
            path = font_path(bold)
            if path is not None:
                found = pygame.font.Font(str(path), size_px)
            else:  # pygame's default font is smaller for the same nominal size
                found = pygame.font.Font(None, round(size_px * 1.35))
                found.set_bold(bold)
            self._fonts[key] = found
        return found

    def render(self, text: str, size_px: int, colour: RGB, bold: bool = False) -> pygame.Surface:
        """Anti-aliased text on a transparent surface, cached."""
        key = (text, size_px, bold, colour)
        found = self._text.get(key)
        if found is None:
            if len(self._text) >= self._max_text_cache:
                self._text.clear()
            found = self.font(size_px, bold).render(text, True, colour)
            self._text[key] = found
        return found

    def clear_text(self) -> None:
        """Forget every rendered text (they may hold a citizen's name)."""
        self._text.clear()

    def width(self, text: str, size_px: int, bold: bool = False) -> int:
        return self.font(size_px, bold).size(text)[0]

    def line_height(self, size_px: int, bold: bool = False) -> int:
        return self.font(size_px, bold).get_linesize()
