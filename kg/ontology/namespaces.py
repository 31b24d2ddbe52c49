"""The namespaces the graph speaks, as strings (no rdflib needed), and the prefixes for them.

>>> PREFIXES["kg"] == KG_NAMESPACE and PREFIXES["id"] == DEFAULT_BASE_IRI + "id/"
True
"""

from __future__ import annotations

__all__ = ["KG_NAMESPACE", "DEFAULT_BASE_IRI", "RDF", "RDFS", "XSD", "OWL", "SKOS", "ORG", "PROV", "SCHEMA", "FOAF",
           "PREFIXES"]

#: The ontology's own terms (``kg:``), whatever the base of the IRIs a build mints.
KG_NAMESPACE = "https://example.org/cnqkg/ontology#"
#: The base of the IRIs a build mints when none is given (a placeholder: set your own to publish).
DEFAULT_BASE_IRI = "https://example.org/cnqkg/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"

#: Prefixes a query may use without declaring them, and that written graphs are sent with.
PREFIXES = {
    "kg": KG_NAMESPACE,
    "id": DEFAULT_BASE_IRI + "id/",
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "org": ORG,
    "prov": PROV,
    "schema": SCHEMA,
    "foaf": FOAF,
}
