"""Parsing a submitted alliance form into tenths, or into messages for the client."""

from __future__ import annotations

import pytest

from fic.domain.answers import AnswerErrors, clean_text, parse_answers
from fic.instruments import load

ALLIANCE = [load("alliance")]


def _fields(**overrides: str | list[str]) -> dict[str, list[str]]:
    base = {"safety": "9.5", "heard": "10", "goals": "0", "approach": "7.25", "tension": "some",
            "talked_through": "no"}
    base.update(overrides)  # type: ignore[arg-type]
    return {k: v if isinstance(v, list) else [v] for k, v in base.items()}


def test_scores_become_integer_tenths_and_choices_their_index():
    answers = parse_answers(ALLIANCE, _fields())
    assert answers.values == {"safety": 95, "heard": 100, "goals": 0, "approach": 73,
                              "tension": 2, "talked_through": 0}
    assert answers.comment is None


@pytest.mark.parametrize("bad", ["-1", "11", "10.1", "NaN", "inf", "1e309", "٧", "7\x00", "abc",
                                 "0x7", "+7", "7,5", "1" * 5000])
def test_anything_but_a_plain_number_from_0_to_10_is_refused(bad):
    with pytest.raises(AnswerErrors) as raised:
        parse_answers(ALLIANCE, _fields(heard=bad))
    assert set(raised.value.errors) == {"heard"}


def test_every_problem_is_reported_at_once():
    with pytest.raises(AnswerErrors) as raised:
        parse_answers(ALLIANCE, _fields(safety="x", goals=["1", "2"], tension="maybe"))
    assert set(raised.value.errors) == {"safety", "goals", "tension"}


def test_a_question_left_blank_is_not_answered_rather_than_an_error():
    answers = parse_answers(ALLIANCE, _fields(safety="", tension=""))
    assert "safety" not in answers.values and "tension" not in answers.values
    assert answers.unanswered == ("safety", "tension")


def test_an_untouched_form_has_no_scores_and_names_every_expected_question():
    answers = parse_answers(ALLIANCE, {})
    assert answers.values == {} and answers.comment is None
    assert answers.unanswered == ("safety", "heard", "goals", "approach", "tension")


def test_talked_through_may_be_left_out_without_counting_as_unanswered():
    fields = _fields()
    del fields["talked_through"]
    answers = parse_answers(ALLIANCE, fields)
    assert "talked_through" not in answers.values and answers.unanswered == ()


def test_a_comment_loses_control_and_bidi_override_characters_but_keeps_its_lines():
    assert clean_text("a\u202eb\x00c\r\nd\u200b") == "abc\nd"


def test_a_form_of_two_instruments_takes_both_sets_of_items():
    fields = _fields(personal="4", relationships="5.5", social="6", overall="5")
    answers = parse_answers([*ALLIANCE, load("wellbeing")], fields)
    assert answers.values["relationships"] == 55 and answers.values["safety"] == 95


def test_a_form_of_two_instruments_expects_the_items_of_both():
    answers = parse_answers([*ALLIANCE, load("wellbeing")], _fields())
    assert answers.unanswered == ("personal", "relationships", "social", "overall")


def test_an_empty_comment_is_no_comment():
    assert parse_answers(ALLIANCE, _fields(comment="  \n ")).comment is None
