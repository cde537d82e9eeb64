"""Offline follow-up rewriting: resolve "he", "it", "there" and "what about X?"
against the conversation, so the rewritten question stands on its own.

This is the history-aware expansion of DESIGN.md for the extractive mode; with
an LLM configured the rewrite is done by the model (see ``rag/llm.py``).
"""

from __future__ import annotations

import re

from .question import analyse, proper_nouns
from .text import STOPWORDS, stem

History = list[tuple[str, str]]

_PERSON_PRONOUNS = r"he|him|his|she|her|hers"
_THING_PRONOUNS = r"it|its|that|this|they|them|their"
_WHAT_ABOUT = re.compile(
    r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??\s*$|"
    # "And Putin?" is elliptical; "And what does it mean?" is a question of its own.
    r"^\s*and\s+(?!(?:who|whom|what|when|where|why|how|which|is|are|was|were|did|does|do|can|could|has|have)\b)"
    r"((?:\S+\s+){0,3}\S+?)\s*\?\s*$",
    re.I,
)
_NOUN_PHRASE = re.compile(
    r"\b(?:the|a|an)\s+((?:[\w’'-]+\s+){0,3}?[\w’'-]+)(?=\s*(?:\?|$|,|\bin\b|\bon\b|\bof\b|\bwith\b|\bbetween\b|\bfor\b|\bto\b))",
    re.I,
)


_AUXILIARY = "is|are|was|were|did|does|do|has|have|had|can|could|will|would|should"
_WHICH_THING = r"^\s*(?:which|what)\s+((?:[\w’'-]+\s+){0,3}?[\w’'-]+)\s+"
# An auxiliary ("Which treaty is ..."), else the thing's own verb ("Which corridor links ...");
# an auxiliary first, so that "what Western measures does" asks about the measures.
_WHICH_BY_AUXILIARY = re.compile(rf"{_WHICH_THING}(?:{_AUXILIARY})\b", re.I)
_WHICH_BY_VERB = re.compile(rf"{_WHICH_THING}(?:[a-z]+(?<!s)s|[a-z]+ed)\b", re.I)


def _which(question: str) -> re.Match[str] | None:
    found = _WHICH_BY_AUXILIARY.match(question) or _WHICH_BY_VERB.match(question)
    # "What are Cover Texts ...?" asks what they are, not which of them.
    return found if found and found.group(1).split()[0].lower() not in _AUXILIARY.split("|") else None


# "education - what is being set up": a subject, then a question of its own about it.
_OWN_QUESTION = re.compile(rf"^(.+?)\s*[-–—:,;]\s*((?:who|whom|what|when|where|why|how|which|{_AUXILIARY})\b.+)$", re.I)
# "there" as a place ("how many people live there"), not "is there any ...".
_PLACE_THERE = re.compile(r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(?:is|are|was|were|be)\b)", re.I)
_THAT_AT_END = re.compile(r"\b(?:that|this)\s*\??\s*$", re.I)
_DO_THAT = re.compile(r"\b(?:do|does|did|doing|done)\s+(?:that|this|so)\b", re.I)
_ONE = re.compile(r"\b(each|every|this|that|the same|which)\s+one\b", re.I)


def is_follow_up(question: str) -> bool:
    q = question.strip()
    if _WHAT_ABOUT.match(q) or re.match(r"(?:and|also|so|but|then)\b|what else\b", q, re.I):
        return True
    return bool(
        _ONE.search(q) or re.search(rf"\b(?:{_PERSON_PRONOUNS}|{_THING_PRONOUNS}|there|then|those|these)\b", q, re.I)
    )


