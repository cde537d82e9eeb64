"""The extractive answerer on a short article it was never tuned on: it answers what the
article says, by the kind of answer asked for, and abstains on what it only implies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.answer import Pipeline

from conftest import make_settings


def pipeline_over(factory: pytest.TempPathFactory, name: str, files: dict[str, str]) -> Pipeline:
    """A pipeline over a folder holding just ``files`` (file name -> text)."""
    docs = factory.mktemp(f"{name}-docs")
    for file_name, text in files.items():
        (docs / file_name).write_text(text, encoding="utf-8")
    return Pipeline(make_settings(factory.mktemp(name), docs=docs))


ARTICLE = """Harbour expansion approved

In March, a senior port official announced that the city would build a new container \
terminal on the east bank. The terminal will cost about 300 million euros, according to \
the plan. Construction is expected to start next spring.

The mayor, Anna Kovacs, praised the decision at a press conference on the quay. "This \
terminal will bring thousands of jobs to the east bank," Kovacs said. Critics, led by the \
environmental group Blue Coast, warned that the wetlands next to the site would be lost.

Kovacs also marvelled at how quickly the port authority had drawn up the plan. "It is a \
gift to the whole city," she said.

The port handled 12 million tonnes of cargo last year. Its director, Piet de Vries, has \
run it since 2015.
"""


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return pipeline_over(tmp_path_factory, "harbour", {"harbour.txt": ARTICLE})


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is the mayor?", "Anna Kovacs"),
        ("How much will the terminal cost?", "300 million euros"),
        ("Which group warned about the wetlands?", "Blue Coast"),
        ("Who runs the port?", "Piet de Vries"),
        ("When will construction start?", "next spring"),
        ("How much cargo did the port handle last year?", "12 million tonnes"),
        # The quotation says it; the sentence before says what it is about.
        ("What did Kovacs call the plan?", "gift"),
        # Asked by role: the article says elsewhere who the mayor is.
        ("What did the mayor call the plan?", "gift"),
    ],
)
def test_answers_with_the_sentence_that_holds_the_asked_kind(harbour: Pipeline, question: str, expected: str) -> None:
    answer = harbour.answer(question)
    assert not answer.abstained, answer.text
    assert expected in answer.citations[0].quote


@pytest.mark.parametrize(
    "question",
    [
        # The sentence about the announcement names nobody; a name elsewhere is not the answer.
        "What is the name of the official who announced the container terminal on the east bank?",
        "What e-mail address can critics write to?",
        "What prison sentence did the port official receive?",
        "How many jobs per year will the terminal create by 2030?",
        # Who or what is asked by a role or kind the article never uses.
        "Who is the chief engineer of the port?",
        "What is the name of the port's dredging contractor?",
        "By what percentage did cargo grow last year?",
    ],
)
def test_abstains_when_the_article_only_implies_the_answer(harbour: Pipeline, question: str) -> None:
    answer = harbour.answer(question)
    assert answer.abstained, answer.text
    assert not answer.citations


def test_a_sentence_ending_in_a_colon_is_answered_with_what_follows(tmp_path: Path) -> None:
    docs = tmp_path / "src"
    docs.mkdir()
    (docs / "guide.txt").write_text(
        "Keeping bees\n\nA new keeper needs two things before the first hive arrives:\n"
        "a veil with gloves, and a smoker with dry fuel.\n\nHives are best inspected on warm afternoons.\n",
        encoding="utf-8",
    )
    answer = Pipeline(make_settings(tmp_path, docs=docs)).answer("What two things does a new keeper need?")
    assert "smoker" in answer.text


LONG_ARTICLE = """Berth plan debated

The harbour board met on Tuesday to discuss the future of the old timber quay, which has \
stood empty since the sawmill closed a decade ago. Several members argued that the quay \
should be turned into a park, while others wanted it kept for shipping, pointing to the \
steady growth of ferry traffic along the coast. The board heard from engineers who had \
inspected the piles and found them sound, and from residents who complained about the \
noise of night-time loading at the neighbouring terminal. No vote was taken, and the \
chairwoman said a decision would follow in the autumn after a public consultation. The \
consultation will run for six weeks, with drop-in sessions at the library. Ahead \
of the meeting, the broadcaster Radio North interviewed the harbour master, Ivo Lenz, and \
asked him about the plan.

