"""Offline follow-up rewriting: a follow-up becomes a question that stands on its own."""

from __future__ import annotations

import pytest

from rag.condense import condense


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        (
            "What did Aliyev say about the trade turnover between the two countries?",
            "How did Putin respond to that?",
            "How did Putin respond to the trade turnover between the two countries?",
        ),
        (
            'What is a "contributor" under the licence?',
            "What kind of patent licence does each one grant?",
            "What kind of patent licence does each contributor grant?",
        ),
        (
            "Which international treaty is mentioned in the section on circumvention?",
            "When was it adopted?",
            "When was it adopted (the international treaty)?",
        ),
        ("What did Aliyev say about trade?", "What about Putin?", "What did Putin say about trade?"),
        # "Activate it": what the same verb acted on in the previous question.
        (
            "What command can a maintainer script run to activate a dpkg trigger explicitly?",
            "How do I activate it without waiting for the trigger processing?",
            "How do I activate a dpkg trigger without waiting for the trigger processing?",
        ),
        # "That figure" is the figure the previous question asked for, by its subject.
        (
            "Roughly how much is total trade turnover between the two countries?",
            "How did Putin react to that figure?",
            "How did Putin react to the total trade turnover between the two countries?",
        ),
        # ... and, asked for in any other way, the previous question says what it is.
        (
            "What did Aliyev say total trade turnover between the two countries was?",
            "how did putin respond to that figure?",
            "how did putin respond to that figure"
            " (What did Aliyev say total trade turnover between the two countries was)?",
        ),
        # "Them" is never the single thing the previous question asked for: the whole question comes along.
        (
            "Which coastal town have the rebels captured?",
            "Has the army managed to drive them out?",
            "Has the army managed to drive them out (Which coastal town have the rebels captured)?",
        ),
        # "What Western measures does ...": the measures, not a verb "measures".
        (
            "What Western measures does the report mention?",
            "How does the government answer them?",
            "How does the government answer them (the Western measures)?",
        ),
        # "Do that" stands for what the previous question asked about, not for a thing in it.
        (
            "How has the city changed the way it builds roads?",
            "Why did the council do that?",
            "Why did the council do that (How has the city changed the way it builds roads)?",
        ),
        # A measure is the measure *of* something: that something comes along.
        (
            "What figure did Aliyev give for total bilateral trade?",
            "How did Putin react to it?",
            "How did Putin react to the figure for total bilateral trade?",
        ),
        ("What did Aliyev say about trade?", "And what did Putin reply?", "And what did Putin reply (the trade)?"),
        # "There" is where the previous question put things, not the first name in it.
        (
            "Which country is Azerbaijan in conflict with over Nagorno-Karabakh?",
            "And what has Russia been doing there since the fighting ended?",
            "And what has Russia been doing in Nagorno-Karabakh since the fighting ended?",
        ),
        # "He" is who spoke, not whom the question was about.
        ("What did Aliyev say about Putin?", "What did he say about it?", "What did Aliyev say about Putin?"),
        # After a yes/no question, "that" is what it asked, not its last noun.
        (
            "Can I bundle the runtime inside my own installer under the Harbour Licence?",
            "Is there any condition attached to that?",
            "Is there any condition attached to that (Can I bundle the runtime inside my own installer under the"
            " Harbour Licence)?",
        ),
    ],
)
def test_a_follow_up_names_what_it_refers_to(previous: str, follow_up: str, expected: str) -> None:
    assert condense(follow_up, [(previous, "an answer")]) == expected


def test_it_after_a_which_question_is_the_thing_the_answer_named() -> None:
    history = [
        (
            "Which Western bloc is getting more involved in the region's projects?",
            "The European Union has increasingly entered into play in recent projects. [1]",
        )
    ]
    assert condense("When did it start?", history) == "When did European Union start?"
    rewritten = condense("Why is it doing that?", history)
    assert rewritten.startswith("Why is European Union doing that (") and "projects" in rewritten
    assert condense("What is driving its involvement?", history) == "What is driving European Union's involvement?"


def test_it_after_a_which_question_is_the_name_of_that_kind_of_thing() -> None:
    # The answer names the country asked about first ("Azerbaijan's"), and the corridor after.
    history = [
        (
            "Which transport corridor does the analysis tie to Azerbaijan?",
            "Moreover, Azerbaijan’s geography matters, particularly regarding the North-South Transport Corridor. [1]",
        )
    ]
    assert condense("Which country is it meant to reach?", history) == (
        "Which country is North-South Transport Corridor meant to reach?"
    )
    # Also when the question has the thing's own verb rather than an auxiliary.
    history = [("Which transport corridor links Russia with India?", history[0][1])]
    assert condense("Which countries does it pass through?", history) == (
        "Which countries does North-South Transport Corridor pass through?"
    )


