import numpy as np
import pytest

from kiosk.dev.synth.face_sequence import FPS, KINDS, make_face_sequence
from kiosk.dev.synth.faces import load_face
from kiosk.errors import ImageError, InvalidField


@pytest.fixture(scope="module")
def face(faces_dir):
    return load_face(faces_dir / "train-rose_leslie-img1.jpg")


def seq(face, kind, n=16, seed=1):
    img, box = face
    return make_face_sequence(img, kind, n, np.random.default_rng(seed), face_box=box)


@pytest.mark.parametrize("kind", KINDS)
def test_shape_timing_and_determinism(face, kind):
    frames = seq(face, kind)
    assert len(frames) == 16
    times = [t for t, _ in frames]
    assert all(0.9 / FPS < b - a < 1.1 / FPS for a, b in zip(times, times[1:], strict=False))
    assert all(f.shape == (480, 640, 3) and f.dtype == np.uint8 for _, f in frames)
    again = seq(face, kind)
    assert all(np.array_equal(a[1], b[1]) and a[0] == b[0] for a, b in zip(frames, again, strict=True))


def _motion(frames):
    first = frames[0][1].astype(float)
    return max(np.abs(f.astype(float) - first).mean() for _, f in frames[1:])


def test_still_only_noise_moved_and_tilted_move(face):
    still = _motion(seq(face, "still"))
    assert still < 5
    assert _motion(seq(face, "moved")) > 3 * still
    assert _motion(seq(face, "tilted")) > 3 * still


def test_photo_has_white_border_and_screen_dark_bezel(face):
    _, photo = seq(face, "photo_held", n=1)[0]
    _, screen = seq(face, "screen_replay", n=1)[0]
    gray_photo = photo.mean(axis=2)
    gray_screen = screen.mean(axis=2)
    # along the middle row: bright paper border vs near-black phone bezel next to the image
    assert (gray_photo[240] > 215).sum() >= 8
    assert (gray_screen[240] < 35).sum() >= 8


def test_bad_arguments(face):
    img, _ = face
    rng = np.random.default_rng(0)
    for kwargs, field in (({"kind": "deepfake"}, "kind"), ({"n_frames": 0}, "n_frames"),
                          ({"frame_size": (10, 10)}, "frame_size")):
        with pytest.raises(InvalidField) as err:
            make_face_sequence(img, **{"kind": "still", "n_frames": 2, "rng": rng, **kwargs})
        assert err.value.field == field
    with pytest.raises(ImageError):
        make_face_sequence(np.zeros((5, 5, 3), np.uint8), "still", 2, rng)