Lenz noted, cautiously, that the room for new berths on the quay was limited. He added \
that dredging the basin would take at least two years.
"""


@pytest.fixture(scope="module")
def berths(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return pipeline_over(tmp_path_factory, "berths", {"berths.txt": LONG_ARTICLE})


def test_a_statement_opening_a_chunk_is_attributed_to_the_speaker_the_chunk_before_names(berths: Pipeline) -> None:
    chunks = berths.store.bm25().chunks
    assert chunks is not None and len(chunks.rows) >= 2, "the interview and the statement fall in different chunks"
    # Read alone, "Lenz noted ..." is nobody's statement: the harbour master is named only
    # in the sentence before, at the end of the previous chunk.
    answer = berths.answer("What did the harbour master say about the room for new berths?")
    assert not answer.abstained
    assert answer.citations[0].quote.startswith("Lenz noted, cautiously, that the room for new berths")


POLICY = """Packaging rules

Each package installs its modules under the shared library folder and records them in \
the registry. Compiled cache files of those modules must not ship in the package. Instead, \
they should be generated by the post-install script on the target machine. The registry \
is rebuilt whenever a package is removed.
"""


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return pipeline_over(
        tmp_path_factory,
        "two",
        {
            "charter.txt": "The Blue Coast charter\n\n"
            "The Blue Coast charter binds twelve towns to protect the wetlands.\n",
            "rules.txt": "Harbour rules\n\nVersion 3 of the harbour rules took effect on 1 May 2021. "
            "Its rule 2 limits the speed of boats in the harbour.\n",
        },
    )


def test_a_passage_that_shares_only_a_number_with_the_question_is_not_about_what_it_names(
    two_documents: Pipeline,
) -> None:
    answer = two_documents.answer("When did version 3 of the Blue Coast charter take effect?")
    assert answer.abstained, answer.text


def test_a_numbered_thing_the_documents_number_only_otherwise_is_never_mentioned(two_documents: Pipeline) -> None:
    answer = two_documents.answer("When did version 2 of the harbour rules take effect?")
    assert answer.abstained, answer.text
    assert "never mention version 2" in answer.text


FERRY = """Ferry timetable

The winter timetable cuts the evening ferry to the islands from December. The operator \
dropped that sailing because fuel prices doubled this year. Tickets stay at the same price, \
and the morning ferry keeps its times.
"""


@pytest.mark.parametrize(
    ("text", "question", "first_two"),
    [
        # A sentence opening with "Instead" finishes the answer before it.
        (
            POLICY,
            "Can a package ship the compiled cache files of its modules?",
            [
                "Compiled cache files of those modules must not ship in the package.",
                "Instead, they should be generated by the post-install script on the target machine.",
            ],
        ),
        # A why-answer gives the cause first, then the restatement it explains (which
        # matches the question best).
        (
            FERRY,
            "Why is the evening ferry to the islands being cut?",
            [
                "The operator dropped that sailing because fuel prices doubled this year.",
                "The winter timetable cuts the evening ferry to the islands from December.",
            ],
        ),
    ],
    ids=["instead", "cause-first"],
)
def test_the_answer_cites_these_two_sentences_in_this_order(
    tmp_path_factory: pytest.TempPathFactory, text: str, question: str, first_two: list[str]
) -> None:
    answer = pipeline_over(tmp_path_factory, "two", {"doc.txt": text}).answer(question)
    assert [c.quote for c in answer.citations][:2] == first_two


@pytest.mark.parametrize(
    ("text", "contents"),
    [
        ("5.3.2. Branch/Call/Jump Filters 5.3.3. Delta 5.4. Custom Filter IDs 6. Cyclic Redundancy Checks", True),
        ("The Delta filter is described in Section 5.3.3. Delta encoding stores differences.", False),
        ("2. Grant of Copyright License.", False),
    ],
)
def test_a_run_of_numbered_section_titles_is_a_table_of_contents_and_answers_nothing(text: str, contents: bool) -> None:
    from rag.extractive import _is_contents

    assert _is_contents(text) is contents


BUILD = """Build configuration

