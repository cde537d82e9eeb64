"""Question answering over your articles, with citations to exact character spans.

>>> from rag import answer
>>> a = answer("Who is Azerbaijan's ambassador to Moscow?")
>>> print(a)
"""

from .answer import answer, stream_answer
from .config import Settings
from .errors import RagError
from .evaluate import evaluate
from .types import Answer, Citation

__all__ = ["Answer", "Citation", "RagError", "Settings", "answer", "evaluate", "stream_answer"]
