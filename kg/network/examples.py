"""Small graphs for the examples in the docstrings (they run as doctests) and for trying things out.

>>> G = example_network()
>>> G.number_of_nodes(), G.number_of_edges()
(8, 9)
"""

from __future__ import annotations

import networkx as nx
from rdflib import Graph

__all__ = ["example_network", "example_graph"]


def example_network() -> nx.MultiDiGraph:
    """Eight entities: an association with its people, a forum, a ministry and a second event."""
    G = nx.MultiDiGraph()

    zh = {"Person": "人物", "Association": "社会团体", "GovernmentBody": "政府机构", "Event": "事件"}

    def node(n, label, t, **kw):
        G.add_node(n, iri=n, label=label, type=t, type_zh=zh[t], aliases=kw.get("aliases", []), date=None,
                   end_date=None, posts=kw.get("posts", []), sources=["a.txt"], evidence=[])

    def edge(u, v, key, zh, sentence, doc="a.txt", start=0):
        ev = [{"doc": doc, "sentence": sentence, "start": start, "end": start + len(sentence),
               "extractor": "test", "confidence": 0.8}]
        if key.startswith("memberOf:"):
            G.add_edge(u, v, key=key, predicate="memberOf", label_zh=zh, label_en=f"holds a post in ({zh})",
                       confidence=None, evidence=ev)
        else:
            G.add_edge(u, v, key=key, predicate=key, label_zh=zh, label_en=key, confidence=0.8, evidence=ev)

    node("o/中国某某协会", "中国某某协会", "Association", aliases=["某某协会"])
    node("o/某某省质量协会", "某某省质量协会", "Association")
    node("o/工业和信息化部", "工业和信息化部", "GovernmentBody", aliases=["工信部"])
    node("p/李华", "李华", "Person", posts=[{"title": "会长", "organization": "中国某某协会",
                                            "organization_iri": "o/中国某某协会"}])
    node("p/王明", "王明", "Person")
    node("p/赵强", "赵强", "Person")
    node("e/质量论坛", "质量论坛", "Event")
    node("e/标准化大会", "标准化大会", "Event")
    edge("p/李华", "o/中国某某协会", "memberOf:会长", "会长", "中国某某协会会长李华致辞。")
    edge("p/李华", "o/中国某某协会", "memberOf:党委书记", "党委书记", "中国某某协会党委书记李华。", start=20)
    edge("p/王明", "o/某某省质量协会", "memberOf:秘书长", "秘书长", "某某省质量协会秘书长王明。")
    edge("p/王明", "o/中国某某协会", "memberOf:理事", "理事", "王明任中国某某协会理事。", start=40)
    edge("o/中国某某协会", "e/质量论坛", "hosted", "主办", "中国某某协会主办质量论坛。", doc="b.txt")
    edge("p/王明", "e/质量论坛", "spokeAt", "发言", "王明在质量论坛上发言。", doc="b.txt", start=20)
    G.add_edge("o/工业和信息化部", "e/质量论坛", key="guided", predicate="guided", label_zh="指导",
               label_en="guided", confidence=None, evidence=[])
    edge("o/工业和信息化部", "e/标准化大会", "hosted", "主办", "工信部主办标准化大会。", doc="c.txt")
    edge("p/赵强", "e/质量论坛", "attended", "出席", "赵强出席质量论坛。", doc="b.txt", start=40)
    return G


def example_graph() -> Graph:
    """A three-entity graph for the doctests."""
    ttl = """
    @prefix kg: <https://example.org/cnqkg/ontology#> . @base <https://example.org/cnqkg/id/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix org: <http://www.w3.org/ns/org#> .
    <org/中国某某协会> a kg:Association ; rdfs:label "中国某某协会"@zh ; skos:altLabel "某某协会"@zh .
    <person/王明> a kg:Person ; rdfs:label "王明"@zh ; kg:spokeAt <event/质量论坛> .
    <event/质量论坛> a kg:Event ; rdfs:label "质量论坛"@zh .
    <membership/1> a org:Membership ; org:member <person/王明> ; org:organization <org/中国某某协会> ;
        org:role <role/会长> .
    <role/会长> a org:Role ; rdfs:label "会长"@zh .
    """
    return Graph().parse(data=ttl, format="turtle")