The compiler searches the folders in a fixed order: first the project, then the user \
folder, then the system. The default search order is defined in config/paths.h and can be \
changed at run time. Builds run on four threads unless told otherwise.
"""


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return pipeline_over(tmp_path_factory, "build", {"build.txt": BUILD})


def test_the_second_part_of_a_question_is_about_what_its_pronoun_takes_from_the_first(build: Pipeline) -> None:
    # "where is it defined?" alone names nothing; "it" is the search order.
    answer = build.answer("In which order does the compiler search the folders, and where is it defined?")
    assert any("config/paths.h" in c.quote for c in answer.citations), answer.text


LOCKING = """Database location

The nightly job keeps the index databases on a local disk, and file locking on network \
shares may be unavailable there.

Other notes

The nightly job keeps the index databases on a local disk because file locking on network \
shares may be unavailable.
"""


COMPRESSION = """Compressed cat pages

The manual pager compresses the cat pages it writes by default. During configuration, the \
build looks for gzip and, if it is found, every cat page is compressed with

     gzip -7c

and stored with a .gz extension.
"""


FILTERS = """Filters

The list of officially defined Filter IDs and the formats of their Filter Properties are \
described in this section.

Delta

    Filter ID:                  0x03
    Size of Filter Properties:  1 byte

The Delta filter may improve compression when the next byte correlates with an earlier one.
"""


@pytest.mark.parametrize(
    ("text", "question", "first_quote_holds"),
    [
        # A why-question prefers the sentence that states the cause outright.
        (LOCKING, "Why are the index databases kept on a local disk?", "because file locking"),
        # "What <label> does X have?" is answered by that label and its value.
        (FILTERS, "What filter ID does the Delta filter have?", "0x03"),
        # "What command ...?" is answered by the sentence that names it, not by the one that leads in.
        (COMPRESSION, "What command does the manual pager use to compress the cat pages it writes?", "gzip -7c"),
    ],
    ids=["cause", "label", "command"],
)
def test_the_first_citation_is_the_sentence_of_the_kind_asked_for(
    tmp_path_factory: pytest.TempPathFactory, text: str, question: str, first_quote_holds: str
) -> None:
    answer = pipeline_over(tmp_path_factory, "one", {"doc.txt": text}).answer(question)
    assert first_quote_holds in answer.citations[0].quote, answer.text


@pytest.mark.parametrize(
    "sentence",
    [
        "The job keeps them local because file locking may be unavailable.",
        "As file locking is used, it is recommended that the databases be kept locally.",
        "But Azerbaijan, believing the process had become a venue for outside powers, pushed them out.",
    ],
)
def test_a_sentence_states_a_cause_outright(sentence: str) -> None:
    from rag.extractive import _CAUSE

    assert _CAUSE.search(sentence)


def test_an_abstention_names_the_missing_words_as_the_question_wrote_them(harbour: Pipeline) -> None:
    answer = harbour.answer("Who is the chief engineer of the port?")
    assert answer.abstained and "never mention chief engineer." in answer.text, answer.text


@pytest.mark.parametrize(
    ("unanswerable", "missing", "answerable"),
    [
        # A kind of thing the article never names ...
        ("What award did Kovacs present to the port authority?", "award", "What terminal will the city build?"),
        # ... a speaker it never mentions ...
        ("How did the port's chief engineer react to the plan?", "chief engineer", "How did Kovacs react to the plan?"),
        # ... a yes or no about several things it never mentions (one such word is most often
        # a paraphrase: "applaud" for "praised").
        ("Does the port offer encrypted satellite tracking of cargo?", "", "Did the mayor applaud the decision?"),
    ],
)
def test_what_the_article_never_mentions_is_not_answered(
    harbour: Pipeline, unanswerable: str, missing: str, answerable: str
) -> None:
    answer = harbour.answer(unanswerable)
    assert answer.abstained and f"never mention {missing}" in answer.text, answer.text
    assert not harbour.answer(answerable).abstained


def test_the_quotation_comes_before_the_sentence_that_leads_in_to_it(harbour: Pipeline) -> None:
    answer = harbour.answer("What did Kovacs say about how quickly the port authority had drawn up the plan?")
    quotes = [c.quote for c in answer.citations]
    assert quotes[0].startswith('"It is a gift'), answer.text
    assert len(quotes) > 1 and quotes[1].startswith("Kovacs also marvelled"), answer.text


FAQ = """Garden pump FAQ

