from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from kiosk.camera.base import WhiteBalance
from kiosk.camera.factory import open_camera
from kiosk.camera.opencv import OpenCVCamera
from kiosk.camera.picamera2_source import Picamera2Camera
from kiosk.camera.scripted import ScriptedCamera
from kiosk.clock import FakeClock
from kiosk.config import CameraConfig
from kiosk.errors import CameraError, CameraTimeout, CameraUnavailable, ImageError


def _img(value: int, size: tuple[int, int] = (1600, 1200)) -> np.ndarray:
    w, h = size
    img = np.full((h, w, 3), value, np.uint8)
    cv2.putText(img, str(value), (50, 200), cv2.FONT_HERSHEY_SIMPLEX, 5, (255, 255, 255), 8)
    return img


# -- scripted ------------------------------------------------------------------------------------------------
def test_scripted_plays_frames_by_clock_time_and_loops() -> None:
    clock = FakeClock()
    cam = ScriptedCamera(clock, preview_size=(640, 480), fps=10)
    cam.play([(0.0, _img(10)), (0.5, _img(20)), (1.0, _img(30))])
    with cam:
        first = cam.latest_preview()
        assert first.size_px == (640, 480)
        assert first.image[0, 0, 0] == 10
        clock.advance(0.6)
        assert cam.latest_preview().image[0, 0, 0] == 20
        clock.advance(0.45)
        assert cam.latest_preview().image[0, 0, 0] == 30
        clock.advance(0.1)  # past the end (1.0 + one frame period): loops to the start
        assert cam.latest_preview().image[0, 0, 0] == 10
    assert not cam.is_running


def test_scripted_still_is_full_resolution_and_stills_play_in_turn() -> None:
    clock = FakeClock()
    cam = ScriptedCamera(clock)
    cam.play([_img(5)], stills=[_img(100), _img(200)])
    cam.start()
    assert cam.capture_still().size_px == (1600, 1200)
    assert cam.capture_still().image[0, 0, 0] == 200
    assert cam.capture_still().image[0, 0, 0] == 200  # the last still repeats
    indices = [cam.latest_preview().index for _ in range(3)]
    assert indices == sorted(set(indices))
    assert cam.capture_still().white_balance is None  # a script says nothing about white balance unless told
    balance = WhiteBalance((2.1, 1.4), 3200.0)
    cam.play([_img(5)], white_balance=balance)
    assert cam.capture_still().white_balance == balance and cam.latest_preview().white_balance == balance


def test_scripted_without_loop_holds_the_last_frame() -> None:
    clock = FakeClock()
    cam = ScriptedCamera(clock, fps=10)
    cam.play([_img(1), _img(2)], loop=False)
    cam.start()
    clock.advance(5)
    assert cam.latest_preview().image[0, 0, 0] == 2


def test_scripted_errors_instead_of_hanging() -> None:
    clock = FakeClock()
    cam = ScriptedCamera(clock)
    with pytest.raises(CameraUnavailable, match="not started"):
        cam.latest_preview()
    cam.start()
    with pytest.raises(CameraTimeout, match="nothing to show"):
        cam.latest_preview()
    cam.play([_img(1)])
    cam.fail_next(2)
    for _ in range(2):
        with pytest.raises(CameraTimeout):
            cam.capture_still()
    assert cam.latest_preview().image[0, 0, 0] == 1
    cam.disconnect()
    with pytest.raises(CameraUnavailable, match="disconnected"):
        cam.latest_preview()
    assert not cam.is_running
    with pytest.raises(CameraUnavailable):
        cam.start()
    cam.close()
    cam.close()  # idempotent


@pytest.mark.parametrize("bad", [[], [np.zeros((10, 10), np.uint8)], [np.zeros((4, 4, 3), np.float32)],
                                 [(1.0, _img(1, (8, 8))), (0.5, _img(2, (8, 8)))]])
def test_scripted_rejects_bad_scripts(bad: list[Any]) -> None:
    with pytest.raises(ImageError):
        ScriptedCamera(FakeClock()).play(bad)


