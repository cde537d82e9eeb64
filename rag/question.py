"""What a question asks for: its key terms, named entities and expected answer type.

Used by the extractive answerer (to pick sentences and to abstain) and by the
offline follow-up rewriter. Pure functions over text; no model involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import STOPWORDS, acronyms, initials, stem, terms, words

_WH = {"who", "whom", "whose", "what", "when", "where", "why", "how", "which"}
_FUNCTION_CAPS = frozenset(
    """the a an in on at for of and but or if it its this that these those he she they we i you
    what who whom whose when where why how which did does do is are was were has have had can could
    would will should may might must after before during since while although though as by from
    with without according following ahead behind meanwhile moreover furthermore however also
    yes no not there here then so such other another some many most each every all both either
    neither one two three mr mrs ms dr president vice minister""".split()
)
_PERSON_NOUN = re.compile(
    r"\b(?:person|man|woman|men|women|people|someone|wife|husband|son|daughter|mother|father|child|minister|"
    r"president|premier|king|queen|ambassador|envoy|adviser|advisor|spokes(?:man|woman|person)|official|leader)s?\b",
    re.I,
)
_ROLE = re.compile(
    r"\b(?:employers?|employees?|schools?|universit(?:y|ies)|authors?|holders?|owners?|licensors?|licensees?|"
    r"recipients?|users?|developers?|programmers?|contributors?|compan(?:y|ies)|governments?|courts?|judges?|"
    r"police|ministers?|officials?|leaders?|presidents?|parties|party|publishers?|sellers?|buyers?|vendors?|"
    r"manufacturers?|distributors?|customers?|clients?|members?|committees?|boards?|agenc(?:y|ies)|"
    r"foundations?|citizens?|anyone|everyone|nobody|no one|persons?|individuals?|staff|workers?|officers?|"
    r"directors?|managers?|spokes(?:man|woman|person)|journalists?|reporters?|experts?|analysts?|critics?|"
    r"lawyers?|attorneys?|doctors?|teachers?|students?|parents?|volunteers?|residents?|voters?|soldiers?)\b",
    re.I,
)
_POSTAL = re.compile(
    r"\b\d+\s+(?:[A-Z][\w.]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Way|Place|Square|Drive)\b|"
    r"\bP\.?\s?O\.?\s+Box\s+\d+|\b(?:Suite|Floor)\s+\d+"
)
_DEFINITION_QUESTION = re.compile(
    r"\bhow (?:does|do|did) .+ define\b|\bwhat (?:is|are) the definition of\b|"
    # "What does the visit mean for Armenia?" asks for an assessment, not a definition.
    r"\bwhat (?:does|do) (?:the (?:term|word|phrase|acronym|abbreviation) )?"
    r"(?:[\"“][^\"”]+[\"”]|['‘][^'’]+['’]) mean\b|"
    r"\bwhat is meant by\b|\bhow is .+ defined\b|\bwhat does \S+ stand for\b|"
    r"\bwhat (?:exactly |precisely )?(?:counts|qualifies|is considered|is regarded) as\b|"
    # "What is a "work that uses the Library"?": the term in quotes is the question.
    r"^\s*(?:in [^,]{1,40}, )?(?:what|who) (?:is|are) (?:a |an |the )?(?:[\"“][^\"”]+[\"”]|['‘][^'’]+['’])"
    r"(?: (?:in|under) [^?]{1,40})?\s*\??\s*$",
    re.I,
)
_DEFINES = re.compile(
    r"\b(?:means?|shall mean|refers? to|is defined as|are defined as|is called|are called|stands? for|"
    r"is (?:a|an|the) (?:term|name) for)\b",
    re.I,
)
# A term defined by what comes before it: "... with a Work (the "Affirmer")".
_NAMED_IN_BRACKETS = re.compile(r"\((?:the |a |an |hereinafter )?[\"“'‘][^\"”'’]{2,60}[\"”'’]\)")
_QUOTED = re.compile(r"[\"“«]([^\"“”«»]{2,60})[\"”»]|(?<!\w)['‘]([^'‘’\"“”]{2,60})['’](?!\w)")


def _quoted(text: str) -> list[str]:
    """The terms in double or single quotes: 'Commercial Use', "source code"."""
    return [double or single for double, single in _QUOTED.findall(text)]


_I_CONTRACTION = re.compile(r"I(?:['’](?:m|ve|d|ll))?$")
_MONTHS = "january february march april may june july august september october november december"
# A day, as "on what day" wants it: "August 19", "19 August", "Monday", "2024-08-19", "19/08/2024".
_DAY = re.compile(
    r"\b(?:(?:{m})\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{m})\b|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})".format(
        m="|".join(w.capitalize() for w in _MONTHS.split())
    ),
    re.I,
)
_DATE_BY_EVENT = re.compile(
    r"\b(?:on|as of|from|since|until|after|before) the (?:date|day) (?:on which |when |that )?(?!of\b)[\w-]+", re.I
)
_DATE = re.compile(
    r"\b(?:(?:19|20)\d{{2}}s?|(?-i:{})|(?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|today|tomorrow|"
    r"(?:last|this|next) (?:week|month|year|decade)|ago|decades?|centur(?:y|ies)|recent(?:ly)?|"
    r"spring|summer|autumn|winter|(?:next|last|this|early|late|the) fall|"
    r"(?:first|second|third|fourth|last|next) quarter|"
    # "May" is a month only in a date's company, not in "you may not".
    r"(?:in|of|since|until|by|early|late|mid-?|last|next|this)\s+May|May\s+\d|"
    # Software keeps time by its releases: "since version 2.3", "Debian Jessie and later releases".
    r"(?:since|from|until|before|after|in|as of)\s+(?:version|release|v)\s*\d[\w.]*|"
    r"(?-i:[A-Z][a-z]+) and (?:later|newer|earlier|older|subsequent) (?:releases|versions))\b".format(
        "|".join(m.capitalize() for m in _MONTHS.split() if m != "may")
    ),
    re.I,
)
_NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions trillion dozen dozens "
    "half double twice percent"
)
# A whole number ("2020", "100,000", "4.5"), not each of its digits: "its 2020 war" names a
# year, and its "020" must not pass for a count.
# Not the digits of a name ("S3", "C90", "x86"); a version's are ("v2").
_NUMBER = re.compile(
    r"(?:(?<![A-Za-z\d])|(?<=\b[vV]))\d+(?:[.,]\d+)*|\b(?:{})\b".format("|".join(_NUMBER_WORDS.split())), re.I
)
_SPEECH = re.compile(
    r"[\"“”«»]|\b(?:said|says|say|saying|told|tell|added|adds|noted|notes|stated|states|announced|"
    r"announces|asked|asks|replied|declared|remarked|remarks|signal(?:l)?ed|called|described|insisted|"
    r"argued|warned|wrote|writes|mentioned?|mentions|comments?|commented|urged|claimed|according to|"
    r"marvel(?:l)?ed|correction|appeal|statement)\b",
    re.I,
)
# What people think is said in other words than what they say: "what they saw as the real reason".
_OPINION = re.compile(
    r"\b(?:saw (?:\w+ )?as|sees? (?:\w+ )?as|viewed|believed?|believes|thinks?|thought|felt|feels?|"
    r"fear(?:ed|s)?|worried|hoped?|hopes|expected|suspected|considered)\b",
    re.I,
)
_REACT_WORDS = frozenset("react reacted reacts reaction reactions respond responded responds response".split())
_REACTION = re.compile(
    r"\b(?:alarm(?:ed|s)?|alarm bells|welcomed?|protest(?:ed|s)?|critici[sz]ed|condemned|praised|angered|anger|"
    r"outrage[ds]?|dismay(?:ed)?|saw in (?:it|this|that))\b",
    re.I,
)
# "What did X think ...": a verb after "did", not a noun ("Moscow's view of ...").
_OPINION_QUESTION = re.compile(
    r"^\s*(?:what|how) did (?:[\w-]+\s+){1,4}?(?:think|feel|believe|view|see|regard|fear|hope|expect|suspect)\b",
    re.I,
)
_SPEECH_QUESTION = re.compile(
    r"\b(?:say|said|tell|told|state|announce|mention|call|describe|remark|comment|note|claim|"
    r"warn|respond|reply|react|add|think|thought|feel|express|signal|characteri[sz]e|insist|argue|admit|"
    r"stress|emphasi[sz]e|deny|denied|explain)\w*\b",
    re.I,
)
# Up to two words before the noun a "what/which" question asks for ("what annual cargo
# volume", "which Russian official"), but no verb: "what did the ambassador say" asks for
# no ambassador.
_MODIFIERS = r"(?:(?!(?:is|was|are|were|did|does|do|has|have|had|can|could|will|would|should)\b)[\w-]+ ){0,2}"
_NUMBER_QUESTION = re.compile(
    r"\bhow (?:many|much|long|old|big|large|far|often)\b|\b(?:what|which) " + _MODIFIERS + r"(?:percent(?:age)?|share|"
    r"number|amount|figure|proportion|sum|total|value|size|length|population|price|cost|volume|turnover|"
    r"port|uid|gid|pid|exit (?:code|status))\b|"
    r"\bnumber of\b|\bwhat(?:'s|’s| is| was| are| were)? (?:the |its |their )?(?:total |overall |approximate )?"
    r"(?:percent(?:age)?|share|number|amount|figure|proportion|sum|value|size|length|population|price|cost|"
    r"volume|count|turnover)\b|"
    # "What numeric weight does 'bold' stand for?"
    r"\b(?:what|which) (?:numeric|numerical) [\w-]+|"
    # Quantities asked for by their measure: "what prison sentence", "what age".
    r"\b(?:prison|jail) (?:sentence|term)\b|"
    # A version (a release may have a name): "which dpkg release version first shipped it".
    r"\b(?:which|what) " + _MODIFIERS + r"(?:version|release)\b|"
    # A bound or extent: "the upper limit on the size", "the smallest and largest sizes".
    r"\b(?:upper|lower|maximum|minimum|max|min|smallest|largest|biggest|highest|lowest)\b.*"
    r"\b(?:limit|size|sizes|length|width|height|depth|number|value|values|amount|count|distance|range|capacity)\b|"
    r"\bwhat (?:is|are|was|were) the (?:\w+ )?(?:limits?|maximum|minimum|range)\b|\bwhat range\b|"
    r"\bwhat (?:sentence|age|distance|duration|height|weight|speed|"
    r"temperature|salary|rate|penalty|fine) (?:has|did|was|is|will|does|do|were|are)\b",
    re.I,
)
_DAY_QUESTION = re.compile(r"\b(?:what|which)\s+(?:exact\s+|precise\s+)?(?:day|date)\b", re.I)
_YEAR_QUESTION = re.compile(r"\b(?:what|which)\s+year\b", re.I)
# A year: "1995", "the 1990s", or one counted from now ("last year", "two years ago").
_YEAR = re.compile(r"\b(?:(?:19|20)\d{2}s?|(?:last|this|next) year|[\w-]+ years? ago)\b", re.I)
_VERSION = re.compile(
    r"\b\d+(?:\.\d+)+[\w.+~-]*|\b[vV]\d+[\w.]*|\b(?:version|release|v\.?)\s*(?:\d[\w.]*|(?:one|two|three|four|five|"
    r"six|seven|eight|nine|ten)\b)|"
    r"\bany (?:later |other |newer )?version\b(?!\s+of\b)",  # "you may choose any version ever published"
    re.I,
)
_DATE_QUESTION = re.compile(
    # "When does a manager send a Decline packet?", "when should I add tests?": in what case,
    # not on what date (a time is asked of what happened, was or will be).
    r"^\s*when\s+(?:did|was|were|will|would|has|have|had|(?:is|are)(?![^?]*\b(?:allowed|permitted|required|needed|"
    r"necessary|possible|ok|okay|acceptable|valid|appropriate|safe|recommended|prohibited|forbidden|mandatory|"
    r"optional|used)\b))\b|"
    r"\b(?:what|which) (?:year|date|month|day|time|decade|century)\b|\bsince when\b|"
    r"\bin what (?:year|month)\b|\bon what (?:exact |precise )?(?:date|day)\b|\bwhat (?:exact|precise) (?:date|day)\b|"
    r"\bwhat(?:'s|’s| is| was| are| were) the (?:\w+ )?(?:date|year|deadline)\b",
    re.I,
)
# "5.2. Security": a section's number is no figure of its text.
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*\.\s+(?=[A-Z])")
_SPLIT = re.compile(
    r"(?:,\s*|\s+)(?:and|but)\s+(?=(?:who|whom|what|when|where|why|how|which|did|does|do|is|are|was|were|has|have|can)\b)",
    re.I,
)


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    terms: tuple[str, ...]
    # Names and numbers of the question, each as its stemmed words; a passage
    # mentions a name when it has any of its words ("Polad Bulbuloglu" ~ "Bulbuloglu").
    entities: tuple[tuple[str, ...], ...]
    # number | date | who | person | place | name | speech | opinion | wording | email | phone | url | address |
    # definition | reason | item | yesno | other
    answer_type: str
    speaker: tuple[str, ...] = ()  # stemmed words naming who is asked to have said something
    # The terms saying what the question is about: not the speaker's, not adverbs ("later").
    topic: tuple[str, ...] = ()
    # The stemmed noun a number must quantify ("how many *agreements*"), or the term a
    # definition must define ("define *"source code"*").
    focus: str = ""
    # Things the question names by a number ("version 2" as ("version", "2")).
    numbered: tuple[tuple[str, str], ...] = ()
    # The stemmed words of what a name is asked for: "who is the *prime minister* of
    # Armenia", "what is the name of its *state oil company*". Documents that never use
    # one of them cannot say who or what it is.
    named_thing: tuple[str, ...] = ()
    # The words of what "what/which <label> does ..." asks the value of ("filter ID"): a
    # sentence "Filter ID: 0x03" gives that value as a label and its value.
    label: str = ""
    owner: str = ""  # whose role is asked: "Russia" in "Who is Russia's ambassador?"
    # The codes the question asks the meaning of ("the validity letter 'w'", "values 0 and 1"):
    # a definition list's item for one ("- w :: The key has ...") answers it.
    codes: tuple[str, ...] = ()
    # Whether the value asked for is a default ("what ... by default", "the default X"): a
    # sentence that never says what happens by default does not give it.
    asks_default: bool = False
    # The question's possessive phrases, stemmed ("Moscow's influence" -> ("moscow", "influenc")).
    possessives: tuple[tuple[str, str], ...] = ()


def proper_nouns(text: str) -> list[str]:
    """Capitalised word sequences, without ordinary words that are capitalised only
    because they start a sentence ("Besides", "Apart")."""
    return list(_proper_nouns(text))


@lru_cache(maxsize=16384)
def _proper_nouns(text: str) -> tuple[str, ...]:
    found = []
    for match in re.finditer(r"[A-Z][\w’'\-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w’'\-]*)*", text):
        phrase_words = [
            w for w in match.group().split() if w.lower() not in _FUNCTION_CAPS and not _I_CONTRACTION.match(w)
        ]
        before = text[: match.start()].rstrip(" \"“‘'(")
        sentence_initial = not before or before[-1] in ".!?:;\n"
        if sentence_initial and len(phrase_words) == 1 and match.group() == phrase_words[0]:
            continue
        if phrase_words:
            found.append(" ".join(phrase_words))
    return tuple(found)


_NAME = r"((?:[A-Z][\w’'-]+\s+){0,2}[A-Z][\w’'-]+)"
_PERSON_PATTERNS = (
    re.compile(
        r"\b(?:President|Premier|Minister|[Aa]mbassador|[Aa]dviser|[Aa]dvisor|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|"
        r"[Ss]pokes(?:man|woman|person)|[Cc]ounterpart|Senator|Governor|King|Queen|Chancellor|Secretary|"
        r"[Ll]eader|[Oo]fficial|[Cc]hairman|CEO),?\s+" + _NAME
    ),
    re.compile(_NAME + r",?\s+(?:said|says|added|told|noted|stated|announced|replied|insisted|argued|warned|wrote)\b"),
    re.compile(r"\b(?:said|says|added)\s+" + _NAME),
    # Credits in manuals and specifications: "Lasse Collin <lasse.collin@tukaani.org>",
    # "designed by Igor Pavlov".
    re.compile(_NAME + r"\s+<[^<>@\s]+@[^<>\s]+>"),
    re.compile(
        r"\b(?:written|designed|created|developed|maintained|authored) by (?!The\b|A\b|An\b|This\b)"
        r"([A-Z][\w’'-]+\s+[A-Z][\w’'-]+)"
    ),
    # An appositive after a role: "the Azerbaijani ambassador to Moscow, Polad Bulbuloglu".
    re.compile(
        r"\b(?:[Aa]mbassador|[Aa]dviser|[Aa]dvisor|[Mm]inister|[Pp]resident|[Ss]pokes(?:man|woman|person)|"
        r"[Oo]fficial|[Cc]ounterpart|[Dd]irector|[Cc]hief|[Ll]eader|[Ww]ife|[Hh]usband)\b[^.,;:]{0,40},\s+" + _NAME
    ),
)
_WORDING_QUESTION = re.compile(
    r"^\s*what did .+ (?:call|dub|nickname|label|compare|liken)\b|"
    # "What exactly did Putin say ...": his own words, a quotation.
    r"^\s*what (?:exactly|precisely) did .+ (?:say|tell|write|state|reply|answer)\b|"
    r"\bwhat (?:\w+ )?(?:word|words|term|phrase|expression|nickname|label|metaphor) did\b",
    re.I,
)
_WORDING = re.compile(
    r"[\"“”«»]|\b(?:call(?:ed|s|ing)?|dubb(?:ed|ing)|describ(?:ed|es|ing) (?:\w+ )*?as|termed|labell?(?:ed|ing)|"
    r"referred to as|nicknamed|known as)\b",
    re.I,
)
_EMAIL_QUESTION = re.compile(r"\be-?mail(?: address)?\b", re.I)
_PHONE_QUESTION = re.compile(r"\b(?:phone|telephone|fax|mobile|cell)(?: number)?\b", re.I)
# "+1 617 542 5942", "(617) 542-5942", "0800 123 4567": three groups of digits at least.
_PHONE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{2,5}[\s.-])\d{2,5}[\s.-]\d{2,5}\b")
_WEB_QUESTION = re.compile(r"\b(?:website|web ?site|web address|url|web ?page|home ?page)\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+\.(?:org|com|net|gov|edu|int|io)\b", re.I)
# A file-system path, where a technical text says things are: absolute ("/usr/share/man"),
# relative to here or above ("../man"), or a file in a folder ("include/manconfig.h"; not
# "and/or", "TCP/IP").
_PATH = re.compile(
    r"(?<![\w/<])(?:~?/\s?[\w.+*-]+(?:/[\w.+*{}-]*)+|\.\.?/[\w.+*-]+|[\w+-]+(?:/[\w.+-]+)+\.[a-z]{1,4}\b)"
)
# Words that make a capitalised phrase an organisation, which can answer "who" too.
_ORGANISATION = re.compile(
    r"\b(?:Foundation|Union|Agency|Ministry|Council|Company|Corporation|Inc|Ltd|University|Committee|"
    r"Organi[sz]ation|Association|Institute|Bank|Party|Service|Commission|Court|Group|Society|Tass|Reuters)\b"
)


# Bodies of people that answer "who" even where people are named: unlike a role
# ("a senior official"), they are not a person whose name the text leaves out.
_GROUP = re.compile(
    r"\b(?:security service|secret service|intelligence service|police|army|armed forces|troops|peacekeepers|"
    r"border guards?|government|ministry|parliament|coalition|alliance|consortium)\b",
    re.I,
)


# "Who heads / founded / said ..." wants a person, never a body.
_AUTHORSHIP_WORDS = frozenset("wrote write writes written authored drafted".split())
# A title's byline: "... Maketext fixes by Sean M. Burke and Jordan Lachler".
_BYLINE = re.compile(
    r"\b[Bb]y\s+(?:[A-Z][\w'’-]*\.?\s+){1,3}[A-Z][\w'’-]+(?:\s+and\s+(?:[A-Z][\w'’-]*\.?\s*)+)?\s*(?=$|[.,;])"
)
# Who wrote it: "written by", "its authors" (in any case), or a byline (whose names are capitalised).
_AUTHORSHIP = re.compile(
    rf"(?i:\b(?:wrote|writes|written|writer|authors?|authored|drafted|penned|composed)\b)|{_BYLINE.pattern}"
)
_PERSON_VERBS = frozenset(
    "head heads headed lead leads led chair chairs chaired run runs ran founded directs directed manages managed "
    "owns owned wrote write writes said say says told spoke speaks married born".split()
)


def person_names(text: str) -> set[str]:
    """Lower-cased words of names the text treats as people (titles, "X said")."""
    found: set[str] = set()
    for pattern in _PERSON_PATTERNS:
        for match in pattern.finditer(text):
            for word in match.group(1).split():
                word = re.sub(r"['’]s$", "", word).lower()
                if word not in _FUNCTION_CAPS:
                    found.add(word)
    return found


# "And what did Putin reply?" asks what "What did Putin reply?" asks.
_OPENING_WORD = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*", re.I)


def _whose(qualifiers: str, nouns: str, after: str = "") -> re.Pattern[str]:
    """ "What was <someone>'s <noun> ...", the someone as group 1."""
    return re.compile(
        rf"^\s*what (?:was|is|were|are) ([\w-]+(?: [\w-]+)?)['’]s? (?:(?:{qualifiers}) )?(?:{nouns})s?\b{after}", re.I
    )


_REACTION_QUESTION = _whose("first|initial|own", "reaction|response|reply|answer|comment|retort")
# "What is Putin's view of the treaty?": what he thinks, said by him.
_VIEW_QUESTION = _whose(
    "own", "opinion|view|position|stance|attitude|take|assessment", r" (?:of|on|about|towards?|regarding)\b"
)
# The documents themselves, as a question names them ("the report", "the analysis").
_DOCUMENT_WORDS = (
    r"(?:article|analysis|report|piece|author|writer|story|text|document|coverage|op-ed|commentary|editorial)s?"
)


# A participle's or a preposition's phrase setting the question up: "Impressed by how Baku
# had developed, what did Putin call it?" asks what "what did Putin call it" asks, and
# "Under the initial agreement, who was to guard the route?" asks who. ("Besides Russia,
# who else ..." is not set up but narrowed: it asks for another of Russia's kind.)
_LEAD_IN_PHRASE = re.compile(
    r"^(?!according\b)(?:[a-z]+(?:ed|ing)|under|in|during|after|before|at|on|for|from|with|without|despite|given|"
    r"since|by|as|among|unlike|like|regarding|concerning)\b"
    r"[^?,]{0,80},\s*(?=(?:what|which|who|whom|whose|when|where|why|how)\b)"
)


# "What official post does she hold?": a position, not the official holding it.
_ASKS_POSITION = re.compile(r"\b(?:official|government|public|senior)\s+(?:post|position|title|role|job|office)s?\b")


# "What's the maximum fee?" asks what "What is the maximum fee?" asks.
_CONTRACTED_IS = re.compile(r"\b(what|where|when|how|which)['’]s\b")


def _expanded(question: str) -> str:
    return _CONTRACTED_IS.sub(r"\1 is", question.lower())


def answer_type(question: str) -> str:
    q = _LEAD_IN_PHRASE.sub("", _OPENING_WORD.sub("", _expanded(question.strip())))
    if re.search(r"\b(?:what|which)\b", q) and _PHONE_QUESTION.search(q):
        return "phone"  # a "phone number" is no figure
    reported = re.match(r"^\s*what (?:did|does|do)\b", q) and _SPEECH_QUESTION.search(q)
    # "What did the ambassador tell Tass about how much room there is": what he said.
    if _NUMBER_QUESTION.search(re.sub(r"\babout how\b.*", "", q) if reported else q) or _PRICE_QUESTION.search(q):
        return "number"
    if _DATE_QUESTION.search(q):
        return "date"
    if re.search(r"\b(?:what|which)\b", q) and _EMAIL_QUESTION.search(q):
        return "email"
    if re.search(r"\b(?:what|which)\b", q) and _WEB_QUESTION.search(q):
        return "url"
    if re.search(
        r"\b(?:postal|mailing|street|physical|office|home) address\b|\bwhat(?:'s|’s| is| was) the address\b", q
    ):
        return "address"
    if _DEFINITION_QUESTION.search(q):
        return "definition"
    if re.search(r"\b(?:what(?:'s|’s| is| was)|give|name) (?:the |its |their )?names?\b|^\s*name\b", q):
        # The name of someone ("of Putin's spokesman"), else of a thing: "the name Azerbaijanis
        # use for the route" is "the Zangezur Corridor", no person's name.
        return "person" if _ROLE.search(q) or _PERSON_NOUN.search(q) else "name"
    if re.match(r"^\s*(?:who|whom|whose)\b", q):
        return "who"  # a name, or a role when the documents name nobody ("your employer")
    if not _ASKS_POSITION.search(q) and re.search(
        r"\b(?:which|what) " + _MODIFIERS + r"(?:person|official|leader|president|minister|ambassador|adviser|advisor|"
        r"organi[sz]ation|company|agency|institution|firm|court|newspaper|broadcaster|journalist|reporter|"
        r"writer|editor|author|spokes(?:man|woman|person)|lawyer|judge|founder|owner|chairman|director)\b",
        q,
    ):
        return "person"
    if re.match(r"^\s*where\b", q) or re.search(
        r"\b(?:which|what) (?:city|town|village|country|state|province|county|region|place|capital|territory)\b", q
    ):
        return "place"
    if _WORDING_QUESTION.search(q) and proper_nouns(question):
        # A named speaker's own words ("what did Putin call it"); "what word does the
        # analysis use" asks for the author's word, found by its meaning alone.
        return "wording"
    if _OPINION_QUESTION.search(q):
        return "opinion"
    if re.match(r"^\s*(?:what|how) (?:did|does|do) (?:the |this |that )?" + _DOCUMENT_WORDS + r"\b", q):
        return "other"  # "how did the report characterize ...": the documents' own words, not a quotation
    if re.match(r"^\s*what did\b|^\s*how did\b", q) and _SPEECH_QUESTION.search(q):
        return "speech"
    if _REACTION_QUESTION.match(q):
        return "speech"  # "what was Putin's reaction to that figure": what he said to it
    if _VIEW_QUESTION.match(q):
        return "opinion"
    if re.match(r"^\s*why\b", q):
        return "reason"
    if re.match(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b", q):
        return "yesno"
    if _SETTING_QUESTION.search(without_context(q)):  # not the rewriter's context
        return "item"  # "which lsof option lists link counts": an option, named as it is typed
    if re.match(r"^\s*which\s+(?:[\w-]+\s+){0,2}(?!(?:is|was|does|has)\b)[\w-]+[^\Ws]s\b", q):
        return "item"  # "which programming languages ...": things it names
    return "other"


# A name as a machine reads it: an option, a variable, a path or file, a_name_like_this.
_DASH_OPTION = r"--?[A-Za-z0-9][\w-]*"  # "-n", "--no-index"
_LITERAL = re.compile(rf"(?<![\w-])(?:{_DASH_OPTION}|\$[A-Z_][A-Z0-9_]*|[\w.-]*[/_][\w./-]+|[\w-]+\.[a-z]{{1,4}}\b)")


def literal(text: str) -> bool:
    """Whether ``text`` holds a name as a machine reads it (``_LITERAL``)."""
    return _LITERAL.search(text) is not None


_POSSESSIVE = re.compile(r"\b([\w-]+)['’]s\s+([a-z][\w-]+)")


@lru_cache(maxsize=16384)
def possessives(text: str) -> frozenset[tuple[str, str]]:
    """(owner, thing) of each "X's Y" in ``text``, stemmed: "Moscow’s influence is liquefying"
    is about the very thing "what is happening to Moscow's influence" asks about."""
    return frozenset(
        (stem(owner.lower()), stem(thing)) for owner, thing in _POSSESSIVE.findall(text) if thing not in STOPWORDS
    )


_NUMBERED_THING = re.compile(r"\b([A-Za-z]{3,})\s+(\d+(?:\.\d+)*)\b")
_MONTH_NAMES = frozenset(_MONTHS.split())


@lru_cache(maxsize=16384)
def numbered_things(text: str) -> frozenset[tuple[str, str]]:
    """(noun, number) for each thing ``text`` names by a number: "Version 3" -> ("version",
    "3"). Months ("June 29") and function words ("about 300") name nothing."""
    found = ((noun.lower(), number) for noun, number in _NUMBERED_THING.findall(text))
    return frozenset((noun, number) for noun, number in found if noun not in STOPWORDS and noun not in _MONTH_NAMES)


def names_another(numbered: tuple[tuple[str, str], ...], sentence: str) -> bool:
    """Whether ``sentence`` names a thing the question names by a number by another number
    only: "Version 3, 29 June 2007" is no answer about version 2."""
    found = numbered_things(sentence)
    for noun, number in numbered:
        numbers = {m for n, m in found if n == noun}
        if numbers and number not in numbers:
            return True
    return False


_CONTEXT_BRACKET = re.compile(r"\s*\([^()]*\)\s*\?*\s*$")


def without_context(question: str) -> str:
    """The question without the follow-up rewriter's closing "(context)"."""
    return _CONTEXT_BRACKET.sub("?", question)


