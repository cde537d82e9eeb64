"""Errors a user can act on: each message says what is wrong and how to fix it."""


class RagError(Exception):
    """A problem the user can fix; ``str(error)`` is one line naming the fix."""


class QuestionError(RagError):
    """The question cannot be answered as asked (empty, too long, ...)."""


class IndexProblem(RagError):
    """The index is missing, corrupt or was built differently."""


class DocumentError(RagError):
    """A document could not be read."""