def test_camera_errors_are_catchable_as_runtime_errors() -> None:
    assert issubclass(CameraUnavailable, RuntimeError)
    assert issubclass(CameraTimeout, CameraError)


# -- OpenCV: a real VideoCapture over a real video file -----------------------------------------------------
def _video(path: Path, n: int = 20) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    assert writer.isOpened()
    for i in range(n):
        writer.write(_img(i * 10, (320, 240)))
    writer.release()
    return path


def test_opencv_camera_reads_a_real_stream(tmp_path: Path) -> None:
    video = _video(tmp_path / "clip.avi")
    clock = FakeClock()
    with OpenCVCamera(str(video), clock, preview_size=(160, 120), frame_timeout_s=5) as cam:
        frame = cam.latest_preview()
        assert frame.size_px == (160, 120)
        still = cam.capture_still()
        assert still.size_px == (320, 240)
        assert cam.is_running
    assert not cam.is_running


def test_opencv_missing_device_is_unavailable() -> None:
    with pytest.raises(CameraUnavailable, match="plugged in"):
        OpenCVCamera("/nonexistent/video0.avi", FakeClock()).start()


class _DyingCapture:
    """A VideoCapture whose cable is pulled after a few frames: reads start failing."""

    def __init__(self, _source: Any, good_frames: int = 3) -> None:
        self.left = good_frames
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.left -= 1
        return (True, _img(7, (64, 48))) if self.left >= 0 else (False, None)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        self.released = True


def test_opencv_unplugged_camera_reports_unavailable_not_a_hang() -> None:
    cam = OpenCVCamera(0, FakeClock(), preview_size=(32, 24), frame_timeout_s=5, capture_factory=_DyingCapture)
    cam.start()
    import time
    deadline = time.monotonic() + 5  # the grabber is a real thread: give it real time, bounded
    with pytest.raises(CameraUnavailable, match="stopped sending"):
        while time.monotonic() < deadline:
            cam.capture_still()
            time.sleep(0.001)
    cam.close()
    cam.close()


class _SilentCapture(_DyingCapture):
    def read(self) -> tuple[bool, np.ndarray | None]:
        import time
        time.sleep(0.01)  # a device that never delivers; the consumer must time out
        return False, None


def test_opencv_times_out_when_no_frame_arrives() -> None:
    cam = OpenCVCamera(0, FakeClock(), capture_factory=lambda s: _SilentCapture(s, 0), frame_timeout_s=0.05)
    cam.start()
    with pytest.raises(CameraError):
        cam.latest_preview()
    cam.close()


# -- picamera2: a fake that honours the calls the real library takes ----------------------------------------
class _Job:
    def __init__(self, result: Any) -> None:
        self.result = result