# "Some Azerbaijanis were unimpressed. What did they think ...?": the statements before
# the question give its setting; the question itself says what kind of answer it wants.
_STATEMENT_BEFORE = re.compile(r"^.*[.!;:]\s+(?=[A-Z\"“][^.!;:]*\?\s*$)", re.S)


def _interrogative(question: str) -> str:
    """The question itself, without the statements that set it up."""
    return _STATEMENT_BEFORE.sub("", question) if "?" in question else question


_ADVERBS = frozenset("later also then first again still once ever never just even now soon actually".split())
_ADVERB_TERMS = frozenset(stem(w) for w in _ADVERBS)


@lru_cache(maxsize=1024)
def analyse(question: str) -> QuestionInfo:
    kind = answer_type(_interrogative(question))
    # The follow-up rewriter's "(the Zangezur Corridor)" says what the question is about;
    # the answer may call it "the route", so it names no entity the answer must hold.
    asked = without_context(question)
    own = _interrogative(asked)
    # "the Putin-Aliyev talks" name two people, each an entity of its own.
    # The names the question itself holds: "lsof hangs on DNS lookups. Which two options
    # turn them off?" is answered by "-n ... avoids host name lookups", which names no DNS.
    # ("GPL-covered" names the GPL only: a lower-case part is no name.)
    names = [part for p in proper_nouns(own) for part in (p.split("-") if " " not in p else [p]) if part[:1].isupper()]
    entity_terms: list[tuple[str, ...]] = [tuple(terms(p)) for p in names]
    # A quoted term is asked about by that name: "how does it define the "source code"".
    entity_terms.extend(tuple(terms(q)) for q in _quoted(own))
    entity_terms.extend((stem(w),) for w in words(own) if any(ch.isdigit() for ch in w))
    # So is a name as a machine reads it: "when was the -wipe option added", "parse_date".
    entity_terms.extend(tuple(terms(m.group())) for m in _LITERAL.finditer(own))
    speaker: tuple[str, ...] = ()
    opening = _OPENING_WORD.sub("", own)
    reaction = _REACTION_QUESTION.match(opening) if kind == "speech" else _VIEW_QUESTION.match(opening)
    if kind in ("speech", "opinion") and reaction:
        speaker = tuple(terms(reaction.group(1)))
    elif kind in ("speech", "opinion", "wording"):
        match = re.search(
            r"\b(?:did|does|do)\s+(?:the\s+)?(.+?)\s+(?:say|tell|state|announce|mention|call|describe|remark|"
            r"comment|note|claim|warn|respond|reply|react|add|think|feel|express|signal|insist|argue|admit|"
            r"stress|emphasi[sz]e|deny|explain)\b",
            own,
            re.I,
        )
        if match:
            # "did ambassador Bulbuloglu actually say", "did he later insist": adverbs name nobody.
            # "What word did Putin use to describe ...": the speaker is Putin.
            who = re.sub(r"\s+(?:use|used|try|want|seem|appear|like|have|need|choose|decide)\s+to$", "", match.group(1))
            named = [w for w in who.split() if not (w.islower() and (w.endswith("ly") or w in _ADVERBS))]
            speaker = tuple(terms(" ".join(named)))
    named_thing, owner = (
        _named_thing(own) if kind in ("who", "person") else (_defined_thing(own), "") if kind == "other" else ((), "")
    )
    # "Which Western bloc ...": an adjective of the kind of thing asked for describes the
    # answer ("the European Union"), which need not repeat it.
    described = {(stem(w.lower()),) for w in _DESCRIBED_KIND.findall(own)}
    return QuestionInfo(
        numbered=tuple(sorted(numbered_things(asked))),
        focus=_focus(own)
        if kind == "number"
        else _setting_focus(own)
        if kind == "item"
        else _defined_term(question)
        if kind == "definition"
        else "@day"
        if kind == "date" and _DAY_QUESTION.search(own)
        else "@year"
        if kind == "date" and _YEAR_QUESTION.search(own)
        else "",
        text=question,
        terms=tuple(dict.fromkeys(terms(question))),
        entities=tuple(dict.fromkeys(e for e in entity_terms if e and e not in described)),
        answer_type=kind,
        speaker=speaker,
        topic=tuple(t for t in dict.fromkeys(terms(question)) if t not in speaker and t not in _ADVERB_TERMS),
        named_thing=named_thing,
        label=_label(own),
        owner=owner,
        codes=_codes(own),
        asks_default=_ASKS_DEFAULT.search(own) is not None,
        possessives=tuple(sorted(possessives(own))),
    )


