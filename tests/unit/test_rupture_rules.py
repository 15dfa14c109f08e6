"""Rules R1–R7 on hand-worked courses of the shipped alliance check (total 0–40).

Hand figures: R4's and R6's SD floor is the alliance check's SE of a difference,
5·√(2·0.15) = 2.739 points (0.0685 on the 0–1 scale); the reliable change is 1.96 × that
= 5.37 points. R3's worked numbers are in test_personal_dips.py.
"""

from __future__ import annotations

import pytest

from fic.domain.episodes import ESCALATED, OPEN, REPAIRED
from fic.domain.policy import Policy
from fic.domain.ruptures import Signal, Visit, assess, assess_course
from fic.errors import HistoryError
from fic.instruments import load

ALLIANCE = load("alliance")
WELLBEING = load("wellbeing")
DEFAULT = Policy()


def course(*totals: float | None, **extra: dict[int, object]):  # type: ignore[no-untyped-def]
    visits = []
    for number, total in enumerate(totals, start=1):
        fields = {name: values[number] for name, values in extra.items() if number in values}
        visits.append(Visit(number, total, **fields))  # type: ignore[arg-type]
    return visits


def pushed(visits, policy=DEFAULT, wellbeing=None):  # type: ignore[no-untyped-def]
    found = assess_course(visits, ALLIANCE, policy, wellbeing).alerts
    return [(s.number, s.rule, s.level) for s in found]


def test_the_default_floor_and_reliable_change_are_the_instruments_own():
    assert DEFAULT.floor_for(ALLIANCE) == pytest.approx(2.7386 / 40, abs=1e-4)
    assert DEFAULT.reliable_drop(ALLIANCE) == pytest.approx(5.368, abs=1e-3)


def test_a_v_shaped_drop_is_one_rupture_repaired_the_next_session():
    # session 5 is 10 points under a steady 38 (R3); session 6 is back above 38 − 0.5·2.739
    result = assess_course(course(38, 38, 38, 38, 28, 38, 38), ALLIANCE, DEFAULT)
    assert [(s.number, s.rule, s.level) for s in result.alerts] == [(5, "R3", "rupture")]
    (episode,) = result.episodes
    assert (episode.state, episode.opened_at, episode.closed_at) == (REPAIRED, 5, 6)
    assert episode.rules == ("R3",)
    assert Signal(5, "R2", "watch") in result.signals  # the reliable drop alone is a cue


def test_slow_erosion_over_six_sessions_is_caught_by_the_cusum_on_its_sixth_session():
    # one point a session from 38: the lower CUSUM against the first sessions reaches
    # 0.60 + 0.96 + 1.33 + 1.69 = 4.57 > 4 at session 9; no single session is 3 SDs down
    visits = course(38, 38, 38, 37, 36, 35, 34, 33, 32)
    assert pushed(visits) == [(8, "R1", "low_alliance"), (9, "R4", "rupture")]
    # the rolling level follows a slow slide: no one session is a rupture, hence R4
    signals = assess(visits, ALLIANCE, DEFAULT)
    assert not [s for s in signals if s.rule in ("R2", "R3") and s.level != "watch"]


def test_a_client_at_40_of_40_who_reports_tension_not_talked_through_has_a_rupture():
    visits = course(40, 40, 40, 40, 40, tension={4: "some", 5: "none"}, talked_through={4: False})
    result = assess_course(visits, ALLIANCE, DEFAULT)
    assert [(s.number, s.rule, s.level) for s in result.alerts] == [(4, "R5", "rupture")]
    assert result.episodes[0].state == REPAIRED and result.episodes[0].closed_at == 5


@pytest.mark.parametrize(
    ("tension", "talked"), [("little", False), ("some", True), ("lot", True), ("none", None)]
)
def test_a_little_tension_or_tension_talked_through_is_only_a_cue(tension, talked):
    visits = course(40, 40, 40, tension={3: tension}, talked_through={3: talked})
    assert pushed(visits) == []


def test_unanswered_talked_through_counts_as_not_talked_through():
    assert pushed(course(40, 39, tension={2: "lot"})) == [(2, "R5", "rupture")]


def test_the_first_drop_from_a_perfect_score_is_a_watch_cue_once():
    signals = assess(course(40, 39.5, 40, 39.5), ALLIANCE, DEFAULT)
    assert [s for s in signals if s.rule == "R5"] == [Signal(2, "R5", "watch")]


def test_a_client_with_naturally_noisy_scores_raises_no_alert():
    visits = course(31, 39, 32, 38, 31, 39, 33, 38, 31, 39)
    signals = assess(visits, ALLIANCE, DEFAULT)
    assert [s for s in signals if s.is_pushed] == []
    # the market's rule would have called each of these drops red; here they are cues
    assert {s.number for s in signals if s.rule == "R2"} == {3, 5, 7, 9}


