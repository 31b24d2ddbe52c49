"""The kg: vocabulary as an rdflib DefinedNamespace: ``from kg.ontology.vocab import KG``.

GENERATED from ontology/kg.ttl by ``python -m kg.ontology.vocab_gen``: do not edit, edit kg.ttl and
regenerate (a test fails when this file is out of date). Unknown names raise AttributeError:

>>> KG.hosted
rdflib.term.URIRef('https://example.org/cnqkg/ontology#hosted')
>>> KG.host
Traceback (most recent call last):
...
AttributeError: term 'host' not in namespace 'https://example.org/cnqkg/ontology#'
"""

import rdflib.namespace  # not `from ... import DefinedNamespace`: doctest collection would probe it
from rdflib.term import URIRef


class KG(rdflib.namespace.DefinedNamespace):
    """
    Chinese industrial-quality knowledge graph ontology (中国工业质量知识图谱本体)

    Organizations, people, events, documents and awards in Chinese industrial-quality news, the
    relations between them, positions (W3C ORG) and the provenance of every extracted relation.

    Generated from: ontology/kg.ttl (https://example.org/cnqkg/ontology), version 0.2
    """

    _fail = True

    # http://www.w3.org/2002/07/owl#Class
    Association: URIRef  # Association (社会团体): An industry association, federation, society, alliance, standards body or mass organization.
    Award: URIRef  # Award (奖项): A named award, prize, honour or list.
    Company: URIRef  # Company (企业): An enterprise, group or company.
    Document: URIRef  # Document (文件): A notice, plan, standard, regulation or report with a title or number.
    Event: URIRef  # Event (事件): A specific meeting, forum, training, campaign, ceremony, exhibition or collection drive.
    GovernmentBody: URIRef  # Government body (政府机构): A ministry, commission, administration, bureau or one of their departments, or a party or state organ.
    Organization: URIRef  # Organization (机构): A body of people with a name: government, association, company or institute.
    Person: URIRef  # Person (人物): A named individual.
    Place: URIRef  # Place (地点): A city, province or country where an event takes place.
    ResearchInstitute: URIRef  # Research institute (科研院所): A university or its school, a research institute, academy or training college.
    SourceFile: URIRef  # Source file (来源文件): An input file of a build, from which entities and relations were extracted.

    # http://www.w3.org/2002/07/owl#ObjectProperty
    attended: URIRef  # attended (出席): The person or organization took part in the event.
    awarded: URIRef  # awarded (颁发): The organization or event conferred the award.
    chaired: URIRef  # chaired (主持): The person chaired the event.
    coHosted: URIRef  # co-hosted (承办/协办): The organization co-organized or undertook the event.
    guided: URIRef  # guided (指导): The organization is the event's guiding unit.
    heldIn: URIRef  # held in (举办地): The event took place in the place.
    hosted: URIRef  # hosted (主办): The organization organized the event.
    issued: URIRef  # issued (发布): The organization issued the document.
    receivedAward: URIRef  # received award (获奖): The person or organization received the award.
    spokeAt: URIRef  # spoke at (讲话): The person spoke or reported at the event.
    subOrganizationOf: URIRef  # sub-organization of (隶属): The organization is a unit of the other.
    supported: URIRef  # supported (支持): The organization is the event's supporting unit.

    # http://www.w3.org/2002/07/owl#DatatypeProperty
    confidence: URIRef  # confidence (置信度): The extractor's confidence in the relation or post, from 0 to 1.
    contentHash: URIRef  # content hash (内容哈希): The SHA-256 of the source file's bytes, as 64 lower-case hexadecimal digits.
    date: URIRef  # date (日期): The day (or first day) of the event, or its month or year when the text gives no day.
    endDate: URIRef  # end date (结束日期): The last day of a multi-day event.
    endOffset: URIRef  # end offset (结束偏移): Character offset (exclusive) in the original file where the evidence ends; greater than the start offset.
    extractor: URIRef  # extractor (抽取器): The rule or model that extracted the relation or post.
    path: URIRef  # path (路径): The path of the source file as given to the build.
    sentenceText: URIRef  # sentence text (证据句): The evidence sentence that states the relation (its repaired text; the offsets locate it in the original file).
    startOffset: URIRef  # start offset (起始偏移): Character offset (inclusive, from 0) in the original file where the evidence starts: the sentence of a relation, the phrase of a post.

    _NS = rdflib.namespace.Namespace("https://example.org/cnqkg/ontology#")