_CODE = re.compile(
    r"(?<![\w'‘])['‘\"“]([^\s'’\"”]{1,12})['’\"”](?![\w'’])|(?<![\w.-])(\d{1,3})(?![\w.-])|"
    r"\b(?:letter|code|flag|symbol|character|abbreviation)\s+([A-Za-z]{1,3})\b"
)


_ASKS_DEFAULT = re.compile(
    r"^\s*(?:and\s+)?(?:what|which)\b(?: [\w'’-]+){0,6} default\b|\bby default\b|"
    # What happens when nothing is chosen is the default: "if I don't pass -quality, what
    # quality does it use?", "which format does it write if none is given?"
    r"\b(?:if|when|unless) (?:I|you|we|one|the user) (?:do not|don't|don’t|never) (?:pass|give|specify|set|pick|"
    r"choose|select|provide|supply|use|say)\b|\bwithout (?:passing|giving|specifying|setting|picking|choosing|"
    r"selecting|any)\b|\bif (?:none|nothing|no \w+) is (?:given|specified|set|chosen|picked|selected)\b|"
    r"\b(?:if|when) (?:it is |they are )?(?:omitted|unspecified|not (?:given|specified|set))\b",
    re.I,
)
_ASKS_MEANING = re.compile(r"\b(?:means?|meaning|stands? for|denotes?|indicates?)\b", re.I)