class _Request:
    """picamera2's CompletedRequest: arrays and metadata of one frame, to be released."""

    def __init__(self, arrays: dict[str, np.ndarray], metadata: dict[str, Any], owner: FakePicamera2) -> None:
        self._arrays, self._metadata, self._owner = arrays, metadata, owner

    def make_array(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def get_metadata(self) -> dict[str, Any]:
        return dict(self._metadata)

    def release(self) -> None:
        self._owner.released += 1


class FakePicamera2:
    def __init__(self, fail_start: bool = False, stall: bool = False,
                 metadata: dict[str, Any] | None = None) -> None:
        self.metadata = {"ColourGains": (1.9, 1.6), "ColourTemperature": 4100, "ExposureTime": 10000} \
            if metadata is None else metadata
        self.released = 0
        self.camera_controls = {"AfMode": (0, 2, 0)}
        self.controls: dict[str, Any] = {}
        self.configured: dict[str, Any] | None = None
        self.started = self.closed = False
        self.fail_start, self.stall = fail_start, stall
        self.focus_cycles = 0

    def create_video_configuration(self, main: dict, lores: dict, buffer_count: int) -> dict:
        return {"main": main, "lores": lores}

    def create_still_configuration(self, main: dict) -> dict:
        return {"main": main}

    def configure(self, config: dict) -> None:
        self.configured = config

    def start(self) -> None:
        if self.fail_start:
            raise RuntimeError("Failed to acquire camera: Device or resource busy")
        self.started = True

    def set_controls(self, controls: dict) -> None:
        self.controls.update(controls)

    def capture_request(self, wait: bool = True) -> _Job:
        assert self.configured is not None
        w, h = self.configured["lores"]["size"]
        yuv = np.zeros((h * 3 // 2, w), np.uint8)
        yuv[:h] = 200  # bright luma, neutral chroma
        yuv[h:] = 128
        return _Job(_Request({"lores": yuv}, self.metadata, self))

    def autofocus_cycle(self, wait: bool = True) -> _Job:
        self.focus_cycles += 1
        return _Job(True)

    def switch_mode_and_capture_request(self, config: dict, wait: bool = True) -> _Job:
        w, h = config["main"]["size"]
        # libcamera pads RGB888 to 4 channels on some modes
        return _Job(_Request({"main": np.full((h, w, 4), 90, np.uint8)}, self.metadata, self))

    def wait(self, job: _Job, timeout: float | None = None) -> Any:
        if self.stall:
            raise TimeoutError
        return job.result

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


def test_picamera2_lores_preview_main_still_and_autofocus() -> None:
    fake = FakePicamera2()
    cam = Picamera2Camera(FakeClock(), preview_size=(640, 480), still_size=(2304, 1296), camera_factory=lambda: fake)
    with cam:
        preview = cam.latest_preview()
        assert preview.size_px == (640, 480)
        assert 180 < int(preview.image.mean()) < 220
        still = cam.capture_still()
        assert still.size_px == (2304, 1296) and still.image.shape[2] == 3
        assert fake.controls["AfMode"] == 2
        assert fake.focus_cycles == 1
        # Each frame carries the white balance the camera applied, and every request went back to libcamera.
        assert still.white_balance == WhiteBalance((1.9, 1.6), 4100.0)
        assert preview.white_balance == still.white_balance
        assert fake.released == 2
    assert fake.closed


@pytest.mark.parametrize("metadata, expected", [
    ({}, None),
    ({"ColourTemperature": 2900}, WhiteBalance(None, 2900.0)),
    ({"ColourGains": (0.0, 1.2)}, None),  # a zero gain is no balance
    ({"ColourGains": "nonsense", "ColourTemperature": float("nan")}, None),
])
def test_picamera2_white_balance_is_read_only_when_it_makes_sense(metadata: dict, expected: Any) -> None:
    cam = Picamera2Camera(FakeClock(), camera_factory=lambda: FakePicamera2(metadata=metadata))
    with cam:
        assert cam.capture_still().white_balance == expected


def test_picamera2_failures_are_clear() -> None:
    busy = Picamera2Camera(FakeClock(), camera_factory=lambda: FakePicamera2(fail_start=True))
    with pytest.raises(CameraUnavailable, match="could not start"):
        busy.start()
    stalled = Picamera2Camera(FakeClock(), camera_factory=lambda: FakePicamera2(stall=True), frame_timeout_s=0.1)
    stalled.start()
    with pytest.raises(CameraTimeout):
        stalled.latest_preview()
    stalled.close()
    with pytest.raises(CameraUnavailable, match="not started"):
        stalled.capture_still()


def test_picamera2_missing_library_explains_the_fix() -> None:
    try:
        import picamera2  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(CameraUnavailable, match="python3-picamera2"):
            Picamera2Camera(FakeClock()).start()
    else:  # pragma: no cover - on a Pi
        pytest.fail("this test expects a machine without picamera2; run it off the Pi")


@pytest.mark.parametrize(("source", "cls"), [("scripted", ScriptedCamera), ("opencv", OpenCVCamera),
                                             ("picamera2", Picamera2Camera)])
def test_factory_builds_the_configured_source_without_opening_it(source: str, cls: type) -> None:
    cam = open_camera(CameraConfig(source=source), FakeClock())
    assert isinstance(cam, cls)
    assert not cam.is_running
    cam.close()