def test_a_question_that_stands_on_its_own_is_left_alone() -> None:
    assert condense("Who hosted the dinner?", [("What did Putin say?", "an answer")]) == "Who hosted the dinner?"


def test_his_after_the_person_the_question_itself_names_is_left_alone() -> None:
    history = [("Where did Moscow hope to open a consulate?", "Moscow hoped to open a consulate in Karabakh. [1]")]
    rewritten = condense("How did the ambassador describe the consulates in his country?", history)
    assert "his country" in rewritten and "Moscow's" not in rewritten
    # Without a person of its own, "he" is still the person the conversation is about.
    aliyev = [("What did Aliyev say about trade?", "Aliyev said turnover is $4 billion. [1]")]
    assert condense("What did he add?", aliyev, frozenset({"aliyev"})).startswith("What did Aliyev add")


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        # The name after the auxiliary is what the question is about, not an acronym before it.
        (
            "What filter ID does LZMA2 have in the .xz format?",
            "And what about the Delta filter?",
            "What filter ID does the Delta filter have in the .xz format?",
        ),
        # One article, not two.
        (
            "Who is the license steward of the Apache License?",
            "And what about the MPL?",
            "Who is the license steward of the MPL?",
        ),
        # A thing never takes the place of a name: it is added to the question.
        (
            "What will Russia and Azerbaijan start producing together?",
            "What about education?",
            "What will Russia and Azerbaijan start producing together: education?",
        ),
        # A question of its own about x, in the setting of the previous one.
        (
            "What will Russia and Azerbaijan start producing together?",
            "What about education - what is being set up?",
            "What is being set up about education (Russia, Azerbaijan)?",
        ),
    ],
)
def test_what_about_x_puts_x_in_place_of_what_the_previous_question_was_about(
    previous: str, follow_up: str, expected: str
) -> None:
    assert condense(follow_up, [(previous, "…")]) == expected


def test_he_after_who_is_x_is_x_not_a_name_in_the_answer() -> None:
    history = [
        (
            "Who is Ruben Vardanian?",
            "An erstwhile adviser of Putin, Ruben Vardanian, sat in prison, one of several officials "
            "from the former Armenian-backed unrecognized Nagorno-Karabakh Republic. [1]",
        )
    ]
    assert condense("Where was he while the two leaders met?", history) == (
        "Where was Ruben Vardanian while the two leaders met?"
    )


def test_he_after_an_unanswered_who_is_question_is_the_person_that_question_described() -> None:
    history = [("Who is Azerbaijan's envoy to Moscow?", "The documents do not say. They never mention envoy.")]
    people = frozenset({"putin", "aliyev", "bulbuloglu"})
    assert condense("What did he tell Tass about consulates?", history, people) == (
        "What did Azerbaijan's envoy to Moscow tell Tass about consulates?"
    )


def test_she_after_who_is_the_first_lady_is_her_name_and_what_official_post_names_nobody() -> None:
    history = [
        (
            "Who is Azerbaijan's first lady?",
            "In Baku, first lady and Vice President Mehriban Aliyeva gave him a kiss. [1]",
        )
    ]
    people = frozenset({"putin", "aliyev", "aliyeva", "mehriban"})
    assert condense("Besides being first lady, what official post does she hold?", history, people) == (
        "Besides being first lady, what official post does Mehriban Aliyeva hold?"
    )


def test_there_is_the_place_a_where_question_was_answered_with_but_is_there_asks_whether() -> None:
    history = [("Where did the delegation land?", "The delegation landed in Ganja on Monday.")]
    assert condense("How many people live there?", history) == "How many people live in Ganja?"
    assert condense("Is there an airport there?", history) == "Is there an airport in Ganja?"


def test_they_after_what_are_x_is_x_not_a_name_in_the_answer() -> None:
    history = [("What are Cover Notes in the guide?", "Cover Notes are short texts. A Front-Cover Note is one.")]
    assert condense("how long can they be?", history) == "how long can they be (What are Cover Notes in the guide)?"


def test_him_after_a_named_subject_is_someone_else_the_conversation_is_about() -> None:
    history = [("What did Kovacs say about the harbour?", '"It is a gift to the city," Kovacs said.')]
    people = frozenset({"kovacs", "vries"})
    assert condense("and what did de Vries call him?", history, people) == "and what did de Vries call Kovacs?"
    # "his" may still be the named subject's own.
    assert "Kovacs" not in condense("What did de Vries say about his port?", history, people)