def _codes(question: str) -> tuple[str, ...]:
    if not _ASKS_MEANING.search(question):
        return ()
    return tuple(dict.fromkeys(a or b or c for a, b, c in _CODE.findall(question)))


_DESCRIBED_KIND = re.compile(r"^\s*(?i:and\s+)?(?i:which|what)\s+([A-Z][a-z]+(?:ern|an|ian|ese|ish|ic))\s+[a-z]+\b")


_LABEL = re.compile(
    r"^\s*(?:and\s+)?(?:what|which)\s+((?:[\w-]+\s+){0,2}[\w-]+)\s+"
    r"(?:is|are|was|were|does|do|did|has|have|can|should|must|will)\b",
    re.I,
)


def _label(question: str) -> str:
    match = _LABEL.match(question)
    first = match.group(1).split()[0].lower() if match else ""
    return match.group(1).lower() if match and first not in STOPWORDS and not first.endswith("ly") else ""


_NAMED_THING = re.compile(
    # A noun phrase after its article or owner: "who is the ...", "who was Azerbaijan's ...".
    r"^\s*(?:who\s+(?:is|was|are|were)\s+(?:the|a|an|(?P<owner>[\w-]+)['’]s)|what\s+(?:is|was|are|were)\s+the\s+names?\s+of"
    r"(?:\s+(?:the|a|an|[\w-]+['’]s))?)\s+(?P<thing>[\w\s-]+?)(?=\s+(?:of|in|at|for|to|on|from|that|who)\b|\s*[?,]|$)",
    re.I,
)


