"""A clinic's policy file, the S1 risk-language check, and wellbeing outcomes."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fic.domain.outcomes import (
    DETERIORATED,
    IMPROVED,
    NO_CHANGE,
    RECOVERED,
    classify,
    course_progress,
    progress,
)
from fic.domain.policy import Policy
from fic.domain.policy_file import parse_policy
from fic.domain.ruptures import Tracker, Visit, assess_course
from fic.domain.safety import DEFAULT_TERM_LIST, _fold, mentions_risk
from fic.errors import PolicyError
from fic.instruments import load

WELLBEING = load("wellbeing")
ALLIANCE = load("alliance")


def test_an_empty_policy_file_is_the_default_policy():
    assert parse_policy({}) == Policy()


def test_a_policy_file_sets_thresholds_terms_and_a_trajectory():
    policy = parse_policy(json.loads("""{
        "sd_floor": 0.08, "rupture_z": 2.5, "cusum_h": 5, "cooldown": 1,
        "disabled_rules": ["R1"], "extra_safety_terms": {"nl": ["zelfmoord*"]},
        "trajectory": {"tolerance": 1, "bands": [
            {"intake_from": 0, "intake_to": 25, "expected": {"2": 22, "6": 26}}]}
    }"""))
    assert (policy.sd_floor, policy.rupture_z, policy.cusum_h, policy.cooldown) == (0.08, 2.5, 5, 1)
    assert not policy.enabled("R1")
    assert "zelfmoord*" in policy.safety_terms and "suicid*" in policy.safety_terms
    assert policy.trajectory is not None and policy.trajectory.expected(20, 4) == 22


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sd_flor": 0.05}, "unknown policy setting 'sd_flor'"),
        ({"rupture_z": "high"}, "'rupture_z' must be a finite number"),
        ({"rupture_z": True}, "'rupture_z' must be a finite number"),
        ({"low_run": 2.5}, "'low_run' must be a whole number"),
        ({"sd_floor": 2}, "'sd_floor' must be above 0 and at most 1"),
        ({"watch_z": 3.6}, "'watch_z' must be at most rupture_z"),
        ({"baseline_min": 4, "baseline_max": 3}, "'baseline_max' must be at least baseline_min"),
        ({"tension_rupture": "none"}, "'tension_rupture' must be little, some or lot"),
        ({"disabled_rules": ["R9"]}, "'disabled_rules' must be known rule names"),
        ({"escalate_on_poor_progress": "yes"}, "must be true or false"),
        ({"safety_terms": {"en": []}}, "at least one term"),
        ({"safety_terms": {"en": [""]}}, "non-empty texts"),
        ({"trajectory": {"bands": []}}, "non-empty list of 'bands'"),
        ({"trajectory": {"bands": [{"intake_from": 5, "intake_to": 1, "expected": {"1": 2}}]}},
         "intake_from must be below intake_to"),
        ({"trajectory": {"bands": [{"intake_from": 0, "intake_to": 9, "expected": {"x": 2}}]}},
         "sessions must be whole numbers"),
        ([], "one JSON object"),
    ],
)
def test_a_bad_policy_file_is_refused_with_the_setting_named(data, message):
    with pytest.raises(PolicyError) as error:
        parse_policy(data)
    assert message in str(error.value)


def test_a_looser_policy_divides_only_the_detection_thresholds():
    loose = Policy().loosened(2)
    assert (loose.rupture_z, loose.cusum_h, loose.cusum_k) == (1.75, 2.0, 0.25)
    assert (loose.pooled_sd, loose.min_drop) == (Policy().pooled_sd, Policy().min_drop)
    assert loose.sd_floor == Policy().sd_floor and loose.repair_window == 3
    with pytest.raises(PolicyError):
        Policy().loosened(0.5)


@pytest.mark.parametrize(
    "comment",
    [
        "I keep thinking about suicide",
        "Sometimes I feel SUICIDAL",
        "I have been cutting myself again",
        "i just want to end it all",
        "Ich will nicht mehr leben",
        "Ich habe Suizidgedanken",
        "A veces quiero morir",
        "pienso en quitarme la vida",
        "j'ai envie d'en finir",
        "Je pense à me suicider",
        "I’ve thought about self‑harm",
    ],
)
def test_risk_language_is_recognised_in_english_german_spanish_and_french(comment):
    assert mentions_risk(comment) is True


@pytest.mark.parametrize(
    "comment",
    [None, "", "Great session, thank you", "I want to improve my skill myself",
     "The killer whale documentary", "Ich will mehr leben", "dangerous overdosed plants"],
)  # fmt: skip
def test_ordinary_comments_and_words_that_merely_contain_a_term_are_not_risk(comment):
    assert mentions_risk(comment) is False


_PIECES = ["suicidal", "kill", "myself", "killing", "not", "want", "to", "live", "selbstmord",
           "überdosis", "me", "tuer", "self-harm", "selfharmer", "x", "-", "'", ".", ",",
           "  ", "Ü", "é", "dead", "better", "off", "wish", "i", "was", "end", "it", "all"]


@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(["", " ", "  "])),
                max_size=12).map(lambda pairs: "".join(a + b for a, b in pairs))
       | st.text(alphabet="abdeiklmnorstuvyüé '-", max_size=30))
@settings(max_examples=400, deadline=None)
def test_risk_language_matches_exactly_where_one_term_matches_as_a_whole_word(text):
    # each term on its own: its words at a word start, then a word end (or, for "term*",
    # more letters), on the text folded as mentions_risk folds it
    folded = _fold(text)
    alone = []
    for term in DEFAULT_TERM_LIST:
        words = [re.escape(w) for w in _fold(term).rstrip("*").split(" ") if w]
        tail = r"\w*" if term.endswith("*") else r"(?!\w)"
        alone.append(re.search(r"(?<!\w)" + r"\s+".join(words) + tail, folded) is not None)
    assert mentions_risk(text) is any(alone)


def test_a_clinic_can_replace_the_risk_terms():
    policy = parse_policy({"safety_terms": {"en": ["red flag"]}})
    visits = [Visit(1, 40, comment="I want to die"), Visit(2, 40, comment="a RED  flag here")]
    alerts = assess_course(visits, ALLIANCE, policy).alerts
    assert [(s.number, s.rule) for s in alerts] == [(2, "S1")]


@pytest.mark.parametrize(
    ("intake", "score", "category"),
    [
        (20, 26, RECOVERED),  # +6 ≥ 4.99 and across 25
        (10, 16, IMPROVED),  # +6 but still below 25
        (30, 36, IMPROVED),  # +6, was never below 25
        (20, 15, DETERIORATED),  # −5 ≤ −4.99
        (20, 24, NO_CHANGE),  # +4 < 4.99
    ],
)
def test_wellbeing_change_is_classified_jacobson_truax(intake, score, category):
    assert classify(intake, score, WELLBEING) == category


def test_no_reliable_improvement_by_session_six_is_not_on_track():
    assert not progress(20, 22, 5, WELLBEING).not_on_track
    assert progress(20, 22, 6, WELLBEING).not_on_track
    assert not progress(20, 26, 6, WELLBEING).not_on_track
    assert progress(20, 14, 2, WELLBEING).not_on_track  # reliable deterioration at once


def test_an_expected_trajectory_table_replaces_the_session_six_rule():
    policy = parse_policy({"trajectory": {"tolerance": 1, "bands": [
        {"intake_from": 0, "intake_to": 25, "expected": {"2": 22, "6": 26}}]}})  # fmt: skip
    table = policy.trajectory
    assert progress(20, 20, 3, WELLBEING, trajectory=table).not_on_track  # 20 < 22 − 1
    assert not progress(20, 21, 3, WELLBEING, trajectory=table).not_on_track
    assert not progress(20, 20, 1, WELLBEING, trajectory=table).not_on_track  # no expectation
    assert not progress(30, 30, 9, WELLBEING, trajectory=table).not_on_track  # no band
    assert not progress(20, 25.5, 8, WELLBEING, trajectory=table).not_on_track  # 25.5 ≥ 26 − 1


def test_course_progress_measures_every_session_from_the_first_score():
    rows = course_progress([(1, 18.0), (2, None), (3, 24.0)], WELLBEING)
    assert [(p.session, p.intake, p.category) for p in rows] == [
        (1, 18.0, NO_CHANGE),
        (3, 18.0, IMPROVED),  # +6, but 24 is still below 25
    ]


def test_a_resumed_tracker_continues_exactly_like_a_full_recompute():
    totals = [38, 38, 37, 38, 28, 29, None, 30, 38, 37, 38, 27, 28, 29, 30, 31]
    visits = [Visit(n, t, wellbeing=20.0 + n % 3) for n, t in enumerate(totals, start=1)]
    whole = assess_course(visits, ALLIANCE, Policy(), WELLBEING)
    for cut in range(1, len(visits)):
        tracker = Tracker(ALLIANCE, Policy(), WELLBEING)
        for visit in visits[:cut]:
            tracker.add(visit)
        state = json.loads(json.dumps(tracker.snapshot()))
        resumed = Tracker.resume(state, ALLIANCE, Policy(), WELLBEING)
        for visit in visits[cut:]:
            assert resumed.add(visit) == [s for s in whole.signals if s.number == visit.number]
        assert resumed.course().episodes == whole.episodes
