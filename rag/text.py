"""Text primitives shared by chunking, BM25 and the extractive answerer.

Sentences are found with offsets so that every sentence is an exact span of the
loaded text; terms are lower-cased, stemmed words with stopwords removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import Stemmer

# Words after which a period does not end a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st vs etc e.g i.e eg ie viz cf al inc ltd co corp gen gov sen rep
    col lt sgt capt adm no nos art sec secs fig figs vol pp p ed eds approx dept est
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m p.m""".split()
)
_CLOSERS = "\"'”’)]»"
_OPENERS = "\"'“‘([«"
# A candidate end of sentence: terminal punctuation, optional closers, whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[" + re.escape(_CLOSERS) + r"]*(?=\s)")

STOPWORDS = frozenset(
    """a an the and or but if then else of at by for with about against between into
    through during before after above below to from up down in out on off over under
    again further once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don
    should now is are was were be been being have has had having do does did doing
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom whose this that these those am would could might must shall may
    also as per via yet upon onto within without among amid until while because
    according article articles text document documents say says said tell told
    mention mentioned mentions describe described much many kind sort""".split()
)

_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_WORD = re.compile(r"[^\W_]+(?:[.,][0-9]+)*(?:['’][^\W_]+)?", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


# "crite-\n  ria": a word the typesetter broke at the end of a justified line. Not the
# hyphen of a compound name broken there ("python-dev-is-\npython2"): the word before
# it is a whole word, not a part after another hyphen or a slash.
_BROKEN_WORD = re.compile(r"(?<![\w/-])([A-Za-z]*[a-z])-\n[ \t\u00a0]*(?=[a-z])")
_BROKEN_COMPOUND = re.compile(r"(?<=\w)-\n[ \t\u00a0]*(?=\w)")  # what is left: the compound's own hyphen


def words(text: str) -> list[str]:
    """Lower-cased words; possessives dropped ("Azerbaijan's" -> "azerbaijan"), words
    broken across lines joined."""
    out = []
    if "-\n" in text:
        text = _BROKEN_WORD.sub(r"\1", text)
    for word in _WORD.findall(text.replace("’", "'")):
        if word.endswith(("'s", "'S")):
            word = word[:-2]
        elif len(word) > 2 and word[-1] == "s" and word[:-1].isupper():
            word = word[:-1]  # an acronym's plural: "RFCs" are RFCs, "IDs" ids
        word = word.lower()
        out.append(word.replace(",", "") if "," in word else word)
    return out


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


# A name as code spells it, "glob_dot_filenames", "FC_DEBUG": a term of its own as well
# as its parts, so that the passage naming it exactly ranks above those naming a part.
_IDENTIFIER = re.compile(r"(?<![\w-])[^\W_]+(?:_[^\W_]+)+(?![\w-])")


def terms(text: str) -> list[str]:
    """Stemmed content words, in order, stopwords removed; then any identifiers whole."""
    stemmer = _stemmer()
    found = [stemmer.stemWord(w) for w in words(text) if w not in STOPWORDS]
    if "_" in text:
        found.extend(m.group().lower() for m in _IDENTIFIER.finditer(text))
    return found


def _ends_sentence(text: str, dot_end: int) -> bool:
    """Whether the punctuation ending at ``dot_end`` closes a sentence."""
    start = dot_end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    token = text[start:dot_end].strip(_OPENERS + _CLOSERS)
    if text[dot_end - 1] in "!?…" or not token.endswith("."):
        return True
    word = token.rstrip(".").lower()
    if word in _ABBREVIATIONS:
        return False
    # An initial ("J. Smith") or a section number ("3. Scope") is no sentence end.
    section_number = _SECTION_NUMBER.fullmatch(word) is not None and _at_line_start(text, start)
    return not ((len(word) == 1 and word.isalpha()) or section_number)


def _at_line_start(text: str, pos: int) -> bool:
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    return pos == 0 or text[pos - 1] == "\n"


# A row of a drawn table: "|   2    | system calls ... |", "│CARD16 │2 │Two byte ...│".
_TABLE_ROW = re.compile(r"[ \t\u00a0]*[|│┃║][^\n]*[|│┃║]")
# A table's rule ("+-----+-----+", "├─────┼─────┤"): no words in it.
_TABLE_RULE = re.compile(r"[ \t\u00a0]*[-+=|:─━│┃║┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬═]{3,}[ \t\u00a0]*")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each sentence of ``text[start:end]``, whitespace trimmed.

    Each row of a drawn or column-aligned table is a sentence of its own (its cells are
    read across, not joined with the rows below into one long "sentence"); the rules
    between rows hold nothing to cite and are left out.
    """
    end = len(text) if end is None else end
    part = text[start:end]
    drawn = "|" in part or "│" in part or "┃" in part
    aligned = _aligned_rows(text, start, end) if "  " in part and "\n" in part else set()
    if not drawn and not aligned:
        yield from _prose_spans(text, start, end)
        return
    prose = start
    pos = start
    while pos < end:
        line_end = text.find("\n", pos, end)
        line_end = end if line_end < 0 else line_end
        row = pos in aligned or (drawn and _TABLE_ROW.fullmatch(text, pos, line_end) is not None)
        if row or (drawn and _TABLE_RULE.fullmatch(text, pos, line_end) is not None):
            yield from _prose_spans(text, prose, pos)
            span = _trim(text, pos, line_end) if row else None
            if span:
                yield span
            prose = line_end + 1
        pos = line_end + 1
    yield from _prose_spans(text, prose, end)


# Where a cell of a column-aligned table starts: two or more spaces after a word (not after
# a box's border, "*  text  *"), before another word.
_CELL = re.compile(r"[\w)\].%](?: {2,}|\t+)(?=[\w(\[$\"'-])")
ALIGNED_TABLE_ROWS = 3


def _aligned_rows(text: str, start: int, end: int) -> set[int]:
    """Start offsets of the lines of column-aligned tables ("0x04      1 byte      x86
    filter"): runs of at least ``ALIGNED_TABLE_ROWS`` lines whose cells start in a shared
    column. Justified prose has double spaces too, but not at the same column line after
    line."""
    rows: set[int] = set()
    run: list[int] = []
    shared: set[int] = set()
    pos = start
    while pos <= end:
        line_end = text.find("\n", pos, end)
        line_end = end if line_end < 0 else line_end
        cells = {m.end() - pos for m in _CELL.finditer(text, pos, line_end)}
        if cells and run and shared & cells:
            shared &= cells
            run.append(pos)
        else:
            if len(run) >= ALIGNED_TABLE_ROWS:
                rows.update(run)
            run, shared = ([pos], cells) if cells else ([], set())
        pos = line_end + 1
    if len(run) >= ALIGNED_TABLE_ROWS:
        rows.update(run)
    return rows


def _prose_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.end()
        if not _ends_sentence(text, match.end() - len(match.group()) + len(match.group().rstrip(_CLOSERS))):
            continue
        after = cut
        while after < end and text[after].isspace():
            after += 1
        # A lower-case continuation ("... 3 p.m. local time") is the same sentence.
        if after < end and text[after].islower():
            continue
        # A quotation of several sentences stays whole with its attribution.
        if _inside_quotation(text, pos, cut) and cut - pos < MAX_QUOTED_SENTENCE:
            continue
        span = _trim(text, pos, cut)
        if span:
            yield span
        pos = after
    span = _trim(text, pos, end)
    if span:
        yield span


MAX_QUOTED_SENTENCE = 600


def _inside_quotation(text: str, start: int, end: int) -> bool:
    segment = text[start:end]
    opened = segment.count("“") - segment.count("”")
    return opened > 0 or (opened == 0 and segment.count('"') % 2 == 1)


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def squash(text: str) -> str:
    """Collapse runs of whitespace (hard-wrapped lines) into single spaces."""
    return " ".join(text.split())


def readable(text: str) -> str:
    """The text as one line, words broken across lines joined: what is embedded and
    what an answer shows (its citation keeps the exact span)."""
    if "-\n" in text:
        text = _BROKEN_COMPOUND.sub("-", _BROKEN_WORD.sub(r"\1", text))
    return squash(text)


def clip(text: str, limit: int) -> str:
    """Shorten to at most ``limit`` characters at a word boundary."""
    text = squash(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return cut + "…"


_CAPITALISED_RUN = re.compile(r"[A-Z][\w-]*(?:\s+(?:of\s+|the\s+|and\s+)?[A-Z][\w-]*)+")


def initials(text: str) -> Iterator[str]:
    """The lower-cased initials of each run of capitalised words ("ggpl" for "GNU General
    Public License")."""
    for run in _CAPITALISED_RUN.finditer(text):
        yield "".join(w[0] for w in run.group().split() if w[0].isupper()).lower()


def name_acronyms(text: str) -> frozenset[str]:
    """The acronyms a text's names go by, at least three letters from a word of the name
    to its end: "GNU General Public License" gives "ggpl", "gpl", not "gp" or "pl"."""
    return frozenset(
        letters[i:] for letters in initials(text) for i in range(len(letters) - 2) if len(letters) - i <= 6
    )


def context_acronyms(title: str, heading: str, text: str) -> frozenset[str]:
    """The acronyms (``acronyms``) of a chunk with its document's title and its heading."""
    return acronyms(f"{title}\n{heading}\n{text}")


def acronyms(text: str) -> frozenset[str]:
    """Lower-cased acronyms a text's capitalised word runs could go by: "GNU General
    Public License" gives "gpl", "ggpl", "gp", ... so a question about "the GPL" finds
    a passage that spells the name out."""
    return frozenset(
        letters[i:j]
        for letters in initials(text)
        for i in range(len(letters))
        for j in range(i + 2, min(len(letters), i + 6) + 1)
    )