def test_a_client_with_only_two_sessions_gets_cues_but_no_baseline_rules():
    signals = assess(course(38, 30), ALLIANCE, DEFAULT)
    assert {(s.rule, s.level) for s in signals} == {("R1", "watch"), ("R2", "watch")}


def test_a_clinic_can_make_the_reliable_drop_a_rupture():
    policy = Policy(reliable_drop_level="rupture")
    assert pushed(course(38, 30), policy) == [(2, "R2", "rupture")]
    # with a baseline the drop must also leave the client's usual range (z ≤ −watch_z):
    # 32 after 38 is six points down, and as low as this client already went
    assert pushed(course(31, 39, 32, 38, 32), policy) == []


def test_low_alliance_is_alerted_once_per_run_of_three_low_sessions():
    visits = course(34, 34, 34, 34, 37, 34, 34, 34)
    assert pushed(visits) == [(3, "R1", "low_alliance"), (8, "R1", "low_alliance")]


def test_an_item_below_nine_is_a_watch_cue_even_when_the_total_is_fine():
    visits = [Visit(1, 37.5, {"safety": 10, "heard": 10, "goals": 8.5, "approach": 9})]
    assert assess(visits, ALLIANCE, DEFAULT) == [Signal(1, "R1", "watch")]


def test_a_rupture_left_unrepaired_through_the_window_escalates_once():
    result = assess_course(course(38, 38, 38, 38, 28, 28, 28, 28, 28), ALLIANCE, DEFAULT)
    assert [(s.number, s.rule, s.level) for s in result.alerts] == [
        (5, "R3", "rupture"),
        (7, "R1", "low_alliance"),
        (8, "R7", "escalation"),
    ]
    (episode,) = result.episodes
    assert episode.state == ESCALATED and episode.escalated_at == 8


def test_a_repeated_low_score_in_an_open_episode_does_not_alert_again():
    result = assess_course(course(38, 38, 38, 38, 28, 28), ALLIANCE, DEFAULT)
    assert [s.level for s in result.signals if s.rule == "R3"] == ["rupture", "watch"]
    assert result.episodes[0].state == OPEN


def test_a_drop_in_the_cooldown_reopens_the_episode_and_a_later_one_opens_a_new_one():
    # the second opening dip is judged after the first two have left the client's last
    # ten forms, so it is as surprising as the first
    visits = course(38, 38, 38, 38, 28, 38, 28, *[38] * 11, 28)
    result = assess_course(visits, ALLIANCE, DEFAULT)
    assert [(s.number, s.rule) for s in result.alerts if s.level == "rupture"] == [
        (5, "R3"),
        (19, "R3"),
    ]
    first, second = result.episodes
    assert (first.state, first.opened_at, first.closed_at) == (REPAIRED, 5, 8)
    assert second.opened_at == 19


def test_a_rupture_while_wellbeing_shows_no_reliable_change_by_session_six_escalates_at_once():
    visits = course(38, 38, 38, 38, 38, 38, 28, wellbeing={n: 20.0 for n in range(1, 8)})
    assert pushed(visits, wellbeing=WELLBEING) == [(7, "R3", "rupture"), (7, "R7", "escalation")]
    assert pushed(visits) == [(7, "R3", "rupture")]  # no wellbeing instrument: no R7 here


def test_a_rupture_while_wellbeing_improves_reliably_does_not_escalate():
    wellbeing = {1: 15.0, 2: 18.0, 3: 21.0, 4: 22.0, 5: 22.0}
    visits = course(38, 38, 38, 38, 28, wellbeing=wellbeing)
    assert pushed(visits, wellbeing=WELLBEING) == [(5, "R3", "rupture")]


def test_a_missed_form_is_a_quiet_cue_and_never_a_rupture():
    signals = assess(course(38, 38, 38, None, 38), ALLIANCE, DEFAULT)
    assert signals == [Signal(4, "M1", "watch")]


def test_risk_language_in_a_comment_is_urgent_even_at_40_of_40():
    visits = course(40, 40, comment={2: "Honestly some days I want to die."})
    assert pushed(visits) == [(2, "S1", "urgent")]


def test_disabled_rules_raise_nothing():
    policy = Policy(disabled_rules=frozenset({"R3", "R4"}))
    assert pushed(course(38, 38, 38, 38, 28, 38), policy) == []


def test_visits_out_of_order_are_refused():
    with pytest.raises(HistoryError):
        assess([Visit(2, 38), Visit(1, 38)], ALLIANCE, DEFAULT)
