"""Group block names (notes/blocks.py): the browser builds them, the server parses them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crossroads.notes.blocks import BlockId, block_name, is_block, parse_block

prompt_ids = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    min_size=1,
    max_size=64,
)
numbers = st.integers(min_value=1, max_value=999_999_999)


@given(prompt_ids, numbers, numbers)
def test_a_block_name_reads_back_as_its_prompt_run_and_group(
    prompt: str, run: int, group: int
) -> None:
    name = block_name(prompt, run, group)
    assert parse_block(name) == BlockId(prompt, run, group)
    assert BlockId(prompt, run, group).name == name
    assert is_block(name)


@given(st.text(max_size=80))
def test_any_other_root_name_is_no_block_of_anyone(name: str) -> None:
    parsed = parse_block(name)
    if parsed is not None:
        assert block_name(parsed.prompt, parsed.run, parsed.group) == name


def test_names_that_are_not_blocks() -> None:
    for name in ("prompt:abc", "prompt:free", "group:abc:0:1", "group:abc:1", "group::1:1"):
        assert parse_block(name) is None
    assert not is_block("prompt:abc")
    assert is_block("group:junk")  # under the prefix: nobody's block, only hosts write it