# "Who were the two sides originally going to have guard it?" asks who would guard it:
# a clause, not the name of a role.
_NOT_A_ROLE = re.compile(r"\b(?:\w+ly|going|supposed|expected|meant|able|due)\b", re.I)


def _named_thing(question: str) -> tuple[tuple[str, ...], str]:
    """The stemmed words of what a name is asked for, and whose it is: (("ambassador",),
    "Russia") for "Who is Russia's ambassador to Azerbaijan?"."""
    match = _NAMED_THING.match(question)
    if match is None or _NOT_A_ROLE.search(match.group("thing")):
        return (), ""
    generic = {"person", "peopl", "one", "man", "woman", "someon", "thing", "name", "first", "last", "main"}
    # Whose: "Russia's ambassador", or "the president of Azerbaijan".
    of = re.match(r"\s+of\s+([A-Z][\w-]*)\s*\??\s*$", question[match.end() :])
    owner = match.group("owner") or (of.group(1) if of else "")
    return tuple(t for t in terms(match.group("thing")) if t not in generic), owner


# "What is tivoization?", "What is the modern replacement?": what is asked about, whole.
_WHAT_IS = re.compile(r"^\s*what\s+(?:is|are|was|were)\s+(?:a|an|the)?\s*([\w-]+(?:\s+[\w-]+){0,2})\s*\?\s*$", re.I)