1. Getting started

1.1. How do you prime the pump?

Fill the housing with water through the top plug. Then run the motor for ten seconds. \
"Prime it again after every winter," said Jonas Ek of the service desk.

1.2. The pump runs, but no water comes out of the hose.

Check that the intake hose sits below the water line. A hose above it draws only air.

2. Credits

The pump was designed by Mara Lindqvist <mara@example.org> and Tomas Berg, and it is \
sold in garden centres.
"""


@pytest.fixture(scope="module")
def faq(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return pipeline_over(tmp_path_factory, "faq", {"faq.txt": FAQ})


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The document's own question matches best, but what follows it is the answer.
        ("How do I prime my garden pump?", "Fill the housing"),
        # A numbered entry's title states the problem; the sentence after it answers it.
        ("My pump runs but no water comes out. What should I check?", "intake hose"),
        # A name with an e-mail address in a credit is a person, even where the documents
        # otherwise know people only from what they said.
        ("Who designed the pump?", "Mara Lindqvist"),
    ],
)
def test_a_faq_entry_is_answered_by_what_follows_its_title(faq: Pipeline, question: str, expected: str) -> None:
    answer = faq.answer(question)
    assert not answer.abstained
    assert expected in answer.citations[0].quote


def test_a_documents_own_footnote_marks_do_not_read_as_citation_markers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text = (
        "Filters\n\nThe ARM filter [1] converts branch addresses in ARM code. It needs 4-byte alignment.\n\n"
        "Notes\n\n[1] It handles little endian code only.\n"
    )
    answer = pipeline_over(tmp_path_factory, "notes", {"spec.txt": text}).answer("What does the ARM filter convert?")
    assert "ARM filter (1) converts" in answer.text
    markers = re.findall(r"\[(\d+)\]", answer.text)
    assert markers == [str(c.n) for c in answer.citations], "every [n] is a citation"
    assert "[1]" in answer.citations[0].quote, "the quote stays exact"


DESIGN = """Buffer design

The pools can be regarded as lifetime identifiers for buffers.  Two
pools/lifetimes are defined:
  * POOL_SESSION     lasts until the session record is destroyed
  * POOL_FRAME       lasts until done with the frame
Session lifetime is used for settings that carry across frames.

Streams may end with an END marker that postpones the true length.
This leads to a couple of serious objections:
1. Testing for the marker must occur in the inner loop of the decoder; this
   implies a speed penalty whether the feature is used or not.
2. There is no way to hide the late change of length from an application, so
   every application would suffer a complexity penalty.
We currently do not support END markers because of these problems.

