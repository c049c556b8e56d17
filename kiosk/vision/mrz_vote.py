"""Vote MRZ cell scores across reads and decide whether a read can be accepted.

Zero false accepts is the rule: a read is accepted only when (1) it parses as an INE TD1 MRZ, (2) every
check digit passes (CIC, birth date, expiry date, composite), (3) every cell's symbol probability reaches
``mrz_min_score`` and (4) the cells no check digit protects (names, sex, nationality, 'IDMEX', the filler)
beat their runner-up symbol by ``mrz_min_margin`` (a probability difference). Nothing is ever "corrected" to
make a check digit pass.

Calibration (dev seeds 4242 and 7777, 120 normal + 120 hard scenes each, every read of the detected outline
and its rescalings): reads that pass every check digit but are wrong reach an unchecked-cell margin of at
most 0.18 and a min score of 0.24; right reads have a 5th-percentile margin of 0.26-0.54.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from datetime import date

import numpy as np

from kiosk.config import VisionConfig
from kiosk.credential.mrz import MrzParse, parse_td1
from kiosk.errors import InvalidField
from kiosk.vision.mrz_read import UNCHECKED_CELLS, MrzCells, decode


@dataclass(frozen=True)
class MrzDecision:
    """Outcome for one (voted) read.

    ``reason``: None when accepted, else 'mrz.not_found', 'mrz.not_idmex' (another document's MRZ),
    'mrz.invalid' (a field is structurally impossible), 'mrz.check_failed', 'mrz.low_confidence',
    'mrz.fraud_suspected' (read from a still flagged as a photocopy or a screen) or 'mrz.card_incomplete'
    (read, but the card was cut by the frame edge: its picture would be incomplete).
    ``lines``: the text as read (also when rejected; for diagnostics, never for business use).
    ``checks``: per-check-digit status when the lines parse. ``n_reads``: reads voted.
    """

    is_accepted: bool
    reason: str | None
    lines: tuple[str, str, str] | None = None
    parse: MrzParse | None = None
    checks: dict[str, bool] | None = None
    min_score: float = 0.0
    min_unchecked_margin: float = 0.0
    n_reads: int = 0
    invalid_field: str | None = None


def decide(scores: np.ndarray | None, cfg: VisionConfig, today: date | None = None, n_reads: int = 1) -> MrzDecision:
    """Accept or reject the read given by (3, 30, 37) cell scores (None = no MRZ located)."""
    if scores is None:
        return MrzDecision(False, "mrz.not_found", n_reads=n_reads)
    lines, chosen, margin = decode(scores)
    min_score = float(chosen.min())
    min_margin = float(margin[UNCHECKED_CELLS].min())
    # On cells no check digit protects, a glyph that matches its symbol only moderately well must beat the
    # runner-up by a wide margin: every wrong name letter seen in the benchmark was such a cell.
    weak = UNCHECKED_CELLS & (chosen < cfg.mrz_confident_score) & (margin < cfg.mrz_weak_cell_margin)
    # A smeared 'M' reads as 'K' (every wrong name accepted in the benchmark at a 0.03 margin was that), and
    # 'K' is rare in Mexican names: a name 'K' must win clearly.
    is_k = np.array([[ch == "K" for ch in line] for line in lines])
    weak |= UNCHECKED_CELLS & is_k & (margin < cfg.mrz_weak_cell_margin)
    base = {"lines": lines, "min_score": min_score, "min_unchecked_margin": min_margin, "n_reads": n_reads}
    try:
        parsed = parse_td1(lines, today=today)
    except InvalidField as exc:
        reason = "mrz.not_idmex" if exc.field == "document_code" and min_margin >= cfg.mrz_min_margin else \
            "mrz.invalid"
        return MrzDecision(False, reason, invalid_field=exc.field, **base)
    base["parse"] = parsed
    base["checks"] = dict(parsed.checks)
    if not parsed.is_valid:
        return MrzDecision(False, "mrz.check_failed", **base)
    if min_score < cfg.mrz_min_score or min_margin < cfg.mrz_min_margin or bool(weak.any()):
        return MrzDecision(False, "mrz.low_confidence", **base)
    if not _is_plausible_name_line(lines[2]):
        return MrzDecision(False, "mrz.invalid", invalid_field="names", **base)
    return MrzDecision(True, None, **base)


_NAME_LINE = re.compile(r"^[A-Z]+(<[A-Z]+)*<<[A-Z]+(<[A-Z]+)*<*$|^[A-Z]+(<[A-Z]+)*<*$")


def _is_plausible_name_line(line: str) -> bool:
    """INE's line 3 is SURNAME(S)<<GIVEN<NAMES then only fillers: letters after the trailing fillers, or
    three fillers in a row inside the names, cannot be a name (a misread filler or a shifted window)."""
    return bool(_NAME_LINE.match(line))


class MrzVoter:
    """Averages the cell scores of the last ``cfg.mrz_vote_frames`` reads of the same card."""

    def __init__(self, cfg: VisionConfig) -> None:
        self._cfg = cfg
        self._reads: deque[np.ndarray] = deque(maxlen=cfg.mrz_vote_frames)

    def add(self, cells: MrzCells | None) -> None:
        """Add one read; None (MRZ not located) is ignored."""
        if cells is not None:
            self._reads.append(cells.scores)

    @property
    def n_reads(self) -> int:
        return len(self._reads)

    def reset(self) -> None:
        """Forget every read (a new card)."""
        self._reads.clear()

    def decide(self, today: date | None = None) -> MrzDecision:
        """Decision on the averaged scores; each single read is also tried, the first accepted one wins
        only if the average is not itself accepted (a blurred read must not veto a sharp one)."""
        if not self._reads:
            return decide(None, self._cfg, today, 0)
        voted = decide(np.mean(np.stack(self._reads), axis=0), self._cfg, today, len(self._reads))
        if voted.is_accepted or len(self._reads) == 1:
            return voted
        for scores in reversed(self._reads):
            single = decide(scores, self._cfg, today, 1)
            if single.is_accepted:
                return single
        return voted
