"""The varied card generator: labels agree with pixels by construction (corners, tint, cast, metadata), the
seed discipline holds, and every cell renders."""

import colorsys
import random

import cv2
import numpy as np
import pytest

from kiosk.credential.citizen import generate_citizen, mrz_lines
from kiosk.dev.synth.fonts import FontMissing
from kiosk.dev.synth.varied import attacks, camera, cells, design, guilloche, typefaces
from kiosk.dev.synth.varied.cases import make_case, typeface_pool
from kiosk.errors import InvalidField

GREEN = (0, 160, 0)  # BGR: a card colour no desk, sheet, bezel or letterbox has


def _green_card(w=1213, h=765):
    return np.full((h, w, 3), GREEN, np.uint8)


def _is_green(img):
    b, g, r = (img[..., i].astype(int) for i in range(3))
    return g - np.maximum(r, b) > 25


def _quad_mask(shape, quad, grow_px):
    m = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(m, np.round(np.array(quad)).astype(np.int32), 255)
    k = np.ones((abs(grow_px) * 2 + 1,) * 2, np.uint8)
    return (cv2.dilate(m, k) if grow_px > 0 else cv2.erode(m, k)) > 0


def _shoot(plane, rng, framing="inside", kind="awb", kelvin=(5000.0, 5000.0)):
    plane.gloss = 0.0  # no highlight: it would whiten the card's colour where it falls
    quad, _ = camera.place_quad(rng, 1213 / 765, framing)
    h = cv2.getPerspectiveTransform(plane.card_quad.astype(np.float32), quad)
    desk = camera.make_desk(rng, "black_mat", *camera.FRAME_SIZE)
    cam = camera.sample_camera(rng, kind, kelvin)
    return camera.photograph(plane, h, desk, cam, rng, quality="clean")


@pytest.mark.parametrize("make,inside_min", [
    (lambda card, rng: camera.card_plane(card, 38.0), 0.98),
    (lambda card, rng: attacks.phone_replay(card, 38.0, rng), 0.98),
    (lambda card, rng: attacks.monitor_replay(card, 38.0, rng), 0.98),
    # The first photo has its own highlight, blur and noise, printed into the copy.
    (lambda card, rng: attacks.photo_of_photo(card, 38.0, rng), 0.9),
], ids=["genuine", "phone", "monitor", "photo_of_photo"])
def test_true_corners_bound_the_card_in_the_frame(make, inside_min):
    rng = np.random.default_rng(11)
    scene, label = _shoot(make(_green_card(), rng), rng)
    # Averaged over 5 px: a screen's subpixels alias into moiré, which is not what this test is about.
    green = _is_green(cv2.blur(scene, (5, 5)))
    corners = label["corners"]
    inside = _quad_mask(scene.shape, corners, -6)
    outside = ~_quad_mask(scene.shape, corners, 6)
    assert green[inside].mean() > inside_min
    assert green[outside].sum() < 300  # the rounded corners' anti-aliasing, no misplaced card
    assert label["visible_fraction"] == 1.0


def test_cut_scene_corners_leave_the_frame_and_visible_part_matches():
    rng = np.random.default_rng(5)
    scene, label = _shoot(camera.card_plane(_green_card(), 0.0), rng, framing="cut")
    c = np.array(label["corners"])
    fw, fh = camera.FRAME_SIZE
    assert ((c[:, 0] < 0) | (c[:, 0] > fw) | (c[:, 1] < 0) | (c[:, 1] > fh)).any()
    d1, d2 = c[2] - c[0], c[3] - c[1]
    area = 0.5 * abs(d1[0] * d2[1] - d1[1] * d2[0])
    assert _is_green(scene).sum() / area == pytest.approx(label["visible_fraction"], abs=0.02)
    assert label["visible_fraction"] < 0.93


