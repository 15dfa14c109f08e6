"""Instrument files: the shipped three load, and malformed definitions say what is wrong."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import fic.instruments
from fic.domain.instruments import parse_instrument
from fic.errors import InstrumentError
from fic.instruments import load, use_folder

SHIPPED = Path(fic.instruments.__file__).parent


def alliance_data() -> dict:  # type: ignore[type-arg]
    return json.loads((SHIPPED / "alliance.json").read_text(encoding="utf-8"))


def test_the_wellbeing_check_has_a_reliable_change_of_five_points_and_cutoff_25():
    wellbeing = load("wellbeing")
    assert [item.id for item in wellbeing.items] == [
        "personal", "relationships", "social", "overall"
    ]  # fmt: skip
    assert wellbeing.total_max == 40 and wellbeing.cutoff == 25
    assert wellbeing.reliable_change() == pytest.approx(5.0, abs=0.05)


def test_goal_progress_is_the_mean_of_the_goals_rated():
    goals = load("goals")
    assert goals.total_of({"goal_1": 40, "goal_3": 80}) == pytest.approx(6.0)
    assert goals.total_of({}) is None
    assert not goals.has_reliable_change


def test_the_alliance_check_still_scores_as_before():
    alliance = load("alliance")
    answers = {"safety": 100, "heard": 95, "goals": 90, "approach": 100}
    assert alliance.total_of(answers) == pytest.approx(38.5)
    assert alliance.total_of({"safety": 100}) is None
    assert alliance.item("tension").choices == ("none", "little", "some", "lot")


def test_subscales_score_their_own_items():
    data = alliance_data()
    data["subscales"] = {"bond": ["safety", "heard"]}
    instrument = parse_instrument(data)
    assert instrument.subscale_of("bond", {"safety": 80, "heard": 90}) == pytest.approx(17.0)


@pytest.fixture
def installed(tmp_path):
    """The installation's instrument folder, for one test only."""
    use_folder(tmp_path)
    yield tmp_path
    use_folder(None)


def test_a_clinic_instrument_in_its_own_folder_wins_over_the_shipped_one(installed):
    data = alliance_data()
    data["cutoff"] = 34
    (installed / "alliance.json").write_text(json.dumps(data), encoding="utf-8")
    assert load("alliance").cutoff == 34


def test_a_five_point_likert_item_scores_0_to_4_with_its_labels():
    data = {
        "id": "licensed", "title": {"en": "Scale"}, "item_max": 4, "total": ["q1"],
        "items": [{"id": "q1", "kind": "likert", "text": {"en": "Q1"},
                   "choices": ["1", "2", "3", "4", "5"],
                   "choice_labels": {"en": ["Never", "Rarely", "Sometimes", "Often", "Always"]}}],
    }  # fmt: skip
    instrument = parse_instrument(data)
    assert instrument.total_of({"q1": 4}) == 4
    assert instrument.item("q1").choice_label(0, "en") == "Never"


def _broken(change) -> str:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(alliance_data())
    change(data)
    with pytest.raises(InstrumentError) as error:
        parse_instrument(data)
    return str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="red"), "unknown field 'colour'"),
        (lambda d: d.pop("item_max"), "missing field 'item_max'"),
        (lambda d: d.update(direction="sideways"), "direction must be one of"),
        (lambda d: d.update(total=["safety", "trust"]), "total names unknown items: trust"),
        (lambda d: d.update(reliability=1.2), "reliability must lie between 0 and 1"),
        (lambda d: d.update(sd=-1), "sd must be positive"),
        (lambda d: d.pop("sd"), "sd and reliability are given together"),
        (lambda d: d.update(cutoff=55), "cutoff must lie within the range of the total"),
        (lambda d: d.update(item_max=5, cutoff=10, item_concern=4), "its range does not match"),
        (lambda d: d.update(total=["safety", "comment"], cutoff=10), "only vas and likert items"),
        (lambda d: d["items"][0].update(kind="slider"), "kind must be one of"),
        (lambda d: d["items"].append(dict(d["items"][0])), "item ids must be unique"),
        (lambda d: d["title"].update(it="Com'era la seduta?"), "text missing for it"),
        (lambda d: d["items"][4]["choice_labels"].update(en=["No"]), "labels do not match"),
        (lambda d: d["items"][6].update(reverse=True), "only scored items"),
        (lambda d: d.update(cutoff=float("nan")), "finite"),
    ],
)
def test_a_malformed_definition_is_refused_with_a_message_naming_the_problem(change, message):
    assert message in _broken(change)


def test_a_file_that_is_not_json_is_refused(installed):
    (installed / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not valid JSON"):
        load("broken")
