"""Opening the screen: a window on a desktop, fullscreen on the Pi, or an off-screen surface for tests and demos.

On the Pi's console (no X/Wayland) SDL picks its ``kmsdrm`` video driver by itself; on a desktop it picks x11 or
wayland. Headless mode uses SDL's ``dummy`` driver and draws on a plain surface that can be saved as PNG.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pygame

from kiosk.errors import KioskError


class DisplayError(KioskError, RuntimeError):
    """The screen could not be opened (no video driver, bad size)."""


@dataclass
class Display:
    """An open screen. ``surface`` is what frames are drawn on; ``present()`` shows it."""

    surface: pygame.Surface
    is_headless: bool
    driver: str

    @property
    def size(self) -> tuple[int, int]:
        return self.surface.get_size()

    def present(self) -> None:
        """Show the frame just drawn (nothing to do headless)."""
        if not self.is_headless:
            pygame.display.flip()

    def save_png(self, path: Path | str) -> Path:
        """Save the current frame as PNG; returns the path. Raises DisplayError when it cannot be written."""
        out = Path(path)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            pygame.image.save(self.surface, str(out))
        except (OSError, pygame.error) as exc:
            raise DisplayError(f"cannot save screenshot {out}: {exc}") from exc
        return out

    def close(self) -> None:
        """Close the window (idempotent)."""
        if pygame.display.get_init():
            pygame.display.quit()


def open_display(size: tuple[int, int], *, fullscreen: bool = False, headless: bool = False,
                 title: str = "Apoyo ciudadano") -> Display:
    """Open a ``size`` = (width_px, height_px) window (or fullscreen, or headless).

    Fullscreen always uses the panel's own resolution (``size`` is then ignored). Headless forces SDL's dummy driver unless
    another driver was chosen in ``SDL_VIDEODRIVER``. Raises DisplayError when SDL cannot open a screen.
    """
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    try:
        # the window's class is what a desktop shows and a window manager matches (it was "__main__.py")
        os.environ.setdefault("SDL_VIDEO_X11_WMCLASS", "apoyo-kiosk")
        pygame.display.init()
        pygame.font.init()
        driver = pygame.display.get_driver()
        if headless or driver == "dummy":
            pygame.display.set_mode((1, 1))
            width, height = size
            if width <= 0 or height <= 0:
                raise DisplayError(f"a headless screen needs a size, got {size}")
            return Display(surface=pygame.Surface((width, height)), is_headless=True, driver=driver)
        pygame.display.set_caption(title)
        if fullscreen:
            # the panel's own mode (800×480, 720×1280, ...): the layouts adapt, and on kmsdrm a mode change
            # would only blank the panel
            surface = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            surface = pygame.display.set_mode(size)
        if fullscreen:
            pygame.mouse.set_visible(False)  # a touch kiosk has no pointer to show
        return Display(surface=surface, is_headless=False, driver=driver)
    except pygame.error as exc:
        raise DisplayError(f"cannot open the screen ({os.environ.get('SDL_VIDEODRIVER', 'auto')}): {exc}") from exc