def test_inside_scenes_keep_the_margin():
    rng = np.random.default_rng(2)
    for framing in ("inside", "tight"):
        for _ in range(40):
            quad, _ = camera.place_quad(rng, 1.585, framing)
            fw, fh = camera.FRAME_SIZE
            assert quad[:, 0].min() >= 0.03 * fw and quad[:, 0].max() <= 0.97 * fw
            assert quad[:, 1].min() >= 0.03 * fh and quad[:, 1].max() <= 0.97 * fh


@pytest.mark.parametrize("kind,kelvin", [("awb", 2800.0), ("wb_error", 3000.0), ("fixed_wb", 2800.0),
                                         ("fixed_wb", 6400.0), ("awb", 6400.0)])
def test_cast_in_pixels_is_what_the_label_and_metadata_say(kind, kelvin):
    rng = np.random.default_rng(3)
    grey = camera.card_plane(np.full((400, 634, 3), 128, np.uint8), 0.0, gloss=0.0)
    quad, _ = camera.place_quad(rng, 634 / 400, "inside")
    h = cv2.getPerspectiveTransform(grey.card_quad, quad)
    cam = camera.sample_camera(rng, kind, (kelvin, kelvin))
    # A white desk sets the exposure, so even a strongly cast grey card stays below clipping.
    scene, label = camera.photograph(grey, h, camera.make_desk(rng, "white_table", *camera.FRAME_SIZE), cam, rng,
                                     quality="clean")
    lin = camera.to_linear(scene)[_quad_mask(scene.shape, label["corners"], -20)]
    ratio = np.median(lin, axis=0) / np.median(lin[:, 1])
    assert ratio == pytest.approx(label["cast"]["neutral_bgr_ratio"], abs=0.02)
    md = label["metadata"]
    if kind == "fixed_wb":
        assert md is None
        warm = kelvin < 5000
        assert (ratio[2] > 1.15 and ratio[0] < 0.8) if warm else (ratio[0] > 1.05)
    else:
        assert md["ColourGains"] == pytest.approx(camera.colour_gains(md["ColourTemperature"]), abs=2e-3)
        if kind == "awb":
            assert abs(md["ColourTemperature"] - kelvin) < 0.15 * kelvin
            assert ratio == pytest.approx([1, 1, 1], abs=0.1)
        else:
            assert 0.11 < abs(md["ColourTemperature"] - kelvin) / kelvin < 0.31
            assert max(abs(ratio[0] - 1), abs(ratio[2] - 1)) > 0.05


def test_lamp_colour_follows_temperature():
    warm, neutral, cool = (camera.lamp_rgb(k) for k in (2700, 6504, 9000))
    assert warm[0] > 1.5 and warm[2] < 0.5
    assert neutral == pytest.approx([1, 1, 1], abs=1e-3)
    assert cool[2] > 1.05 and cool[0] < 0.95
    with pytest.raises(InvalidField):
        camera.lamp_rgb(1000)


@pytest.mark.parametrize("tint", sorted(cells.TINTS))
def test_tint_is_on_the_card(tint, faces_dir):
    from kiosk.dev.synth.faces import list_faces, load_face

    rng = np.random.default_rng(7)
    style = design.sample_style(rng, tint, typefaces.FIELD_TYPEFACES)
    style["guilloche"]["contrast"] = 0.0  # the precondition: paper alone in the unprinted corner
    style["wear"] = 0.0
    style["iris_saturation"], style["iris_hue_deg"] = style["tint_saturation"], style["tint_hue_deg"]
    face, box = load_face(list_faces(faces_dir)[0].path)
    art = design.render_front(generate_citizen(random.Random(1), model="G"), style, face, box, rng)
    corner = art.image[int(47 * design.MM):int(52 * design.MM), int(4 * design.MM):int(20 * design.MM)]
    b, g, r = np.median(corner.reshape(-1, 3), axis=0) / 255
    hue, sat, _ = colorsys.rgb_to_hsv(r, g, b)
    lo, hi = cells.TINTS[tint]["saturation"]
    assert sat == pytest.approx(style["tint_saturation"], abs=0.02)
    assert lo - 0.02 <= sat <= hi + 0.02
    if tint != "near_white":
        dh = abs((hue * 360 - style["tint_hue_deg"] + 180) % 360 - 180)
        assert dh < 4


