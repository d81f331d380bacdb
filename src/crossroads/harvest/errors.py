"""Errors of the harvest.

HarvestError
 ├── SourceInvalid          a notes, feedback or roster file that cannot be read (names the line)
 └── SummariserFailed       an optional backend (embeddings, LLM) that is missing or answered badly
"""

from __future__ import annotations

from crossroads.messages import N_


class HarvestError(Exception):
    code = "harvest_error"


class SourceInvalid(HarvestError):
    """``notes.md line 12: ...``: ``source`` is the file's name, ``line`` is 1-based."""

    code = "harvest_source_invalid"

    def __init__(self, source: str, line: int, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        super().__init__(f"{source} line {line}: {problem}")


class SummariserFailed(HarvestError):
    code = "harvest_summariser_failed"
    title = N_("The summariser did not answer")

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"summariser failed: {detail}")