Packages that want the new behaviour should depend on the buffer-supporting
version of the loader. The key length is given in bits.
"""


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return pipeline_over(tmp_path_factory, "design", {"design.txt": DESIGN})


def test_a_short_sentence_leading_in_to_a_list_is_answered_with_the_list(design: Pipeline) -> None:
    answer = design.answer("What are the two buffer pool lifetimes?")
    assert "POOL_SESSION" in answer.text and "POOL_FRAME" in answer.text, answer.text


def test_a_cause_given_by_reference_comes_with_the_sentence_it_refers_to(design: Pipeline) -> None:
    quotes = [c.quote for c in design.answer("Why are END markers not supported?").citations]
    supported = next(i for i, q in enumerate(quotes) if "because of these problems" in q)
    assert supported > 0 and "complexity penalty" in quotes[supported - 1], quotes


@pytest.mark.parametrize(
    "question",
    [
        "Which loader release version first shipped buffer support?",  # a version named by no number
        "What key length in bits is used by default?",  # a length in bits that no figure gives
    ],
)
def test_a_version_or_a_figure_in_a_unit_is_not_answered_by_a_sentence_without_one(
    design: Pipeline, question: str
) -> None:
    answer = design.answer(question)
    assert answer.abstained, answer.text


def test_a_question_about_each_of_two_reports_is_answered_from_both(tmp_path_factory: pytest.TempPathFactory) -> None:
    reports = {
        "gazette.txt": "River bridge reopens\n\nThe old river bridge reopened on Monday after repairs that took "
        "fourteen months. Traffic was light in the morning.\n",
        "courier.txt": "Bridge back in use\n\nDrivers returned to the river bridge this week. The repairs lasted "
        "more than a year, the city engineer said. A new cycle lane runs along its east side.\n",
    }
    answer = pipeline_over(tmp_path_factory, "reports", reports).answer(
        "How long did the bridge repairs take, according to each of the two reports?"
    )
    assert {c.source for c in answer.citations} == set(reports), answer.text


LISTING = """Key listing format

Field 2 is a letter describing the computed validity of a key.  Currently this
is a single letter, but be prepared that additional information may follow.
Here is an example listing: pub:f:1024:17:6C7EE1B8:899817715:1055898235::m:::scESC:

    - o :: Unknown (this key is new to the system)
    - e :: The key has expired.
    - f :: The key is fully valid.
    - w :: The key has a well known private part.
    - s :: The key has special validity.

Field 3 is the length of the key in bits.
"""


TABLE = """Cache entries

Each entry has a type, shown in the ID column of the table below.

  +---+------------+------------------------------------------+
  |ID | #define    | Description                              |
  +---+------------+------------------------------------------+
  |A  | FULL_PAGE  | the full source page                     |
  |B  | LINK_PAGE  | a page linking to a FULL_PAGE            |
  |D  | LOST_PAGE  | a formatted page with no source page     |
  +---+------------+------------------------------------------+

The ID illustrates the precedence of the entries.
"""


COLUMNS = """Font constants

Constants are symbolic names for common font values, listed with their property:

  Constant        Property        Value
  -------------------------------------
  light           weight          50
  medium          weight          100
  bold            weight          200
  black           weight          210
  roman           slant           0

A constant may be used wherever its property's integer value is expected.
"""


@pytest.mark.parametrize(
    ("text", "question", "item"),
    [
        (LISTING, "What does the validity letter 'w' mean in a key listing?", "- w ::"),
        (TABLE, "In the cache entry ID column, what does the letter D mean?", "|D"),
        (COLUMNS, "What numeric weight does the constant 'bold' stand for?", "bold "),
    ],
    ids=["definition-list", "table-row", "space-aligned-row"],
)
def test_what_a_code_means_is_answered_by_its_own_item_or_row(
    tmp_path_factory: pytest.TempPathFactory, text: str, question: str, item: str
) -> None:
    answer = pipeline_over(tmp_path_factory, "codes", {"doc.txt": text}).answer(question)
    assert answer.citations[0].quote.startswith(item), answer.text


WRAPPED_FAQ = """Pump firmware FAQ
------------------------------------------------------------------------
1. Building
------------------------------------------------------------------------

1.1. How long does a full build of the firmware take on a laptop?
A full build takes about four minutes on a recent laptop, and the
second build is faster because the object files are kept.

1.2. When building the firmware, 'make' fails with this:
    ld: cannot find -lc
    collect2: ld returned 1 exit status

You need to install the static C library package of your system.

------------------------------------------------------------------------
2. Flashing
------------------------------------------------------------------------

