"""One module per flow state (``kiosk/ui/screens/<state value>.py``), each with ``render(ctx)``.

Read the file list to read the flow's screens. :func:`screen_for` finds a state's module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from kiosk.flow.states import State


def screen_module(state: State) -> ModuleType:
    """The module that draws ``state``. Raises ImportError when a state has no screen (a programming error)."""
    return importlib.import_module(f"{__name__}.{state.value}")


def screen_for(state: State) -> Callable[..., None]:
    """The ``render(ctx)`` function of ``state``'s screen."""
    return screen_module(state).render
