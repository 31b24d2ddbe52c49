"""Read a file into text: detect the encoding from the bytes, extract text from .docx/.html/.pdf.

Every failure raises :class:`IngestError` with a one-line reason; the caller adds the path.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kg.errors import BadInput

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
DOCX_SUFFIXES = {".docx"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | DOCX_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# characters that plausible Chinese/English text consists of
_IMPLAUSIBLE = re.compile(
    r"[^\u0009\u000a\u000d\u0020-\u007e\u00a0-\u024f\u2000-\u206f\u2100-\u22ff\u2460-\u27bf"
    r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class IngestError(BadInput):
    """A file cannot be ingested; the message is the reason, in one line."""


@dataclass(frozen=True, slots=True)
class RawText:
    text: str
    encoding: str
    format: str  # txt | md | docx | html | pdf
    title: str | None = None  # a title the container states (HTML <title>, docx core title)


def implausible_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(_IMPLAUSIBLE.findall(text)) / len(text)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data``, detecting the encoding from the bytes. Returns (text, encoding)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise IngestError(f"undecodable bytes: {enc} byte order mark but invalid data at byte {e.start}") from None
    if not data.strip():
        raise IngestError("empty file")
    sample = data[:65536]
    if b"\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise IngestError("binary file (control bytes; not text)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    # Mostly valid UTF-8 with a few bad bytes is damaged UTF-8, not GB18030: decoding it as
    # GB18030 would silently produce mojibake.
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    multibyte = sum(1 for c in lossy if ord(c) > 0x7F) - bad
    if multibyte > 0 and bad <= max(2, multibyte // 50):
        raise IngestError(
            f"undecodable bytes: invalid UTF-8 at byte {utf8_error.start} "
            f"(0x{data[utf8_error.start]:02x}) in an otherwise UTF-8 file"
        )
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if implausible_ratio(text) < 0.02:
            return text, enc
    raise IngestError(
        f"undecodable bytes: not UTF-8 (byte {utf8_error.start}), GB18030 or Big5"
    )


def sniff_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if suffix in DOCX_SUFFIXES:
            return "docx"
        raise IngestError("binary file (a zip archive, not a .docx)")
    if suffix in DOCX_SUFFIXES:
        raise IngestError("not a valid .docx (no zip container)")
    if suffix in PDF_SUFFIXES:
        raise IngestError("not a valid PDF (no %PDF header)")
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in {".md", ".markdown"}:
        return "md"
    if suffix in TEXT_SUFFIXES:
        return "txt"
    raise IngestError(f"unsupported file type {suffix or '(no suffix)'}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")


def _size(n: int) -> str:
    """A file size for messages: MB, or exact bytes when MB would round to nothing."""
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawText:
    """Read one file into text. Raises IngestError with the reason."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError("no such file") from None
    except OSError as e:
        raise IngestError(f"cannot read: {e.strerror}") from None
    if size == 0:
        raise IngestError("empty file")
    if size > max_bytes:
        raise IngestError(
            f"file is {_size(size)}, over the {_size(max_bytes)} limit (raise it with --max-mb)"
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read: {e.strerror}") from None
    fmt = sniff_format(path, data[:8])
    if fmt in ("txt", "md"):
        text, enc = decode_bytes(data)
        return RawText(text, enc, fmt)
    if fmt == "html":
        text, enc = decode_bytes(data)
        return html_to_text(text, enc)
    if fmt == "docx":
        return docx_to_text(data)
    return pdf_to_text(data)


_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "table", "ul", "ol", "header", "footer", "blockquote", "pre", "title", "dd", "dt",
}


def html_to_text(markup: str, encoding: str) -> RawText:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    if soup.head is not None:
        soup.head.decompose()
    for cell in soup.find_all(["td", "th"]):
        cell.insert_after("\t")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = soup.get_text()
    return RawText(text, encoding, "html", title or None)


def docx_to_text(data: bytes) -> RawText:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise IngestError(f"not a valid .docx ({e.__class__.__name__})") from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    t = cell.text.strip()
                    if t and (not cells or cells[-1] != t):  # merged cells repeat
                        cells.append(t)
                lines.append("\t".join(cells))
    title = (document.core_properties.title or "").strip() or None
    return RawText("\n".join(lines), "docx", "docx", title)


def pdf_to_text(data: bytes) -> RawText:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as e:
        raise IngestError(f"unreadable PDF ({e})") from None
    except Exception as e:  # pypdf raises many kinds on damaged files
        raise IngestError(f"unreadable PDF ({e.__class__.__name__}: {e})") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError("PDF has no extractable text (scanned images need OCR)")
    return RawText(text, "pdf", "pdf")