2.1. Which cable do I need to flash the board?
Any USB cable that carries data will do; charging-only cables will
not be seen by the flashing tool.
"""


def test_an_entry_title_quoting_an_error_is_answered_by_the_text_under_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    answer = pipeline_over(tmp_path_factory, "wrapped-faq", {"faq.txt": WRAPPED_FAQ}).answer(
        "Building the firmware fails with 'ld: cannot find -lc'. What do I need?"
    )
    assert "static C library" in answer.citations[0].quote, answer.text


@pytest.mark.parametrize(
    ("text", "abstains"),
    [
        ("The encoder takes a quality setting from 0 to 100; low settings give small files.", True),
        ("The encoder takes a quality setting from 0 to 100. Its default quality is 75.", False),
    ],
    ids=["no-default-given", "default-given"],
)
def test_a_default_is_answered_only_by_a_sentence_that_gives_one(
    tmp_path_factory: pytest.TempPathFactory, text: str, abstains: bool
) -> None:
    docs = {"encoder.txt": f"Encoder settings\n\n{text}\nThe decoder reads any file the encoder writes.\n"}
    answer = pipeline_over(tmp_path_factory, "defaults", docs).answer(
        "What quality setting does the encoder use by default?"
    )
    assert answer.abstained is abstains, answer.text


TUNNEL = (
    "City works\n\n"
    "The council spent the spring on its roads. Potholes on the ring road were filled in April, "
    "and the bus lanes on the river road were repainted in May after complaints from drivers. "
    "The budget for the year was set at a council meeting that lasted well into the night, and "
    "the street lights of the old town were replaced with lamps that use less power. Work on the "
    "cycle paths was put off until next year, when the council expects more money from the region. "
    "Residents of the north bank asked for a new footbridge, which the council promised to study. "
    "The market square will be closed to cars on Saturdays from the autumn, a trial the shops "
    "have welcomed, and two new car parks are planned near the station to make up for it. "
    "Last, the council turned to the one project that has been late for years: the Harbour Tunnel.\n\n"
    "The tunnel is now to be finished by Meridian Works, which took over the contract in June. "
    "The first firm had left the site after a dispute over the price of steel.\n"
)


def test_a_name_the_sentence_just_before_gives_counts_for_the_sentence_across_a_chunk_boundary(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pipeline = pipeline_over(tmp_path_factory, "tunnel", {"works.txt": TUNNEL})
    chunks = sorted(pipeline.store.get_chunks(pipeline.store.bm25().ids).values(), key=lambda c: c.start)
    texts = [c.text for c in chunks]
    assert len(texts) == 2 and "Harbour Tunnel" not in texts[1]  # the setting the rule is for
    answer = pipeline.answer("Which company will finish the Harbour Tunnel?")
    assert "Meridian Works" in answer.text, answer.text


def test_an_acronym_the_documents_spell_out_is_not_called_never_mentioned(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    files = {
        "licence.txt": "Licence notes\n\nThis library may also be used under the terms of the GNU General "
        "Public License, version 2 or later, at the user's choice.\n",
        "readme.txt": "Readme\n\nThe library reads and writes archives. It has no dependencies.\n",
    }
    answer = pipeline_over(tmp_path_factory, "acronym", files).answer("Can I use the library under the GPL?")
    assert "never mention" not in answer.text, answer.text
    assert "General Public License" in answer.text, answer.text


RIVER_TOWN = """River town report

The river has shaped the town for centuries, and its influence on trade in the valley is still large. \
Merchants say the town's influence is fading as the new motorway draws traffic away. \
Farmers upstream still ship grain by the river's barges every autumn.
"""


def test_a_sentence_naming_the_very_possessive_asked_about_answers_alone(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # "the town's influence" is one thing; "the river ... its influence ... the town" another.
    town = pipeline_over(tmp_path_factory, "river-town", {"town.txt": RIVER_TOWN})
    answer = town.answer("What is happening to the town's influence?")
    assert [c.quote for c in answer.citations] == [
        "Merchants say the town's influence is fading as the new motorway draws traffic away."
    ], answer.text


VALLEY_WAR = """Valley war history

