"""MRZ reading: the OCR-B classifier on real rendered cards, and the acceptance rules (zero false accepts)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from vision_helpers import TODAY, sample

from kiosk.config import VisionConfig
from kiosk.credential.citizen import mrz_lines
from kiosk.dev.synth.card import draw_mrz, render_back
from kiosk.vision.glyphs import ALPHABET, load_cells
from kiosk.vision.mrz_read import UNCHECKED_CELLS, classify_cells, decode, looks_like_td3
from kiosk.vision.mrz_vote import MrzVoter, decide

CFG = VisionConfig()


def _gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def test_shipped_glyph_cells_cover_the_mrz_alphabet() -> None:
    cells = load_cells()
    assert cells.shape[0] == len(ALPHABET) == 37
    assert all(cells[i].max() > 0.5 for i in range(37)), "every symbol has ink"


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_reads_a_rendered_back_exactly_and_accepts_it(index: int) -> None:
    s = sample("easy", index)
    cells = classify_cells(_gray(s.back_card))
    assert cells is not None and not cells.is_upside_down
    d = decide(cells.scores, CFG, TODAY)
    assert d.is_accepted, d.reason
    assert d.lines == tuple(s.label["mrz_lines"])
    assert d.parse is not None and d.parse.fields.cic == s.citizen.cic
    assert d.parse.fields.identificador == s.citizen.identificador


def test_upside_down_card_is_read_and_reported_as_turned() -> None:
    s = sample("easy", 1)
    cells = classify_cells(np.ascontiguousarray(_gray(s.back_card)[::-1, ::-1]))
    assert cells is not None and cells.is_upside_down
    assert decide(cells.scores, CFG, TODAY).lines == tuple(s.label["mrz_lines"])


def test_front_and_blank_have_no_mrz() -> None:
    s = sample("easy", 0)
    assert classify_cells(_gray(s.front_card)) is None
    assert classify_cells(np.full((638, 1011), 235, np.uint8)) is None
    assert decide(None, CFG, TODAY).reason == "mrz.not_found"


def _scores_with(scores: np.ndarray, line: int, col: int, symbol: str) -> np.ndarray:
    """The same read, but the cell at (line, col) now clearly looks like ``symbol``."""
    out = scores.copy()
    out[line, col, :] = 0.3
    out[line, col, ALPHABET.index(symbol)] = 0.95
    return out


def test_a_digit_misread_fails_its_check_digit_and_is_never_accepted() -> None:
    s = sample("easy", 0)
    scores = classify_cells(_gray(s.back_card)).scores  # type: ignore[union-attr]
    truth = s.label["mrz_lines"]
    for col in (5, 10, 13):  # inside the CIC
        wrong = str((int(truth[0][col]) + 3) % 10)
        d = decide(_scores_with(scores, 0, col, wrong), CFG, TODAY)
        assert not d.is_accepted and d.reason == "mrz.check_failed"
        assert d.checks is not None and d.checks["cic"] is False


def test_an_ambiguous_name_cell_is_refused_even_though_every_check_digit_passes() -> None:
    s = sample("easy", 0)
    scores = classify_cells(_gray(s.back_card)).scores.copy()  # type: ignore[union-attr]
    # Names have no check digit: make one name cell a coin toss between two letters.
    col = 1
    scores[2, col, :] = 0.4
    scores[2, col, ALPHABET.index("O")] = 0.80
    scores[2, col, ALPHABET.index("Q")] = 0.79
    d = decide(scores, CFG, TODAY)
    assert d.checks is not None and all(d.checks.values())
    assert not d.is_accepted and d.reason == "mrz.low_confidence"
    assert UNCHECKED_CELLS[2, col]


def test_a_foreign_td1_is_not_accepted() -> None:
    s = sample("easy", 0)
    card = render_back(s.citizen)
    l1, l2, l3 = mrz_lines(s.citizen)
    card[462:632, 20:991] = 250  # reprint the MRZ band as another country's ID card
    draw_mrz(card, ("IDUSA" + l1[5:], l2, l3))
    cells = classify_cells(_gray(card))
    assert cells is not None
    d = decide(cells.scores, CFG, TODAY)
    assert not d.is_accepted and d.reason in ("mrz.not_idmex", "mrz.invalid")


def test_voter_accepts_a_sharp_read_that_a_blurred_one_cannot_veto() -> None:
    s = sample("easy", 2)
    sharp = classify_cells(_gray(s.back_card))
    blurred = classify_cells(cv2.GaussianBlur(_gray(s.back_card), (0, 0), 4.0))
    voter = MrzVoter(CFG)
    voter.add(blurred)
    voter.add(None)  # a still where the MRZ was not found is ignored
    voter.add(sharp)
    d = voter.decide(TODAY)
    assert voter.n_reads == (2 if blurred is not None else 1)
    assert d.is_accepted and d.lines == tuple(s.label["mrz_lines"])
    voter.reset()
    assert voter.n_reads == 0 and voter.decide(TODAY).reason == "mrz.not_found"


def test_decode_ranks_by_position_alphabet_without_correcting() -> None:
    scores = np.full((3, 30, 37), 0.2, np.float32)
    scores[:, :, ALPHABET.index("<")] = 0.5
    scores[0, 5, ALPHABET.index("O")] = 0.9  # a letter-like glyph where a digit must be
    scores[0, 5, ALPHABET.index("0")] = 0.6
    lines, chosen, margin = decode(scores)
    assert lines[0][5] == "0" and chosen[0, 5] == pytest.approx(0.6)
    assert lines[2] == "<" * 30


def test_passport_like_page_is_recognised_as_td3() -> None:
    from vision_helpers import passport_scene

    _, page = passport_scene()
    assert classify_cells(_gray(page)) is None
    assert looks_like_td3(_gray(page))
    assert not looks_like_td3(_gray(sample("easy", 0).back_card))


def test_name_line_structure() -> None:
    from kiosk.vision.mrz_vote import _is_plausible_name_line

    assert _is_plausible_name_line("SERRANO<VEGA<<ANA<<<<<<<<<<<<<")
    assert _is_plausible_name_line("VILLASENOR<ORDONEZ<<OSCAR<ULIS")  # cut at 30
    assert not _is_plausible_name_line("RIA<JOSE<<<<<<<<<<<<<<<MJLLLLL")  # letters after the fillers
    assert not _is_plausible_name_line("<ANA<<<<<<<<<<<<<<<<<<<<<<<<<<")


def test_a_name_k_must_win_clearly() -> None:
    s = sample("easy", 0)
    scores = classify_cells(_gray(s.back_card)).scores.copy()  # type: ignore[union-attr]
    line3 = s.label["mrz_lines"][2]
    col = next(i for i, ch in enumerate(line3) if ch.isalpha())
    scores[2, col, :] = 0.0
    scores[2, col, ALPHABET.index("K")] = 0.95  # confident, and a margin that would do for any other letter
    scores[2, col, ALPHABET.index("M")] = 0.50
    d = decide(scores, CFG, TODAY)
    assert CFG.mrz_min_margin <= d.min_unchecked_margin < CFG.mrz_weak_cell_margin
    assert not d.is_accepted and d.reason == "mrz.low_confidence"
    scores[2, col, ALPHABET.index("M")] = 0.30  # now a clear 'K': accepted as read (names have no check)
    assert decide(scores, CFG, TODAY).is_accepted