def test_guilloche_lines_have_the_stated_spacing():
    for spacing in (3.5, 7.0, 12.0):
        mask = guilloche.waves(400, 300, spacing, np.random.default_rng(1))
        col = mask[:, 150] - mask[:, 150].mean()
        ac = np.correlate(col, col, "full")[len(col) - 1:]
        lag = int(np.argmax(ac[int(spacing * 0.6):int(spacing * 1.6)])) + int(spacing * 0.6)
        assert abs(lag - spacing) <= 1.0


def test_grey_guilloche_is_grey_and_coloured_is_coloured(faces_dir):
    rng = np.random.default_rng(4)
    c = generate_citizen(random.Random(2), model="E")
    for is_grey in (True, False):
        style = design.sample_style(rng, "near_white", typefaces.FIELD_TYPEFACES)
        style["guilloche"].update(is_grey=is_grey, saturation=0.0 if is_grey else 0.7, contrast=0.6,
                                  spacing_mm=0.5, kinds=["waves"])
        style["wear"] = 0.0
        art = design.render_back(c, style, rng)
        band = art.image[int(26 * design.MM):int(28 * design.MM), int(60 * design.MM):int(80 * design.MM)]
        paper = art.paper[int(26 * design.MM):int(28 * design.MM), int(60 * design.MM):int(80 * design.MM)]
        ink = (paper - band.astype(np.float32)).reshape(-1, 3)
        ink = ink[ink.sum(axis=1) > 30]  # pixels on a line
        spread = np.abs(ink - ink.mean(axis=1, keepdims=True)).mean()
        assert (spread < 6) if is_grey else (spread > 10)


def test_back_carries_the_citizen_mrz_in_td1_geometry():
    rng = np.random.default_rng(9)
    c = generate_citizen(random.Random(5), model="H")
    art = design.render_back(c, design.sample_style(rng, "pink", typefaces.FIELD_TYPEFACES), rng)
    assert tuple(art.label["mrz_lines"]) == mrz_lines(c)
    assert art.label["mrz_pitch_px"] == pytest.approx(design.DPI / 10)
    base = art.label["mrz_baselines_px"]
    assert np.diff(base) == pytest.approx([design.DPI / 6] * 2)
    assert 3.0 * design.MM - 1 <= design.CARD_H_PX - base[-1] <= 4.2 * design.MM + 1
    x0, y0, x1, y1 = art.label["mrz_box_px"]
    gray = cv2.cvtColor(art.image, cv2.COLOR_BGR2GRAY)
    assert (gray[y0:y1, x0:x1] < 90).mean() > 0.08  # the OCR-B ink is there
    assert x1 < design.CARD_W_PX and y1 < design.CARD_H_PX


def test_seed_discipline():
    assert not set(cells.CALIBRATION_SEEDS) & set(cells.REPORT_SEEDS)
    assert cells.TEST_SEED not in cells.CALIBRATION_SEEDS + cells.REPORT_SEEDS
    for seed in cells.CALIBRATION_SEEDS:
        assert not set(typeface_pool(seed)) & set(typefaces.HELD_OUT)
    for seed in cells.REPORT_SEEDS:
        assert set(typefaces.HELD_OUT) <= set(typeface_pool(seed))
    assert cells.seed_purpose(cells.REPORT_SEEDS[0]) == "report"


def test_cells_and_keys():
    grid = cells.cells()
    assert len(grid) == 4 * 4 * 5 * len(cells.ATTACKS)
    assert cells.Cell.parse("G/pink/warm/genuine/cut") == cells.Cell("G", "pink", "warm", "genuine", "cut")
    for bad in ("G/pink/warm", "Z/pink/warm/genuine", "G/green/warm/genuine"):
        with pytest.raises(InvalidField):
            cells.Cell.parse(bad)


