"""Each group's block of a prompt: a root ``Y.Text`` of the convening's one shared document.

A prompt keeps its section, ``prompt:<prompt id>`` (what everyone wrote there before groups had
blocks, and what anyone may still add: "notes for everyone"). When a round starts, each of its
groups gets a block per prompt of the round, ``group:<prompt id>:<run>:<group>``: ``run`` is
the round's run number in the call (a round run twice gets fresh blocks), ``group`` the group's
number in that run. The browser derives the name from its live snapshot (round number, group
number, prompt ids), so nothing has to be created on the server when a round starts.

Who may write a block is decided when a notes socket opens (web/routers/notes.py asks the
convening): a participant may write the blocks of the groups they sit in, hosts every block.
An update from a participant touching any other block is dropped whole and answered with a
permission-denied frame (notes/rooms.py), as an edit to a locked section is: the socket stays
open, so a writer whose group just changed loses nothing but the refused edit.

Why blocks are separate roots rather than entries of a map per prompt: concurrently created
nested types under one map key are last-writer-wins in Yjs (typing is silently lost), and a
root needs no creation step. Why old documents are not rewritten: moving text from one root to
another would be a new edit by the server, duplicated by every browser that still holds the old
text offline; the old per-prompt text simply stays in the prompt's section, which every view
shows first as the prompt's shared block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "group:"
_NAME = re.compile(r"^group:([A-Za-z0-9_-]{1,64}):([1-9][0-9]{0,8}):([1-9][0-9]{0,8})$")


@dataclass(frozen=True, slots=True, order=True)
class BlockId:
    prompt: str  # the prompt's public id
    run: int  # the round's run number in the call (1, 2, ...)
    group: int  # the group's number in that run

    @property
    def name(self) -> str:
        return block_name(self.prompt, self.run, self.group)


def block_name(prompt: str, run: int, group: int) -> str:
    """The root ``Y.Text`` of one group's block (the browser builds the same name)."""
    return f"{PREFIX}{prompt}:{int(run)}:{int(group)}"


def parse_block(name: str) -> BlockId | None:
    """The block a root name stands for, or None when it is not a well-formed block name."""
    match = _NAME.match(name)
    if match is None:
        return None
    return BlockId(match.group(1), int(match.group(2)), int(match.group(3)))


def is_block(name: str) -> bool:
    """Whether a root belongs to the blocks (anything under the prefix, well-formed or not:
    a malformed block name is nobody's block, so only hosts may write it)."""
    return name.startswith(PREFIX)
