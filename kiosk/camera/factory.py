"""Choose the camera source from configuration."""

from __future__ import annotations

from kiosk.camera.base import Camera
from kiosk.clock import Clock
from kiosk.config import CameraConfig
from kiosk.errors import ConfigError


def open_camera(cfg: CameraConfig, clock: Clock) -> Camera:
    """Build (not start) the configured camera. The scripted camera starts empty: the app plays scenes into it."""
    preview = (cfg.preview_width_px, cfg.preview_height_px)
    still = (cfg.still_width_px, cfg.still_height_px)
    if cfg.source == "scripted":
        from kiosk.camera.scripted import ScriptedCamera
        return ScriptedCamera(clock, preview_size=preview, fps=cfg.frame_rate_fps)
    if cfg.source == "opencv":
        from kiosk.camera.opencv import OpenCVCamera
        return OpenCVCamera(cfg.opencv_device, clock, preview_size=preview, still_size=still,
                            frame_timeout_s=cfg.frame_timeout_s)
    if cfg.source == "picamera2":
        from kiosk.camera.picamera2_source import Picamera2Camera
        return Picamera2Camera(clock, preview_size=preview, still_size=still,
                               frame_timeout_s=cfg.frame_timeout_s, autofocus=cfg.autofocus)
    raise ConfigError("camera.source", f"unknown source {cfg.source!r}")  # config validation prevents this
