"""The TFLite runtime behind one small interface: load a model once, run it, close it.

ai-edge-litert is preferred; the older ``tflite_runtime`` is the fallback so a Pi image with only that wheel
still works. Both use the XNNPACK CPU delegate by default. Nothing is imported or opened at module import.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.errors import ModelError


def _interpreter_class() -> tuple[type, str]:
    """Return the Interpreter class of the first installed runtime and its name; ModelError if none."""
    try:
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter, "ai-edge-litert"
    except ImportError:
        pass
    try:
        from tflite_runtime.interpreter import Interpreter

        return Interpreter, "tflite-runtime"
    except ImportError as exc:
        raise ModelError("no TFLite runtime installed: pip install ai-edge-litert (or tflite-runtime)") from exc


class TfliteModel:
    """One loaded ``.tflite`` model with fixed input shapes.

    ``run`` is serialised by a lock because a TFLite interpreter is not re-entrant; the kiosk runs inference
    off the UI thread, so two callers may meet here.

    Raises:
        ModelError: the file is missing, is not a TFLite model, or no runtime is installed.
    """

    def __init__(self, path: Path, threads: int = 2) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"model file missing: {self.path} (run `make models` or restore models/)")
        cls, self.runtime_name = _interpreter_class()
        try:
            self._interp: Any = cls(model_path=str(self.path), num_threads=int(threads))
            self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load model {self.path.name}: {exc}") from exc
        self._inputs = self._interp.get_input_details()
        self._outputs = self._interp.get_output_details()
        self._lock = threading.Lock()
        self._is_closed = False

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self._inputs[0]["shape"])

    @property
    def is_closed(self) -> bool:
        return self._is_closed

    def run(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run the model on one input tensor (already shaped and typed); return copies of every output.

        Raises:
            ModelError: the model was closed or the input shape does not fit.
        """
        with self._lock:
            if self._is_closed:
                raise ModelError(f"model {self.path.name} is closed")
            detail = self._inputs[0]
            if tuple(tensor.shape) != tuple(detail["shape"]):
                raise ModelError(f"{self.path.name}: input shape {tensor.shape} != {tuple(detail['shape'])}")
            self._interp.set_tensor(detail["index"], np.ascontiguousarray(tensor, dtype=detail["dtype"]))
            self._interp.invoke()
            return [self._interp.get_tensor(o["index"]).copy() for o in self._outputs]

    def output_names(self) -> list[str]:
        return [str(o["name"]) for o in self._outputs]

    def close(self) -> None:
        """Release the interpreter; calling it again does nothing."""
        with self._lock:
            if self._is_closed:
                return
            self._is_closed = True
            self._interp = None