def _defined_thing(question: str) -> tuple[str, ...]:
    """The stemmed head noun of the thing a bare "what is X?" asks about ("tivoization";
    "replacement", not "modern", of "the modern replacement"), or of the kind of thing
    "what X did ..." asks for ("What *gift* did Putin present?"); names are entities already."""
    match = _WHAT_IS.match(question)
    if match is None:
        kind = _WHAT_KIND.match(question)
        if kind is None:
            return ()
        head = re.split(r"\s+(?:for|of|on|in|at|to|from|with|about|between|or|and)\s+", kind.group(1))[0].split()[-1]
        generic = head.lower() in _GENERIC_KINDS or head.lower().rstrip("s") in _GENERIC_KINDS
        return () if head[:1].isupper() or generic else tuple(terms(head))
    if any(w[:1].isupper() for w in match.group(1).split()):
        return ()
    return tuple(terms(match.group(1).split()[-1]))


# "What target for trade did they set?": the kind of thing asked for, before its verb.
_WHAT_KIND = re.compile(
    r"^\s*(?:what|which)\s+((?:[\w’'-]+\s+){0,4}?[\w’'-]+)\s+(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could|should)\b",
    re.I,
)
# Words for a kind of answer, not a thing the documents must name ("what word", "what role").
_GENERIC_KINDS = frozenset(
    "word term phrase label name kind type sort form way manner thing role example reason step part aspect point "
    "issue topic subject matter sign message effect impact outcome result detail fact feature characteristic quality "
    "property attribute element component item body entity organization organisation group event occasion moment "
    "activity action measure move method approach means mechanism tool instrument process procedure practice policy "
    "plan strategy scheme schedule program programme project initiative arrangement condition requirement rule "
    "principle idea concept notion image picture metaphor description characterization gesture protection support "
    "help benefit advantage problem challenge risk threat concern change development trend situation status state "
    "position view opinion stance attitude response reaction answer question area field sector domain place location "
    "resource asset value goal purpose function use capacity ability option choice alternative solution difference "
    "relation relationship link connection tie bloc alliance coalition union country nation power party side "
    "camp command flag switch setting parameter argument variable file directory folder path utility "
    "package library module format extension protocol version release".split()
)


def role_of_another(owner: str, role: str, sentence: str) -> bool:
    """Whether ``sentence`` names the ``role`` (a stemmed word) only as someone else's:
    "the Azerbaijani ambassador" is no answer to "who is Russia's ambassador"."""
    tokens = re.findall(r"[\w’'-]+", sentence)
    qualifiers = [tokens[i - 1] for i, t in enumerate(tokens) if i and stem(t.lower()) == role]
    if not qualifiers:
        return False
    mine = stem(owner.lower())[:5]
    return all(
        q[:1].isupper() and q.lower() not in STOPWORDS and not stem(q.lower()).startswith(mine) for q in qualifiers
    )


_AUX = (
    r"(?:were|was|are|is|did|do|does|had|have|has|will|would|could|can|should|must|may|might|shall|"
    r"in|of|per|on|at|for|from|to|by)"
)
_POPULATION_UNITS = frozenset("popul peopl inhabit resid citizen".split())
TIME_UNITS = frozenset("year month week day hour minut second decad centuri".split())
# How often: "every 30 seconds", "daily", "twice a year", "three times per week".
_FREQUENCY = re.compile(
    r"\b(?:every|each)\s+(?:[\w-]+\s+){0,3}?(?:second|minute|hour|day|night|week|month|year|time)s?\b|"
    r"\b(?:hourly|daily|nightly|weekly|fortnightly|monthly|quarterly|yearly|annually)\b|"
    r"\b(?:once|twice|\w+ times)\s+(?:a|an|per|each|every)\s+\w+|\bper\s+(?:second|minute|hour|day|week|month|year)\b",
    re.I,
)
_PERCENT = re.compile(r"\d\s?%|\d[\d.,]*\s*(?:percent|per cent|percentage points?)\b", re.I)
_MONEY = re.compile(
    r"[$€£¥₽]\s?\d|\d[\d,.]*\s*(?:dollars?|euros?|rubles?|roubles?|manats?|pounds?|yen|yuan|usd|eur|rub)\b|"
    r"\b(?:billion|million|thousand)\s+(?:dollars?|euros?|rubles?|roubles?|manats?|pounds?)\b",
    re.I,
)


# "How long is the image header?": a length, in whatever unit the documents give it ("Currently
# 16"); "how long can a Front-Cover Text be?": a limit, which is stated with its unit ("at most
# 5 words"). Neither of something that lasts (``_EVENT``).
_LENGTH_QUESTION = re.compile(r"\bhow long (?:is|are) (?:the|a|an|its|their|this|that|each|every)\b")
_LENGTH_LIMIT_QUESTION = re.compile(
    r"\bhow long (?:can|may|must|should|could|might) (?!(?:i|you|we|they|it|he|she)\b(?! be\b))[^?]*?\bbe\b"
)
# What lasts rather than measures: "how long is the visit" asks for a time.
_EVENT = re.compile(
    r"\b(?:take|takes|last|lasts|wait|stay|ago|since|until|visit|trip|meeting|talks|session|war|delay|flight|"
    r"journey|process|period|tour|term|contract|lease|sentence|break|holiday|course|show|film|game|match)\b"
)


_PRICE_QUESTION = re.compile(
    # up to three words describing it ("the maximum reasonable copying fee"), no verb
    r"\bwhat(?:'s|’s| is| was| are| were| will be)? (?:the |its |their )?(?:(?!(?:did|does|do|is|was|are|were|will|"
    r"would|can|could|should|has|have|had|may|must)\b)\w+ ){0,3}"
    r"(?:price|cost|fee|salary|budget)s?\b"
)


# "Which (two) pip install options ...", "what configure switch", "which environment variable".
_SETTING_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:[\w+-]+\s+){0,3}?(?:options?|flags?|switch(?:es)?|(?:environment )?variables?)\b"
)
# An option as it is typed: "-n", "--no-index", "+L", "NAME=value", a Perl module's
# "Minimal => 1", or a name set in code type (C<...>, ``...``); an environment variable's name.
_OPTION = re.compile(
    rf"(?<![\w-])(?:{_DASH_OPTION}|\+[A-Za-z]\w*)|\b[A-Za-z_]\w*\s*(?:=>|=(?=\S))|C<[^<>\s]+>|``[^`\s]+``"
)
_VARIABLE = re.compile(r"\$\{?[A-Za-z_]\w*|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b[A-Z]{5,}\b")


def _setting_focus(question: str) -> str:
    """What kind of setting "which option/variable" asks for: "@option" or "@variable"."""
    found = _SETTING_QUESTION.search(question.lower())
    if not found:
        return ""
    return "@variable" if "variable" in found.group() else "@option"


