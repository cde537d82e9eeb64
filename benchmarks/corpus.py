"""Deterministic benchmark corpora, built only from text already on this machine.

Sources, in this order (the order is part of the corpus: a smaller corpus is a
prefix of a larger one):

1. the seed articles and ``tests/data/licenses`` (so the Q&A files apply),
2. ``/usr/share/common-licenses/*``,
3. ``/usr/share/doc/*/copyright``,
4. docstrings of the Python standard library (``ast``, nothing imported),
5. docstrings of the installed packages in the virtualenv.

Each Python module becomes one text file: its docstring, then a ``# name``
heading and the docstring of every documented class and function. Documents
are taken in sorted order until the corpus holds at least the requested number
of chunks (counted with the project's own chunker). Nothing is downloaded.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import shutil
import sys
import sysconfig
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.chunking import chunk_document
from rag.types import Document

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / "cache"
SEEDS = ROOT / "seeds"
DATA = ROOT / "tests" / "data"
MIN_DOC_CHARS = 400
MAX_DOC_CHARS = 200_000
CORPUS_VERSION = "1"


@dataclass(frozen=True)
class Source:
    name: str  # relative path inside the corpus folder
    text: str


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _docstrings(path: Path) -> str:
    """Module, class and function docstrings of a Python file, as headed sections."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in old sources
            tree = ast.parse(_read(path))
    except (SyntaxError, ValueError):
        return ""
    parts: list[str] = []
    module_doc = ast.get_docstring(tree)
    if module_doc:
        parts.append(inspect.cleandoc(module_doc))

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                doc = ast.get_docstring(child)
                if doc and not child.name.startswith("_"):
                    parts.append(f"# {name}\n\n{inspect.cleandoc(doc)}")
                if isinstance(child, ast.ClassDef):
                    visit(child, name + ".")

    visit(tree, "")
    return "\n\n".join(parts)


def _python_files(root: Path) -> Iterator[Path]:
    skip = {"test", "tests", "testing", "__pycache__", "idlelib", "lib2to3", "site-packages", "_vendor", "vendored"}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if skip.isdisjoint(rel.parts[:-1]) and not rel.name.startswith("test_"):
            yield path


def sources() -> Iterator[Source]:
    """Every candidate document, in corpus order."""
    for path in sorted(SEEDS.glob("*")):
        if path.suffix in (".txt", ".md"):
            yield Source(path.name, _read(path))
    for path in sorted((DATA / "licenses").glob("*.txt")):
        yield Source(f"licenses/{path.name}", _read(path))
    for path in sorted(Path("/usr/share/common-licenses").glob("*")):
        if path.is_file():
            yield Source(f"common-licenses/{path.name}.txt", _read(path))
    for path in sorted(Path("/usr/share/doc").glob("*/copyright")):
        yield Source(f"copyright/{path.parent.name}.txt", _read(path))
    stdlib = Path(sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])
    for label, root in (("stdlib", stdlib), ("site", site)):
        for path in _python_files(root):
            rel = path.relative_to(root).with_suffix("").as_posix().replace("/", ".")
            yield Source(f"{label}/{rel}.txt", _docstrings(path))


@dataclass(frozen=True)
class Corpus:
    path: Path
    documents: int
    chunks: int
    chars: int
    digest: str


def build(size: int, cache: Path = CACHE) -> Corpus:
    """The corpus of at least ``size`` chunks under ``cache/corpus-SIZE`` (reused when present)."""
    folder = cache / f"corpus-{size}"
    manifest = folder.with_suffix(".json")
    if manifest.is_file() and folder.is_dir():
        info = json.loads(manifest.read_text())
        if info.get("version") == CORPUS_VERSION:
            return Corpus(folder, info["documents"], info["chunks"], info["chars"], info["digest"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    digest = hashlib.sha256(CORPUS_VERSION.encode())
    documents = chunks = chars = 0
    seen: set[str] = set()
    for source in sources():
        text = source.text.strip()
        if len(text) < MIN_DOC_CHARS or source.name in seen:
            continue
        text = text[:MAX_DOC_CHARS] + "\n"
        seen.add(source.name)
        n = len(chunk_document(Document(source.name, source.name, text)))
        if n == 0:
            continue
        target = folder / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        digest.update(source.name.encode() + b"\0" + text.encode())
        documents, chunks, chars = documents + 1, chunks + n, chars + len(text)
        if chunks >= size:
            break
    if chunks < size:
        raise SystemExit(f"only {chunks} chunks of text on this machine; ask for --sizes up to {chunks}")
    info = {
        "version": CORPUS_VERSION,
        "documents": documents,
        "chunks": chunks,
        "chars": chars,
        "digest": digest.hexdigest()[:16],
    }
    manifest.write_text(json.dumps(info, indent=2))
    return Corpus(folder, documents, chunks, chars, info["digest"])


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        print(build(int(arg)))
