"""The finality rule (ante.finality): which blocks the event index may keep, per kind of chain."""

import pytest

from ante.errors import BadInput
from ante.finality import DEFAULT_DEPTH, DEPTH_VARIABLE, Finality


class Node:
    """Answers block tags from a table; counts what was asked."""

    def __init__(self, **tags):
        self.tags = tags
        self.asked: list[str] = []

    def __call__(self, tag):
        self.asked.append(tag)
        return self.tags.get(tag)


@pytest.fixture(autouse=True)
def no_depth_from_the_environment(monkeypatch):
    monkeypatch.delenv(DEPTH_VARIABLE, raising=False)


@pytest.mark.parametrize("chain_id", [31337, 1337])
def test_a_local_dev_chain_is_final_at_its_head_without_asking_its_tags(chain_id):
    node = Node(finalized=36)  # anvil answers head - 64 (here clamped): it must not be believed
    assert Finality(chain_id).final_block(100, node) == 100
    assert node.asked == []


def test_the_finalized_tag_decides_where_the_node_answers_it():
    node = Node(finalized=900, safe=950)
    assert Finality(1).final_block(1_000, node) == 900
    assert node.asked == ["finalized"]


def test_the_safe_tag_is_next():
    node = Node(safe=950)
    assert Finality(10).final_block(1_000, node) == 950


def test_without_either_tag_the_head_minus_the_default_depth_is_final():
    node = Node()
    finality = Finality(11155111)
    assert finality.final_block(1_000, node) == 1_000 - DEFAULT_DEPTH
    assert finality.final_block(1_001, node) == 1_001 - DEFAULT_DEPTH
    assert node.asked == ["finalized", "safe"]  # a node without the tags is not asked again


def test_a_young_chain_has_no_final_block_yet():
    assert Finality(1).final_block(10, Node()) == -1


def test_a_tag_ahead_of_the_head_read_is_capped_at_that_head():
    assert Finality(1).final_block(500, Node(finalized=510)) == 500


def test_an_explicit_depth_wins_on_every_chain():
    node = Node(finalized=10)
    assert Finality(1, depth=12).final_block(1_000, node) == 988
    assert Finality(31337, depth=3).final_block(1_000, node) == 997
    assert Finality(31337, depth=0).final_block(1_000, node) == 1_000
    assert node.asked == []


def test_the_depth_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(DEPTH_VARIABLE, "5")
    assert Finality(31337).final_block(100, Node()) == 95
    assert Finality(31337, depth=2).final_block(100, Node()) == 98  # the caller's wins


@pytest.mark.parametrize("text, message", [("soon", "whole number of blocks, not 'soon'"),
                                           ("-3", "0 or more blocks, not -3")])
def test_a_bad_depth_is_a_plain_error(monkeypatch, text, message):
    monkeypatch.setenv(DEPTH_VARIABLE, text)
    with pytest.raises(BadInput, match=message):
        Finality(1)