def _focus(question: str) -> str:
    """The stemmed noun counted by "how many X", "how long" or "what is the X of"."""
    q = _expanded(question)
    if _LENGTH_LIMIT_QUESTION.search(q) and not _EVENT.search(q):
        return "@length"
    if _LENGTH_QUESTION.search(q) and not _EVENT.search(q):
        return ""
    if re.search(r"\bhow (?:long|old)\b", q):
        return "@time"
    if re.search(r"\bhow (?:often|frequently)\b", q):
        return "@frequency"
    if re.search(r"\b(?:which|what) " + _MODIFIERS + r"release\b(?! version)", q):
        return "@release"
    if re.search(r"\b(?:which|what) " + _MODIFIERS + r"(?:release )?version\b", q):
        return "@version"
    if re.search(r"\bpopulation\b", q):
        return "@population"  # "100,000 ethnic Armenians", "a population of 2 million"
    if re.search(r"\b(?:percentage|percent|per cent)\b", q):
        return "@percent"
    if re.search(r"\bhow much\b", q) and re.search(
        r"\b(?:cost|costs|pay|paid|spend|spent|worth|price|charge|fee|fees|money|dollars?|euros?|budget|invest\w*)\b", q
    ):
        return "@money"
    if re.search(r"\bin (?:dollars|euros|pounds|roubles|rubles|yen|us\$|usd|eur)\b", q):
        return "@money"  # "the maximum fee, in dollars"
    if _PRICE_QUESTION.search(q):
        return "@money"  # "what is the price of an Apache licence": money, not the "2.0" of its URL
    match = re.search(rf"\bhow many ((?:[\w’'-]+\s+){{0,3}}?[\w’'-]+?)(?=\s+{_AUX}\b|\s*[?,(;:]|$)", q)
    if not match:
        match = re.search(r"\b(?:number|amount|count) of ([\w’'-]+)", q)
    if not match:
        # "what key size in bits": the figure is one of that unit.
        match = re.search(r"\bin (bits|bytes|octets|[kmg]ib|kilobytes|megabytes|gigabytes|pixels|characters)\b", q)
    if not match:
        # "what prison sentence", "what age": a length of time.
        return "@time" if re.search(r"\b(?:sentence|term|duration|age)\b", q) else ""
    # The counted noun is usually the first plural ("how many ethnic *Armenians* fled").
    candidates = [w.rstrip("'’") for w in match.group(1).split()]  # "how many days' notice"
    plural = [w for w in candidates if w.endswith("s") and not w.endswith("ss")]
    return stem((plural or candidates)[0])


def _defined_term(question: str) -> str:
    """The stemmed words of the term a definition question asks about: quoted, or
    named after "define" ("how does it define the source code of a work")."""
    quoted = _quoted(question)
    if quoted:
        return " ".join(terms(quoted[0]))
    named = re.search(r"\bdefined?\s+(?:the\s+|a\s+|an\s+)?([\w’'-]+(?:\s+[\w’'-]+)?)", question, re.I) or re.search(
        r"\b(?:counts|qualifies|considered|regarded) as\s+(?:the\s+|a\s+|an\s+)?([\w’'-]+(?:\s+[\w’'-]+){0,2}?)"
        r"(?=\s+(?:of|for|in|under|when|if)\b|\s*[?,]|$)",
        question,
        re.I,
    )
    return " ".join(terms(named.group(1))) if named else ""


def split_question(question: str) -> list[str]:
    """Split "Who hosted X and when did Y?" into its parts; one part otherwise."""
    parts = [p.strip(" ,;") for p in _SPLIT.split(question) if p and p.strip(" ,;?")]
    return parts if len(parts) > 1 else [question]


# A unit right after a figure ("5 words", "16MB"), not the next clause ("more than 100, and").
_UNIT_AFTER = re.compile(
    r"\s?(?!(?:and|or|of|to|in|on|at|by|for|from|with|the|a|an|is|are|was|were|if|but|than|times)\b)[A-Za-z]{2,}"
)
_NUMBER_OF = re.compile(r"\b(?:number|count|maximum|minimum|total) of\s*$", re.I)
_NUMBERING = re.compile(
    r"\b(?:numbering|totall?ing|amounting to)\s+"
    r"(?:(?:more|less|fewer) than|over|under|about|around|at least|up to)?\s*$",
    re.I,
)
_OF_FIGURE = re.compile(r"[\w’'-]+\s+of\s+(?:[a-z]+\s+){0,2}$", re.I)
_DURATION_IN_WORDS = re.compile(
    r"\b(?:a|an|one|several|a few|a couple of|many|some) "
    r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centur(?:y|ies))\b",
    re.I,
)


