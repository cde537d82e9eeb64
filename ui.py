"""The web chat over the documents folder: ``python ui.py`` (same as ``rag serve``).

Settings come from the environment (``RAG_*``; ``GRADIO_SERVER_PORT``/``GRADIO_SERVER_NAME``
choose where it listens, ``RAG_AUTH=user:password`` adds a login, ``RAG_MCP=1`` serves MCP tools).
"""

from rag.config import Settings
from rag.web import serve

if __name__ == "__main__":
    serve(Settings())