def test_case_is_deterministic_and_labelled():
    cell = cells.Cell("F", "lilac", "fixed_wb", "genuine")
    a = make_case(cells.TEST_SEED, 0, cell)
    b = make_case(cells.TEST_SEED, 0, cell)
    assert np.array_equal(a.front, b.front) and np.array_equal(a.back, b.back)
    assert a.label == b.label
    assert a.front.shape == (1200, 1600, 3)
    lab = a.label
    assert lab["cell"] == cell.key and lab["is_specimen"] and lab["seed_purpose"] == "test"
    assert lab["front"]["metadata"] is None  # a fixed-WB camera reports no colour metadata
    assert lab["front_truth"] == lab["back_truth"] and lab["mrz_lines"] == list(mrz_lines(a.back_citizen))
    assert a.front_citizen.model.value == "F" and a.front_citizen.is_synthetic
    assert make_case(cells.TEST_SEED, 1, cell).label["front_truth"] != lab["front_truth"]


def test_mixed_pair_binds_two_citizens_of_one_design():
    case = make_case(cells.TEST_SEED, 0, cells.Cell("G", "beige", "neutral", "mixed_pair"))
    assert case.front_citizen != case.back_citizen
    assert case.front_citizen.model == case.back_citizen.model
    assert case.label["mrz_lines"] == list(mrz_lines(case.back_citizen))
    assert case.label["front"]["metadata"]["ColourTemperature"] > 0


def test_missing_font_names_its_package(monkeypatch, tmp_path):
    monkeypatch.setitem(typefaces.TYPEFACE_FILES, "ghost", (tmp_path / "nope.ttf", "fonts-ghost"))
    with pytest.raises(FontMissing, match="fonts-ghost"):
        typefaces.font("ghost")


def test_every_typeface_is_installed():
    # make setup installs them (Makefile APT list); a missing one is named with its package.
    assert typefaces.missing() == []
    for name in typefaces.FIELD_TYPEFACES + typefaces.HELD_OUT:
        assert typefaces.text_width("CURP 1990", name, 30) > 0


def test_cli_writes_scenes_and_labels(tmp_path, capsys):
    from kiosk.dev.synth.varied.__main__ import main

    assert main(["--out", str(tmp_path), "--cell", "E/beige/cool/grey_photocopy", "--count", "1"]) == 0
    label = __import__("json").loads((tmp_path / "0000.json").read_text())
    assert label["attack"] == "grey_photocopy" and label["seed_purpose"] == "calibration"
    assert cv2.imread(str(tmp_path / "0000_back.jpg")).shape == (1200, 1600, 3)
    assert main(["--out", str(tmp_path), "--cell", "E/beige/cool"]) == 2
    assert "design/tint/cast/attack" in capsys.readouterr().err


def test_preview_frames_move_the_highlight_and_the_banding():
    from kiosk.dev.synth.varied.cases import preview_frames

    frames = preview_frames(cells.TEST_SEED, 3, cells.Cell("G", "pink", "neutral", "phone_replay"), n_frames=3)
    assert [t for t, _, _ in frames] == [0.0, round(1 / 15, 4), round(2 / 15, 4)]
    labels = [lab for _, _, lab in frames]
    assert all(img.shape == (480, 640, 3) for _, img, _ in frames)
    assert labels[0]["corners"] != labels[1]["corners"]  # hand tremor
    hl = [lab["highlight"].get("centre_frame_px") for lab in labels]
    assert hl[0] is None or hl[0] != hl[2]
    if labels[0]["banding"] is not None:
        assert labels[0]["banding"]["phase"] != labels[1]["banding"]["phase"]
    with pytest.raises(InvalidField):
        preview_frames(cells.TEST_SEED, 0, cells.Cell("G", "pink", "neutral", "genuine"), side="edge")