In 1998 the northern league backed Ostland in its war with Westmark over the valley. \
The league's support was decisive, historians say, and it changed the balance of the region. \
Ostland now fully controls the valley, after its March 2021 offensive drove out the Westmark garrison. \
Trade through the valley has since doubled.
"""


def test_a_later_part_naming_its_own_subject_is_answered_on_its_own_terms(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # "it" is Ostland, named in the part itself, not the war the first part asked about.
    valley = pipeline_over(tmp_path_factory, "valley-war", {"war.txt": VALLEY_WAR})
    answer = valley.answer(
        "In which year did the northern league back Ostland in the war, "
        "and when did Ostland's offensive give it full control of the valley?"
    )
    assert "1998" in answer.text and "March 2021" in answer.text, answer.text


HARBOUR_TRAFFIC = """Harbour traffic

Since 2019 a vessel traffic service guides every ship through the narrow channel by radio. \
Pilots board the larger ships at the outer buoy.
"""


def test_an_acronym_the_passage_spells_out_in_lower_case_is_mentioned(tmp_path_factory: pytest.TempPathFactory) -> None:
    harbour = pipeline_over(tmp_path_factory, "harbour-traffic", {"traffic.txt": HARBOUR_TRAFFIC})
    answer = harbour.answer("Since when does the VTS guide ships through the channel?")
    assert not answer.abstained and "2019" in answer.text, answer.text
    unknown = harbour.answer("Since when does the AIS guide ships through the channel?")
    assert unknown.abstained and "never mention AIS" in unknown.text, unknown.text


BRIDGE_PLAN = """Bridge plan

In June the council announced that the old bridge would be closed for two years. \
The announcement set off alarm among shopkeepers, who saw in it the end of their passing trade. \
The mayor said the works could not wait.
"""


def test_how_a_group_reacted_may_be_what_it_felt_not_only_what_it_said(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    bridge = pipeline_over(tmp_path_factory, "bridge-plan", {"bridge.txt": BRIDGE_PLAN})
    answer = bridge.answer("How did shopkeepers react to the announcement?")
    assert not answer.abstained and answer.citations[0].quote.startswith("The announcement set off alarm"), answer.text


WORKERS = """Worker settings
===============

These values are read from the service configuration file at start-up.

worker_threads
--------------

**Default** - ``4``

The service handles uploads with a pool of threads. At any moment, several uploads from
different clients are being processed at the same time, each by one thread of the pool.

You may need to change this value:

* Lowering this value - On small machines, the default of 4 worker threads can use up the
  memory. Uploads will then take longer to finish.

* Raising this value - On large machines, more threads finish a batch of uploads sooner.

queue_length
------------

**Default** - ``500``

Uploads wait in a queue until a thread of the pool is free.
"""


def test_a_default_stated_beside_the_counted_thing_answers_how_many_by_default(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # "the default of 4 worker threads" shares few words with the question, but it is the
    # default asked for, next to the thing counted.
    question = "By default, how many threads handle the uploads of different clients at once?"
    answer = pipeline_over(tmp_path_factory, "workers", {"workers.txt": WORKERS}).answer(question)
    assert "default of 4 worker threads" in answer.citations[0].quote, answer.text


MANUAL_TWICE = """Writing the statistics

-o FILE Write the resource use statistics to FILE instead of the standard error.

-a Append the statistics to FILE instead of overwriting it.

Options in brief

-o FILE Write the resource use statistics to FILE instead of the standard error.