def _person(history: History, people: frozenset[str]) -> str:
    """The person the conversation is about: the answer to a "who" question, else the
    last person named in the previous question, else in the previous answer. Names
    the documents treat as people (``people``: "Aliyev said") win over places."""
    question, answer = history[-1]
    asked = {w.lower() for w in re.findall(r"\w+", question)}

    def is_person(name: str) -> bool:
        return bool({w.lower() for w in re.findall(r"\w+", name)} & people)

    # "Who is Ruben Vardanian?": the question names him; the names in its answer are others.
    identity = re.match(r"^\s*who\s+(?:is|was)\s+(.+?)\s*\?*\s*$", question, re.I)
    if identity and identity.group(1) in proper_nouns(question):
        return identity.group(1)
    names_in_answer = [p for p in proper_nouns(answer) if not set(p.lower().split()) & asked]
    if analyse(question).answer_type in ("who", "person") and names_in_answer:
        return max(names_in_answer, key=lambda p: (len(p.split()) > 1, -names_in_answer.index(p)))
    if identity and not names_in_answer and len(identity.group(1).split()) <= 6:
        # "Who is Azerbaijan's envoy to Moscow?" unanswered: "he" is still that envoy.
        return identity.group(1)
    topic = _topic(question)
    for names in (proper_nouns(question), proper_nouns(answer)):
        # "What did Aliyev say about Putin?" + "what did he add?": he is the speaker.
        people_named = sorted((n for n in names if is_person(n)), key=lambda n: n not in topic)
        if people_named:
            return people_named[-1]
    in_question = sorted(proper_nouns(question), key=lambda n: n not in topic)
    return in_question[-1] if in_question else (names_in_answer[0] if names_in_answer else "")


def _answered_thing(history: History) -> str:
    """The name the last answer gave to a "which X" question, if it gave one."""
    question, answer = history[-1]
    which = _which(question)
    if not which or analyse(question).answer_type in ("number", "date"):
        return ""
    asked = {w.lower() for w in re.findall(r"\w+", question)}
    names = [re.sub(r"['’]s$", "", p) for p in proper_nouns(answer)]
    names = [p for p in names if not {w.lower() for w in p.split()} <= asked]
    # "Which transport corridor ...": the name that is a corridor, wherever it stands.
    noun = which.group(1).split()[-1].lower()
    names.sort(key=lambda p: noun not in p.lower().replace("-", " ").split())
    return names[0] if names else ""


# Words that name a measure of something, not the thing itself.
_MEASURE = re.compile(r"(?:figure|number|amount|value|total|share|sum|percentage|price|cost|date|year|day)s?", re.I)
_MEASURE_OF = re.compile(r"\b(?:for|of|on)\s+[^?,;]+", re.I)


# What a "how much is ..." question measures: the figure's subject.
_MEASURED = re.compile(r"\bhow (?:much|many)\s+(?:is|are|was|were)\s+(?:the\s+)?([^?,]+?)\s*\??\s*$", re.I)
# "that figure", "this number": the figure the previous answer gave.
_THAT_FIGURE = re.compile(r"\b(?:that|this|the) (?:figure|number|amount|sum|total|estimate)\b", re.I)


def _topic(question: str) -> str:
    """The subject matter of a question: what it asks "about" ("the trade turnover
    between the two countries"), else its last noun phrase ("the consulate")."""
    quoted = re.search(r"[\"“]([^\"“”]{2,40})[\"”]", question)
    if quoted:
        return f'the "{quoted.group(1)}"'  # a term asked about by name
    which = _which(question)
    if which and which.group(1).split()[0].lower() not in STOPWORDS:
        thing = "the " + which.group(1)  # "Which treaty is mentioned?" -> "the treaty"
        of = _MEASURE_OF.search(question) if _MEASURE.fullmatch(which.group(1).split()[-1]) else None
        # "What figure did Aliyev give for total bilateral trade?": the figure *for trade*.
        return f"{thing} {of.group(0).rstrip(' ?')}" if of else thing
    measured = _MEASURED.search(question)
    if measured:
        return "the " + measured.group(1)  # "how much is total trade turnover between ..."
    about = re.search(r"\babout\s+(?:(?:the|a|an)\s+)?([^?]+?)\s*\??\s*$", question, re.I)
    if about and about.group(1).split()[0].lower() not in STOPWORDS:
        return about.group(1) if about.group(1)[:1].isupper() else "the " + about.group(1)
    phrases = _NOUN_PHRASE.findall(question)
    phrases = [p for p in phrases if p.split()[-1].lower() not in STOPWORDS]
    if phrases:
        return "the " + phrases[-1]
    names = proper_nouns(question)
    return names[-1] if names else ""


