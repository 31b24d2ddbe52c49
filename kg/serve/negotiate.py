"""Content negotiation: which of the formats a handler can write the client's ``Accept`` header prefers.

>>> best("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", ["text/html", "text/turtle"])
'text/html'
>>> best("text/turtle;q=0.9, application/ld+json", ["text/html", "text/turtle", "application/ld+json"])
'application/ld+json'
>>> best("", ["text/html", "text/turtle"])
'text/html'
>>> best("image/png", ["text/html"]) is None
True
"""

from __future__ import annotations

__all__ = ["best", "parse_accept"]


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``(media range, q)`` of an Accept header, in the order given (a malformed q counts as 0)."""
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def _matches(media_range: str, media_type: str) -> int:
    """How specifically ``media_range`` matches ``media_type``: 3 exact, 2 ``type/*``, 1 ``*/*``, 0 not."""
    if media_range == media_type:
        return 3
    if media_range.endswith("/*") and media_type.startswith(media_range[:-1]):
        return 2
    return 1 if media_range == "*/*" else 0


def best(header: str | None, offered: list[str]) -> str | None:
    """The offered type the client prefers (the first offered on a tie; the first if no header), or None."""
    if not header or not header.strip():
        return offered[0]
    ranges = parse_accept(header)
    scored = []
    for i, t in enumerate(offered):
        matches = [(_matches(r, t), q) for r, q in ranges if _matches(r, t)]
        if matches:
            q = max(matches)[1]  # the most specific range decides
            if q > 0:
                scored.append((-q, i, t))
    return min(scored)[2] if scored else None
