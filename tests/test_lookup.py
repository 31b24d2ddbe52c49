"""One rule for finding an entity by name (kg.lookup), the same for every command that takes a name:
``kg path`` and ``kg viz --focus`` (over networkx, kg.network.lookup) and the name parameters of
``kg query`` (over the store, kg.query.names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.lookup import AmbiguousName, Candidate, ListedNames, NameNotFound, find_entity
from kg.network import find_node, load_network
from kg.query import entity_lookup


@pytest.fixture(scope="module")
def out(query_graph_out: Path) -> Path:
    return query_graph_out


NAMES = ListedNames([
    Candidate("o/1", "中国质量协会", "Association", ("中国质协",)),
    Candidate("o/2", "华东质量协会", "Association", ("中国质量协会",)),  # another body's name as its alias
    Candidate("o/3", "华东质协", "Association", ("质协",)),
    Candidate("o/4", "东海质协", "Association", ("质协",)),
    Candidate("p/1", "赵强", "Person"),
])


@pytest.mark.parametrize("name, node", [
    ("中国质协", "o/1"),  # an alias
    ("中国质量协会", "o/1"),  # its own name wins over another body's alias
    (" 赵强 ", "p/1"),  # spaces around do not count
    ("华东质量", "o/2"),  # the one name that contains it
])
def test_the_one_entity_a_name_stands_for(name, node):
    assert find_entity(NAMES, name).node == node


@pytest.mark.parametrize("name, labels", [
    ("质协", {"华东质协", "东海质协"}),  # an alias of two: never a silent pick
    ("质量协会", {"中国质量协会", "华东质量协会"}),  # contained in two names
])
def test_a_name_of_several_entities_lists_them(name, labels):
    with pytest.raises(AmbiguousName) as err:
        find_entity(NAMES, name)
    assert {c["label"] for c in err.value.candidates} == labels and err.value.exit_code == 2


def test_an_unknown_name_lists_the_closest_names():
    with pytest.raises(NameNotFound) as err:
        find_entity(NAMES, "赵刚")
    assert err.value.suggestions == ["赵强"] and err.value.exit_code == 2
    with pytest.raises(NameNotFound) as err:
        find_entity(NAMES, "")
    assert err.value.suggestions == []


@pytest.mark.parametrize("name", ["中机质协", "工信部", "潍柴", "质量", "郑州", "中国机械工业质量协会", "王建和", "论坛"])
def test_the_graph_and_the_store_answer_alike(out, name):
    """kg path and kg viz --focus (networkx) and kg query -p (the store) find the same entity, or fail alike."""

    def answer(find):
        try:
            return find(name)
        except AmbiguousName as e:
            return "ambiguous", sorted(c["node"] for c in e.candidates)
        except NameNotFound as e:
            return "unknown", e.suggestions

    G = load_network(out)
    lookup = entity_lookup(out)
    assert answer(lambda n: find_node(G, n)) == answer(lambda n: str(lookup(n, "name")))