def condense(question: str, history: History | None, people: frozenset[str] = frozenset()) -> str:
    """A standalone version of ``question`` given ``history`` [(question, answer), ...];
    ``people`` are lower-cased words of the names the documents use for people."""
    if not history or not is_follow_up(question):
        return question
    previous_question = history[-1][0]
    match = _WHAT_ABOUT.match(question)
    if match:
        subject = (match.group(1) or match.group(2)).strip()
        own = _OWN_QUESTION.match(subject)
        if own:
            # "What about education - what is being set up?" asks its own question about
            # education, in the setting of the previous one (its names, as context).
            thing, asked = own.group(1), own.group(2).rstrip(" ?")
            names = ", ".join(proper_nouns(previous_question))
            return f"{asked[:1].upper()}{asked[1:]} about {thing}" + (f" ({names})" if names else "") + "?"
        return _substitute(previous_question, subject)
    rewritten = question
    person = _person(history, people)
    if person and not _names_own_person(question, people):
        rewritten = re.sub(
            rf"\b({_PERSON_PRONOUNS})\b", lambda m: _possessive(person, m.group(1)), rewritten, flags=re.I
        )
    answered = _answered_thing(history)
    if answered:
        # "Which bloc is getting involved?" -> "the European Union ..." -> "Why is it doing that?":
        # "it" is the answer, and "doing that" is what the previous question asked about.
        rewritten = re.sub(r"\b(?:it|they)\b(?!\s*\??\s*$)", answered, rewritten, count=1, flags=re.I)
        rewritten = re.sub(r"\b(?:its|their)\b", f"{answered}'s", rewritten, count=1, flags=re.I)
    rewritten = _object_of_same_verb(rewritten, previous_question)
    if _DO_THAT.search(rewritten):
        # "Why did Baku do that?": "do that" is what the previous question asked about, not
        # a thing to put in place of "that".
        return f"{rewritten.rstrip(' ?')} ({previous_question.rstrip(' ?')})?"
    if _THAT_AT_END.search(rewritten) and analyse(previous_question).answer_type == "yesno":
        # "Can I embed the interpreter in my program?" + "Is there any condition attached to
        # that?": "that" is what the previous question asked, not its last noun.
        return f"{rewritten.rstrip(' ?')} ({previous_question.rstrip(' ?')})?"
    topic = _topic(previous_question)
    if topic:
        rewritten = re.sub(
            r"\b(?:it|that|this)\b(?=\s*\??\s*$)|\babout (?:it|that|this)\b",
            lambda m: m.group(0).replace(m.group(0).split()[-1], topic),
            rewritten,
            flags=re.I,
        )
    if topic and _MEASURED.search(previous_question):
        rewritten = _THAT_FIGURE.sub(topic, rewritten)
    elif (
        (figure := _THAT_FIGURE.search(question))
        and not figure.group().lower().startswith("the")
        and not topic.startswith("the ")
    ):
        # "What did Aliyev say total trade turnover was?" + "How did Putin respond to that
        # figure?": the figure is what the previous question asked for, however it put it
        # (its topic is a name here, "Aliyev", not the thing measured).
        return f"{rewritten.rstrip(' ?')} ({previous_question.rstrip(' ?')})?"
    if topic:
        # "What does each one grant?" after a question about "contributors".
        rewritten = _ONE.sub(lambda m: f"{m.group(1)} {topic.split(None, 1)[-1].strip(chr(34))}", rewritten)
    there = _there(history, answered, person if re.search(rf"\b(?:{_PERSON_PRONOUNS})\b", question, re.I) else "")
    if there:
        rewritten = _PLACE_THERE.sub("in " + there, rewritten)
    if rewritten == question:
        # Nothing to substitute: carry the previous question's subject along; "them" is never
        # a single thing ("the Russian region"), so then the whole previous question.
        plural = re.search(r"\b(?:they|them|their)\b", question, re.I) and not topic.endswith("s")
        return f"{question.rstrip(' ?')} ({previous_question.rstrip(' ?') if plural or not topic else topic})?"
    return rewritten


_DETERMINER_WORDS = "the a an this that its their".split()
_DETERMINERS = frozenset(_DETERMINER_WORDS)
_DETERMINER = "|".join(_DETERMINER_WORDS)
_VERB_IT = re.compile(r"\b([a-z]{3,})\s+(it|them)\b")
# The noun phrase after a verb, up to a preposition, a conjunction or an adverb ("explicitly").
_OBJECT = re.compile(
    rf"\s+((?:(?:{_DETERMINER})\s+)?(?:[\w’'-]+\s+){{0,2}}?[\w’'-]+)"
    r"(?=\s*(?:\?|$|,|;|\.|\b(?:in|on|at|of|with|by|for|to|from|into|when|if|so|and|or)\b|\b\w+ly\b))",
    re.I,
)


