"""The alert policy: every threshold of rules R1–R7 and S1 in one frozen value.

The defaults are the clinic default policy (DESIGN.md §5, research/domain.md (c)). The
shipped default is calibrated on simulation, not on any clinic's data (CALIBRATION says
how); `fic policy calibrate` fits a clinic's own pooled noise and threshold. Scores are
judged on the alliance total rescaled to 0–1 (0 = worst, 1 = best), so one policy fits
any instrument; `cutoff` and `item_concern` are in the instrument's own points. A clinic
overrides any of them with a policy file read by `fic.domain.policy_file.parse_policy`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from fic.domain.instruments import Instrument
from fic.domain.outcomes import Trajectory
from fic.domain.safety import DEFAULT_TERM_LIST
from fic.errors import PolicyError

TENSION = ("none", "little", "some", "lot")
RULES = ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "S1", "M1")
# The thresholds `loosened` scales: each one, made smaller, can only add detections.
LOOSENED = ("rci_z", "rupture_z", "watch_z", "cusum_k", "cusum_h")
CALIBRATION = (
    "simulation, not clinic data: pooled_sd, prior_df and rupture_z were chosen on "
    "bench/false_alarms.py so that ceiling-skewed no-change 12-session courses (per-client "
    "noise SD 0.4-2.2 of 40 points, all-ten forms, warm-up rise, missed forms) raise a "
    "rupture in under 10% (8.7%; clients of SD 1-2 8.9%; clients of SD 2-4 far more, "
    "38%); prior_df 12 since leaning on the pool caught more dips at the same false rate "
    "than the moment fit (3.6); noisier clinics should run fic policy calibrate"
)


@dataclass(frozen=True)
class Policy:
    # R1 below cutoff: in points of the total / of an item; None = the instrument's own
    cutoff: float | None = None
    item_concern: float | None = None
    low_run: int = 3  # below cutoff this many valid sessions running = low_alliance
    # R2 reliable drop: rci_z · SD · √(2(1 − r)) from the instrument, below the baseline.
    # A watch cue by default: on its own it fires in about 4 of 10 no-change courses.
    rci_z: float = 1.96
    reliable_drop_level: str = "watch"
    # R3 personal baseline (fic.domain.predictive): today's total against this client's
    # predictive distribution; centre = the median (the mean of two) of the last
    # baseline_min..max valid sessions (all-ten forms included), spread = the client's SD
    # over the last spread_window sessions shrunk toward pooled_sd (0–1 scale: 0.02 =
    # 0.8 of 40 points, fitted on simulation; None = the instrument's SD · √(1 − r), 1.94
    # of 40 points for the alliance check) with a
    # prior worth prior_df sessions, Student-t. rupture_z / watch_z are normal-equivalent
    # z of the lower tail (3.5 ≈ 1 session in 4300).
    # The drop must be at least min_drop (0–1 scale; 0.075 = 3 of 40 points). Evidence
    # that compounds multiplies the allowed tail: today below the cutoff while the usual
    # level is not (cutoff_boost), most of the drop in one item below item concern
    # (item_boost), a little tension reported the same session (tension_boost).
    # sd_floor is the SD floor of R4's and R6's reference (None = the instrument's SD
    # of a difference, SD · √(2(1 − r)) = RCI / 1.96: 2.74 of 40 points).
    baseline_min: int = 2
    baseline_max: int = 6
    spread_window: int = 10
    pooled_sd: float | None = 0.02
    prior_df: float = 12.0
    rupture_z: float = 3.5
    watch_z: float = 2.0
    min_drop: float = 0.075
    cutoff_boost: float = 3.0
    cutoff_rare: float = 0.1  # the cutoff boost counts only if P(below it) ≤ this
    item_boost: float = 2.0
    tension_boost: float = 3.0
    sd_floor: float | None = None
    calibration: str = CALIBRATION
    # R4 lower CUSUM over the last cusum_window sessions against the baseline before them
    cusum_k: float = 0.5
    cusum_h: float = 4.0
    cusum_window: int = 4
    # R5 the client said so
    tension_rupture: str = "some"
    tension_watch: str = "little"
    # R6 repair: back to >= baseline median − repair_sd · SD within repair_window sessions
    repair_sd: float = 0.5
    repair_window: int = 3
    cooldown: int = 2  # sessions after a close in which a new detection reopens the episode
    stale_after: int = 8  # an escalated episode with no return closes this many sessions on
    # R7 escalation: unrepaired, or a rupture while wellbeing progress is poor
    escalate_on_poor_progress: bool = True
    progress_session: int = 6
    trajectory: Trajectory | None = None
    # S1 safety language
    safety_terms: tuple[str, ...] = DEFAULT_TERM_LIST
    disabled_rules: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise PolicyError(f"{item.name!r} must be a finite number")
        _check(self.cutoff is None or self.cutoff >= 0, "cutoff", "at least 0")
        _check(self.item_concern is None or self.item_concern >= 0, "item_concern", "at least 0")
        for name in ("low_run", "baseline_max", "cusum_window", "repair_window"):
            _check(getattr(self, name) >= 1, name, "a whole number of at least 1")
        _check(self.baseline_min >= 2, "baseline_min", "a whole number of at least 2")
        _check(self.baseline_max >= self.baseline_min, "baseline_max", "at least baseline_min")
        for name in ("sd_floor", "pooled_sd"):
            value = getattr(self, name)
            _check(value is None or 0 < value <= 1, name, "above 0 and at most 1")
        _check(self.prior_df > 0, "prior_df", "above 0")
        _check(self.spread_window >= 2, "spread_window", "a whole number of at least 2")
        _check(0 <= self.min_drop < 1, "min_drop", "at least 0 and below 1")
        _check(0 < self.cutoff_rare <= 1, "cutoff_rare", "above 0 and at most 1")
        for name in ("cutoff_boost", "item_boost", "tension_boost"):
            _check(getattr(self, name) >= 1, name, "at least 1")
        for name in ("rci_z", "rupture_z", "watch_z", "cusum_h"):
            _check(getattr(self, name) > 0, name, "above 0")
        _check(self.watch_z <= self.rupture_z, "watch_z", "at most rupture_z")
        _check(self.cusum_k >= 0, "cusum_k", "at least 0")
        _check(self.repair_sd >= 0, "repair_sd", "at least 0")
        _check(self.cooldown >= 0, "cooldown", "a whole number of at least 0")
        _check(self.stale_after > self.repair_window, "stale_after", "above repair_window")
        _check(self.progress_session >= 2, "progress_session", "a whole number of at least 2")
        _check(self.tension_rupture in TENSION[1:], "tension_rupture", "little, some or lot")
        _check(self.tension_watch in TENSION[1:], "tension_watch", "little, some or lot")
        _check(
            TENSION.index(self.tension_watch) <= TENSION.index(self.tension_rupture),
            "tension_watch",
            "at most tension_rupture",
        )
        _check(self.disabled_rules <= frozenset(RULES), "disabled_rules", "known rule names")
        _check(
            self.reliable_drop_level in ("watch", "rupture"), "reliable_drop_level",
            "watch or rupture",
        )  # fmt: skip

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled_rules

    def cutoff_for(self, instrument: Instrument) -> float | None:
        return self.cutoff if self.cutoff is not None else instrument.cutoff

    def item_concern_for(self, instrument: Instrument) -> float | None:
        return self.item_concern if self.item_concern is not None else instrument.item_concern

    def floor_for(self, instrument: Instrument) -> float:
        """The SD floor on the 0–1 scale: the policy's, or the instrument's SE of a difference."""
        if self.sd_floor is not None:
            return self.sd_floor
        if not instrument.has_reliable_change:
            raise PolicyError("'sd_floor' is needed for an instrument without sd and reliability")
        return instrument.reliable_change(1.0) / instrument.total_max

    def pooled_sd_for(self, instrument: Instrument) -> float:
        """R3's pooled within-client SD on the 0–1 scale: the policy's, or SD · √(1 − r)."""
        if self.pooled_sd is not None:
            return self.pooled_sd
        if instrument.sd is None or instrument.reliability is None:
            raise PolicyError("'pooled_sd' is needed for an instrument without sd and reliability")
        return instrument.sd * math.sqrt(1 - instrument.reliability) / instrument.total_max

    def reliable_drop(self, instrument: Instrument) -> float:
        """RCI = z · SD · √(2(1 − r)), in points of the instrument's total."""
        return instrument.reliable_change(self.rci_z)

    def loosened(self, factor: float) -> Policy:
        """The same policy with every detection threshold in LOOSENED divided by factor ≥ 1.

        Each rule compares a statistic that does not depend on these thresholds with the
        threshold itself, so a looser policy detects at every visit the stricter one does.
        """
        if not factor >= 1:
            raise PolicyError("a looser policy divides its thresholds by a factor of at least 1")
        return replace(self, **{name: getattr(self, name) / factor for name in LOOSENED})


def _check(ok: bool, name: str, what: str) -> None:
    if not ok:
        raise PolicyError(f"{name!r} must be {what}")
