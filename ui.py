"""The web chat over the documents folder: ``python ui.py`` (same as ``rag serve``)."""

from rag.config import Settings
from rag.web import serve

if __name__ == "__main__":
    serve(Settings())