-q Do not report the status of abnormally terminated programs.
"""


def test_a_sentence_the_documents_repeat_word_for_word_is_cited_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    answer = pipeline_over(tmp_path_factory, "twice", {"time.txt": MANUAL_TWICE}).answer(
        "Which option writes the resource use statistics to a file?"
    )
    quotes = [" ".join(c.quote.split()) for c in answer.citations]
    assert any("-o FILE" in q for q in quotes), answer.text
    assert len(quotes) == len(set(quotes)), answer.text


def test_a_question_naming_a_document_is_answered_from_that_document_only(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pipeline = pipeline_over(
        tmp_path_factory,
        "two-licences",
        {
            "harbour.txt": (
                "Harbour Software Licence\n\n1. Termination\n\nYour rights end if you break these terms. "
                "They are restored if you stop the violation within 45 days of a notice from the "
                "Copyright Holder.\n"
            ),
            "quay.txt": (
                "Quay Public Licence\n\n1. Distribution\n\nYou may give copies of the Package to anyone, "
                "provided that you keep the Copyright Holder's notices intact.\n"
            ),
        },
    )
    # The figure is in the other licence: the Quay Public Licence gives no notice period.
    asked = "How many days' notice does the Copyright Holder give under the Quay Public Licence?"
    assert pipeline.answer(asked).abstained
    # By its initials, and by name, the licence that gives one answers.
    for question in (
        "How many days' notice does the Copyright Holder give under the HSL?",
        "Under the Harbour Software Licence, within how many days must a violation stop?",
    ):
        answer = pipeline.answer(question)
        assert not answer.abstained and "45 days" in answer.citations[0].quote, (question, answer.text)


def test_a_licence_asked_about_by_its_short_version_is_answered_from_that_version(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    def licence(version: str, days: int) -> str:
        return (
            f"                HARBOUR PUBLIC LICENCE\n                   Version {version}\n\n"
            f"1. Termination\n\nYour rights end if you break these terms. They are restored if you stop "
            f"the violation within {days} days of a notice from the Copyright Holder.\n"
        )

    pipeline = pipeline_over(
        tmp_path_factory, "two-versions", {"hpl-2.txt": licence("2, June 1991", 45), "hpl-3.txt": licence("3", 60)}
    )
    answer = pipeline.answer("Under the Harbour Public Licence v2, within how many days must a violation stop?")
    assert not answer.abstained, answer.text
    assert answer.citations[0].source == "hpl-2.txt" and "45 days" in answer.citations[0].quote


def test_the_passages_of_the_document_a_question_names_are_retrieved_first(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    other = (
        "{title}\n\n1. Use\n\nCommercial use of the software is free. Commercial use means any use for money. "
        "What commercial use means here is use in a shop.\n"
    )
    pipeline = pipeline_over(
        tmp_path_factory,
        "named-first",
        {
            "a.txt": other.format(title="Harbour Software Licence"),
            "b.txt": other.format(title="River Software Licence"),
            "quay.txt": (
                "Quay Public Licence\n\n1. Definitions\n\n"
                '1.1. "Commercial Use" means distribution to a third party.\n'
                "\n2. Grants\n\nThe Licensor grants you a licence to copy the Code.\n"
            ),
        },
    )
    retrieval = pipeline.retriever.retrieve("What does 'Commercial Use' mean in the Quay Public Licence?", 2)
    assert [p.chunk.doc_id for p in retrieval.passages] == ["quay.txt", "quay.txt"]


def test_a_later_part_of_a_question_is_answered_by_a_sentence_of_its_own(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pipeline = pipeline_over(
        tmp_path_factory,
        "two-parts",
        {
            "switch.txt": (
                "Switching licences\n\nThis section is about copies of the Library. To switch to the Harbour Licence, "
                "you must change all the notices in the copy so that they point to the Harbour Licence, "
                "version 2, instead of to this licence. Once this switch is made in a copy, it is "
                "irreversible for that copy.\n"
            )
        },
    )
    answer = pipeline.answer(
        "If I switch a copy of the Library to the Harbour Licence, which version must the notices point to, "
        "and can I switch the copy back later?"
    )
    quotes = [c.quote for c in answer.citations]
    assert "version 2" in quotes[0] and any("irreversible" in q for q in quotes), answer.text


def test_a_question_put_in_the_negative_prefers_the_sentence_that_is_too(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pipeline = pipeline_over(
        tmp_path_factory,
        "negative",
        {
            "versions.txt": (
                "Choosing a version\n\nIf the Package names a version of this licence, you may follow that "
                "version or any later version. If the Package does not name a version of this licence, you "
                "may choose any version ever published.\n"
            )
        },
    )
    question = "The package says nothing about which version applies and names no version. What can I do?"
    answer = pipeline.answer(question)
    assert "does not name" in answer.citations[0].quote, answer.text
