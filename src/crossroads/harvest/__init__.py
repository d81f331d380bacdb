"""Harvest: notes, feedback and roster in, a reflection note out; renderers for md/html/docx/pdf.

Pure: imports the standard library, numpy, scikit-learn and the report libraries, never the
rest of Crossroads (bar ``crossroads.messages``). See ``tests/unit/harvest/test_imports.py``.
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
from crossroads.harvest.reflection import harvest

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