def _object_of_same_verb(question: str, previous: str) -> str:
    """ "What command activates a dpkg trigger?" then "how do I activate it without ...?":
    what "it" is the object of is what the same verb took in the previous question."""
    match = _VERB_IT.search(question)
    if match is None or match.group(1) in STOPWORDS:
        return question
    verb = stem(match.group(1))
    for word in re.finditer(r"[A-Za-z]{3,}", previous):
        if stem(word.group().lower()) != verb:
            continue
        thing = _OBJECT.match(previous, word.end())
        first = thing.group(1).split()[0].lower() if thing else ""
        if thing and (first in _DETERMINERS or first not in STOPWORDS):
            return question[: match.start(2)] + thing.group(1) + question[match.end(2) :]
    return question


# A role with its determiner ("the ambassador", "Azerbaijan's envoy", "the Russian
# president"): "what official post" names no official.
_ROLE_NOUN = re.compile(
    rf"\b(?:{_DETERMINER}|[\w-]+['’]s)\s+(?:[\w-]+\s+)?"
    r"(?:ambassador|president|minister|official|spokes(?:man|woman|person)|leader|adviser|advisor|counterpart|"
    r"envoy|chairman|chairwoman|director|mayor|king|queen|chancellor|secretary|governor|senator|premier|"
    r"author|founder|owner|wife|husband)s?\b",
    re.I,
)


def _names_own_person(question: str, people: frozenset[str]) -> bool:
    """Whether the question names, before its first "he/his/she/her", whom it refers to:
    "How did Azerbaijan's ambassador describe the consulates in his country?"."""
    pronoun = re.search(rf"\b(?:{_PERSON_PRONOUNS})\b", question, re.I)
    if pronoun and pronoun.group().lower() == "him":
        return False  # "what did Aliyev call him?": the one named is not the one he called
    before = question[: pronoun.start()] if pronoun else ""
    return bool(_ROLE_NOUN.search(before) or {w.lower() for w in re.findall(r"\w+", before)} & people)


def _there(history: History, answered: str, person: str) -> str:
    """Where "there" is: the place the last answer named for a "which city/where" question,
    else where the previous question put things ("in conflict ... over Nagorno-Karabakh"),
    else the first name that question or its answer gave (never the person "he" is)."""
    question, answer = history[-1]
    if analyse(question).answer_type == "place":
        # "Where did Putin arrive?" answered "... in Baku": there is Baku.
        asked = proper_nouns(question)
        given = [p for p in proper_nouns(answer) if p not in asked and (not person or p not in person)]
        if answered or given:
            return answered or given[0]
    names = [p for p in proper_nouns(question) if not person or p not in person]
    located = [p for p in names if _after_place_word(question, p)]
    if located:
        return located[-1]
    names += [p for p in proper_nouns(answer) if (not person or p not in person) and p not in names]
    return names[0] if names else ""


def _after_place_word(question: str, name: str) -> bool:
    return (
        re.search(rf"\b(?:in|at|over|into|inside|near|to|from)\s+(?:the\s+)?{re.escape(name)}\b", question) is not None
    )


def _possessive(name: str, pronoun: str) -> str:
    return f"{name}'s" if pronoun.lower() in ("his", "hers") else name


def _substitute(previous: str, subject: str) -> str:
    """ "What did Aliyev say about trade?" + "what about Putin?" -> "What did Putin say about trade?"."""
    names = proper_nouns(previous)
    if names and re.sub(r"^(?:the|a|an)\s+", "", subject, flags=re.I)[:1].isupper():
        # The name the question is about stands after its auxiliary: "What filter ID does
        # LZMA2 have?" + "what about the Delta filter?" replaces LZMA2, not "ID".
        subjects = [n for n in names if re.search(rf"\b(?:{_AUXILIARY})\s+(?:the\s+)?{re.escape(n)}\b", previous)]
        name = (subjects or names)[0]
        found = re.search(rf"(?:\bthe\s+)?{re.escape(name)}", previous)
        if found:
            # "... of the Apache License" + "the MPL": the subject brings its own article.
            replaced = found.group() if re.match(r"(?:the|a|an)\s", subject, re.I) else name
            return previous.replace(replaced, subject, 1)
    # A thing replaces the thing asked about ("the economy"), never a name.
    topic = _topic(previous)
    if topic.startswith("the ") and topic[4:] in previous:
        return previous.replace(topic[4:], subject, 1)
    return f"{previous.rstrip(' ?')}: {subject}?"