def has_type(
    sentence: str,
    kind: str,
    question_words: set[str],
    focus: str = "",
    strict: bool = True,
    people: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``sentence`` holds an answer of the ``kind`` the question asks for.

    For a count ("how many agreements") the number must stand next to the counted
    thing. Only when the documents never use the question's word for it
    (``strict=False``: "people" for "Armenians") may any number do.
    """
    if kind == "number" and focus == "@time" and _found(_DURATION_IN_WORDS, sentence):
        return True  # "more than a year", "several years": a length of time without a figure
    if kind == "number" and focus == "@frequency":
        # "daily", "every five minutes": no figure needed; or the interval ("sleeps 15 seconds").
        return bool(_found(_FREQUENCY, sentence)) or has_type(sentence, "number", question_words, "@time")
    if kind == "number" and focus == "@version":
        # "Which version of the SHAPE extension ...": a version as versions are written
        # ("1.1", "v2", "version one (1)", "python (>= 2.6.6-9)"), not any figure.
        return any(found.lower() not in question_words for _, found in _found(_VERSION, sentence))
    if kind == "number" and focus == "@release":
        # "Which release added -Q?": one numbered ("4.89") or named ("Debian Bullseye").
        return has_type(sentence, "number", question_words) or has_type(sentence, "place", question_words)
    if kind == "number":
        numbered = _SECTION_NUMBER.match(sentence)
        after_number = numbered.end() if numbered else 0
        numbers = [
            (at, found)
            for at, found in _found(_NUMBER, sentence)
            if at >= after_number
            and found.lower().replace(",", "") not in question_words
            and not _is_year_only(sentence, at)
            and not _is_day_of_month(sentence, at)
            and not _is_reference(sentence, at)
        ]
        if not numbers or not focus:
            return bool(numbers)
        if focus == "@length":  # "at most 5 words", "12 bytes", "16MB": a figure with its unit
            return any(_UNIT_AFTER.match(sentence, at + len(found)) for at, found in numbers)
        if focus == "@money":
            return bool(_found(_MONEY, sentence))
        if focus == "@percent":
            return bool(_found(_PERCENT, sentence))
        tokens = _stemmed_tokens(sentence)
        units = TIME_UNITS if focus == "@time" else _POPULATION_UNITS if focus == "@population" else {focus}
        mentions = [pos for pos, tok in tokens if tok in units or tok.rstrip("s") in units]
        if not mentions:
            return not strict and focus not in ("@time", "@population")
        return any(
            0 <= _distance(tokens, at, pos) <= 3
            # "The maximum number of filters ... has been limited to four": the count after its noun.
            or (0 < _distance(tokens, pos, at) <= 8 and _NUMBER_OF.search(sentence[:pos]) is not None)
            # "a population of 100,000", "a capacity of about 50": the figure of its noun.
            or (0 < _distance(tokens, pos, at) <= 4 and _OF_FIGURE.match(sentence[pos:at]) is not None)
            # "printed copies (or copies in media ...) of the Document, numbering more than 100"
            or (0 < _distance(tokens, pos, at) <= 16 and _NUMBERING.search(sentence[pos:at]) is not None)
            for at, _ in numbers
            for pos in mentions
        )
    if kind == "date" and focus == "@year":
        # "In what year was it released?" is not answered by "the most recent version".
        return any(found.lower() not in question_words for _, found in _found(_YEAR, sentence))
    if kind == "date" and _found(_DATE_BY_EVENT, sentence):
        return True  # "effective as of the date CC0 was applied": the day told by what happens on it
    if kind == "date" and focus == "@day":
        return any(found.lower() not in question_words for _, found in _found(_DAY, sentence))
    if kind == "date":
        return any(found.lower() not in question_words for _, found in _found(_DATE, sentence))
    if kind == "name":
        kind = "place"  # a thing's name: any name the question does not hold, as a place's is
    if kind == "place" and (_found(_URL, sentence) or _found(_PATH, sentence)):
        return True  # "where can I obtain a copy": at an address; "where do they go": in a folder
    if kind == "item" and focus in ("@option", "@variable"):
        if focus == "@option":  # "--proxy" answers "which option sets the proxy"
            return bool(_found(_OPTION, sentence))
        return any(f.lower().lstrip("${") not in question_words for _, f in _found(_VARIABLE, sentence))
    if kind == "item":
        # Named things: a name, a number or a literal the question does not hold already.
        asked = {stem(w) for w in question_words}
        if any(stem(w) not in asked for p in proper_nouns(sentence) for w in words(p)):
            return True
        if any(found.lower().replace(",", "") not in question_words for _, found in _found(_NUMBER, sentence)):
            return True
        return literal(sentence)
    if kind in ("person", "who") and question_words & _AUTHORSHIP_WORDS and not _found(_AUTHORSHIP, sentence):
        return False  # "who wrote it" is not answered by who published it
    if kind in ("person", "place", "who"):
        # A name the question does not hold already: "Vladimir Putin" is not new when
        # "Putin" is asked about, "Mozilla Foundation" is when "Mozilla" is.
        phrases = proper_nouns(sentence)
        # Names the question holds as acronyms: "GNU General Public License" for "the GPL",
        # and so its words ("This License").
        known = set(question_words)
        for phrase in phrases:
            if {a for a in acronyms(phrase) if len(a) > 2} & question_words:
                known.update(w.lower() for w in phrase.split())
        for phrase in phrases:
            phrase_words = {w.lower() for w in phrase.split()}
            if not phrase_words - known or phrase_words & question_words & people or _DATE.fullmatch(phrase):
                continue  # not new, or a date ("June")
            # "Who" wants a person or an organisation, not a place ("Moscow"); who wrote it,
            # whoever the byline names ("by Sean M. Burke").
            if kind == "place" or not people or phrase_words & people or _ORGANISATION.search(phrase):
                return True
            byline = _BYLINE.search(sentence) if question_words & _AUTHORSHIP_WORDS else None
            if byline and phrase in byline.group():
                return True
        if kind == "who" and _found(_GROUP, sentence) and not question_words & _PERSON_VERBS:
            return True  # "guarded by Russia's state security service": a body of people
        if kind == "who" and not people and not question_words & _PERSON_VERBS:
            # "Who must sign?" -- "your employer or school": people by their role, in
            # documents that name nobody as a person (licences, manuals). Where people
            # are named (news), "who heads X" wants a name, not "a senior official", and
            # "who wrote it" wants its writer anywhere, not "authors of previous versions".
            return any(found.lower() not in question_words for _, found in _found(_ROLE, sentence))
        return False
    if kind == "speech" and question_words & _REACT_WORDS and not question_words & people:
        # "How did Azerbaijanis react?" -- "it set off alarm bells among Azerbaijanis, who saw
        # in it a hidden agenda": a people's or a group's reaction is said, thought or felt
        # (a person named reacts in words: "how did Putin react" wants what he said).
        return bool(_found(_SPEECH, sentence) or _found(_OPINION, sentence) or _found(_REACTION, sentence))
    if kind == "speech":
        return bool(_found(_SPEECH, sentence))
    if kind == "opinion":
        return bool(_found(_SPEECH, sentence) or _found(_OPINION, sentence))
    if kind == "wording":
        return bool(_found(_WORDING, sentence))
    if kind == "address":
        return bool(_found(_POSTAL, sentence))
    if kind == "definition":
        # The defining words follow the defined term: ""Source" form shall mean ...", not
        # ""Work" shall mean the work ... in Source or Object form".
        defines = _found(_DEFINES, sentence)
        if focus and any(set(focus.split()) <= set(terms(named)) for _, named in _found(_NAMED_IN_BRACKETS, sentence)):
            return True  # "the person associating CC0 with a Work (the "Affirmer")"
        if not defines or not focus:
            return bool(defines)
        at, words_ = defines[0]
        # "... is called a "work that uses the Library"": the term comes after its definition.
        named_after = words_.lower().endswith("called")
        subject = set(terms(sentence[at + len(words_) :] if named_after else sentence[:at]))
        return set(focus.split()) <= subject
    if kind == "email":
        return bool(_found(_EMAIL, sentence))
    if kind == "phone":
        return bool(_found(_PHONE, sentence))
    if kind == "url":
        # "Which website ...": its address, or its name ("the website Haqqin").
        return bool(_found(_URL, sentence)) or has_type(sentence, "place", question_words)
    return True


@lru_cache(maxsize=32768)
def _found(pattern: re.Pattern[str], text: str) -> tuple[tuple[int, str], ...]:
    """(start, text) of each match: a sentence is checked for numbers, dates or names by
    many questions, and the regular expressions run once per sentence."""
    return tuple((m.start(), m.group()) for m in pattern.finditer(text))


@lru_cache(maxsize=16384)
def _stemmed_tokens(sentence: str) -> list[tuple[int, str]]:
    return [(m.start(), stem(m.group().lower())) for m in re.finditer(r"[\w’'-]+", sentence)]


def _distance(tokens: list[tuple[int, str]], start: int, end: int) -> int:
    """How many tokens lie from the one at ``start`` to the one at ``end`` (negative if before)."""
    positions = [pos for pos, _ in tokens]
    import bisect

    return bisect.bisect_left(positions, end) - bisect.bisect_left(positions, start)


_SMALL_NUMBER_WORDS = frozenset("two three four five six seven eight nine ten".split())


def _is_reference(sentence: str, pos: int) -> bool:
    """ "the two leaders", "the three states": a small number after "the" points back at
    things already named; it counts nothing the question could ask for."""
    word = re.match(r"[A-Za-z]+", sentence[pos:])
    if word is None or word.group().lower() not in _SMALL_NUMBER_WORDS:
        return False
    return sentence[:pos].lower().endswith("the ")


_MONTH_BEFORE = re.compile(r"\b(?:" + _MONTHS.replace(" ", "|") + r")\.?\s+$", re.I)
_MONTH_AFTER = re.compile(r"\d+(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + _MONTHS.replace(" ", "|") + r")\b", re.I)


def _is_day_of_month(sentence: str, pos: int) -> bool:
    # "at an August 19 meeting", "on 3 May": a date, not a count of anything.
    return _MONTH_BEFORE.search(sentence[max(0, pos - 12) : pos]) is not None or bool(_MONTH_AFTER.match(sentence, pos))


def _is_year_only(sentence: str, pos: int) -> bool:
    # "in 2020" answers "when", not "how many"; a four-digit year alone is no count.
    match = re.match(r"(?:19|20)\d{2}\b", sentence[pos:])
    return bool(match) and not sentence[pos + 4 : pos + 6].startswith((",", ".")) and sentence[max(0, pos - 1)] != "$"


def is_stopword(word: str) -> bool:
    return word.lower() in STOPWORDS or word.lower() in _WH


_TITLE_VERSION = re.compile(r"\s+(?=version\s+\d|\S*\d+\.\d)", re.I)


@lru_cache(maxsize=1024)
def title_names(title: str) -> frozenset[tuple[str, ...]]:
    """What a question may call a document with this title: its words, its initials, and
    its initials less the first or last word (not any part: "GPL" is not the LGPL)."""
    title = _TITLE_VERSION.split(title, maxsplit=1)[0]  # "GNU ... LICENSE Version 2, June 1991"
    words_of_title = tuple(terms(title))
    names = {words_of_title} if words_of_title else set()
    for letters in initials(title):
        names.update((form,) for form in (letters, letters[1:], letters[:-1]) if len(form) >= 3)
    return frozenset(names)
