"""Store test fixtures: a data directory with real device keys and a DEVELOPMENT central."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from store_support import Env, make_env


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path / "data")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
