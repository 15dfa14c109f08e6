"""Properties of the rule fold that must hold for every history (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fic.domain.policy import Policy
from fic.domain.ruptures import Visit, assess, assess_course
from fic.instruments import load

ALLIANCE = load("alliance")
# R2 as a rupture too, so every score rule is exercised
POLICY = Policy(reliable_drop_level="rupture")

totals = st.integers(min_value=150, max_value=400).map(lambda tenths: tenths / 10)
tensions = st.sampled_from([None, "none", "little", "some", "lot"])


@st.composite
def histories(draw, max_size=14):  # type: ignore[no-untyped-def]
    scores = draw(st.lists(totals, min_size=1, max_size=max_size))
    visits = []
    number = 0
    for total in scores:
        number += draw(st.integers(min_value=1, max_value=2))
        tension = draw(tensions)
        talked = draw(st.sampled_from([None, True, False])) if tension else None
        visits.append(Visit(number, total, tension=tension, talked_through=talked))
    return visits


@settings(max_examples=150, deadline=None)
@given(histories(), st.data())
def test_adding_a_session_never_changes_the_signals_of_earlier_ones(history, data):
    cut = data.draw(st.integers(min_value=1, max_value=len(history)))
    before = assess(history[:cut], ALLIANCE, POLICY)
    after = assess(history, ALLIANCE, POLICY)
    last = history[cut - 1].number
    assert [s for s in after if s.number <= last] == before


@settings(max_examples=150, deadline=None)
@given(histories(), st.floats(min_value=1.0, max_value=4.0))
def test_a_looser_policy_never_removes_a_rupture_alert(history, factor):
    """Looser = Policy.loosened(f): rci_z, rupture_z, watch_z, cusum_k and cusum_h ÷ f ≥ 1.

    Every visit that carries a rupture alert under the stricter policy falls inside an
    episode of the looser one (opened there or earlier, not closed before it), and the
    looser policy's first rupture alert comes no later.
    """
    strict = assess_course(history, ALLIANCE, POLICY)
    loose = assess_course(history, ALLIANCE, POLICY.loosened(factor))
    for alert in (s for s in strict.alerts if s.level == "rupture"):
        assert any(
            e.opened_at <= alert.number and (e.closed_at is None or e.closed_at >= alert.number)
            for e in loose.episodes
        )
    first = [s.number for s in strict.alerts if s.level == "rupture"]
    if first:
        assert min(s.number for s in loose.alerts if s.level == "rupture") <= first[0]


@settings(max_examples=150, deadline=None)
@given(histories(), st.data())
def test_missed_forms_never_raise_a_rupture_from_the_gap_itself(history, data):
    """Recording a missed form is the same as recording nothing, apart from its own cue."""
    numbers = {visit.number for visit in history}
    gaps = [n for n in range(1, history[-1].number + 3) if n not in numbers]
    missed = data.draw(st.lists(st.sampled_from(gaps), unique=True)) if gaps else []
    with_gaps = sorted([*history, *(Visit(n, None) for n in missed)], key=lambda v: v.number)
    signals = assess(with_gaps, ALLIANCE, POLICY)
    assert [s for s in signals if s.rule != "M1"] == assess(history, ALLIANCE, POLICY)
    assert sorted((s.number, s.level) for s in signals if s.rule == "M1") == [
        (n, "watch") for n in sorted(missed)
    ]


@settings(max_examples=150, deadline=None)
@given(histories())
def test_every_rupture_alert_says_why_with_todays_total(history):
    totals = {visit.number: visit.total for visit in history}
    for alert in assess_course(history, ALLIANCE, POLICY).alerts:
        if alert.level != "rupture":
            continue
        assert alert.reason, alert
        total = totals[alert.number]
        shown = f"{total:.1f}".removesuffix(".0")
        assert f" {shown} of 40" in alert.reason or f"today {shown}," in alert.reason
