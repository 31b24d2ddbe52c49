"""Input handling: encodings, formats, folders, and bad inputs (kg.ingest.readers, iter_documents)."""

from __future__ import annotations

import codecs
import logging
import pathlib
import random
import time
import zipfile
from io import BytesIO

import pytest

from kg.ingest import IngestError, ingest_file, iter_documents, iter_paths
from kg.ingest.readers import DEFAULT_MAX_BYTES
from kg.ingest.segment import DEFAULT_MAX_SENTENCE
from kg.records import Document, IngestFailure

# ~150 characters of ordinary Chinese news text, with an Ext-A character (䶮) that only GB18030
# (not GBK) can encode, a full-width comma, an ASCII number and a quotation.
TEXT = (
    "某省质量协会召开年度工作会议\n\n"
    "2021年3月5日，某省质量协会在省城召开年度工作会议，会长刘䶮主持会议。"
    "会议总结了上一年度的工作，部署了本年度的重点任务，并表彰了“质量标杆企业”。"
    "来自全省机械行业的120余名代表参加了会议。\n"
)
TEXT_GBK = TEXT.replace("䶮", "岩")

SENTENCES = [
    "2021年3月5日，某省质量协会在省城召开年度工作会议，会长刘䶮主持会议。",
    "会议总结了上一年度的工作，部署了本年度的重点任务，并表彰了“质量标杆企业”。",
    "来自全省机械行业的120余名代表参加了会议。",
]


def body_sentences(doc: Document) -> list[str]:
    return [s.text for a in doc.articles for s in a.sentences]


# --- encodings --------------------------------------------------------------------------------

ENCODED = [
    ("utf-8", TEXT, TEXT.encode("utf-8"), "utf-8"),
    ("utf-8 with BOM", TEXT, codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    ("gb18030", TEXT, TEXT.encode("gb18030"), "gb18030"),
    ("gbk", TEXT_GBK, TEXT_GBK.encode("gbk"), "gb18030"),  # GBK is a subset of GB18030
    ("utf-16-le with BOM", TEXT, codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    ("utf-16-be with BOM", TEXT, codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
]


@pytest.mark.parametrize("name", ["news.txt", "news.md", "news.TXT", "news.text"])
@pytest.mark.parametrize("text, data, encoding", [e[1:] for e in ENCODED], ids=[e[0] for e in ENCODED])
def test_encodings_decode_to_the_same_text(make_file, name, text, data, encoding, ingest_check_offsets):
    doc = ingest_file(make_file(name, data))
    assert doc.source_text.lstrip("\ufeff") == text
    assert doc.encoding == encoding
    assert doc.articles[0].headline.text == "某省质量协会召开年度工作会议"
    expected = SENTENCES if text is TEXT else [s.replace("䶮", "岩") for s in SENTENCES]
    assert body_sentences(doc) == expected
    ingest_check_offsets(doc)


def test_gb18030_file_does_not_become_mojibake(make_file):
    # the bytes of GB18030 text are not UTF-8; decoding must not fall back to a lossy UTF-8 read
    doc = ingest_file(make_file("gb.txt", TEXT.encode("gb18030")))
    assert "\ufffd" not in doc.text
    assert "刘䶮" in doc.text


# --- formats ----------------------------------------------------------------------------------

def test_markdown_markup_is_removed(make_file, ingest_check_offsets):
    md = (
        "# 某某协会召开年度工作会议\n\n"
        "会议由**张三**主持，详见[协会网站](https://example.com/news/1)。\n\n"
        "## 会议要求\n\n"
        "- 加强质量管理。\n"
        "- 推进品牌建设。\n"
    )
    doc = ingest_file(make_file("news.md", md))
    assert doc.format == "md"
    assert doc.articles[0].headline.text == "某某协会召开年度工作会议"
    sents = body_sentences(doc)
    assert sents[0] == "会议由张三主持，详见协会网站。"
    assert "加强质量管理。" in sents and "推进品牌建设。" in sents
    assert not any(c in doc.text for c in "#*[]") and "https" not in doc.text
    ingest_check_offsets(doc)
    # the offset of 张 points into the original markdown, past the bold marker
    i = doc.text.index("张三")
    assert doc.source_text[doc.offsets[i] - 2:doc.offsets[i] + 2] == "**张三"


def test_markdown_heading_marks_are_kept_in_plain_text(make_file):
    # "#" only means a heading in Markdown; in a .txt it is text
    doc = ingest_file(make_file("notes.txt", "# 第一条规定的内容如下，请遵照执行。\n"))
    assert doc.text.startswith("#")


def test_docx_paragraphs_and_table_in_order(tmp_path, ingest_check_offsets):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("某某协会召开年度工作会议")
    d.add_paragraph("会议由张三主持，一百余人参加。")
    table = d.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "单位"
    table.cell(0, 1).text = "负责人"
    table.cell(1, 0).text = "质量部"
    table.cell(1, 1).text = "李四"
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "合并单元格说明"
    d.add_paragraph("会议最后通过了决议。")
    path = tmp_path / "meeting.docx"
    d.save(path)

    doc = ingest_file(path)
    assert doc.format == "docx"
    assert doc.articles[0].headline.text == "某某协会召开年度工作会议"
    assert doc.text.split("\n") == [
        "某某协会召开年度工作会议",
        "会议由张三主持，一百余人参加。",
        "单位", "负责人", "质量部", "李四",
        "合并单元格说明",  # a merged cell's text once, not once per grid column
        "会议最后通过了决议。",
    ]
    ingest_check_offsets(doc)


def test_docx_core_title_used_when_no_headline(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("会议由张三主持，一百余人参加，会议通过了年度工作报告。")
    d.core_properties.title = "年度工作会议纪要"
    path = tmp_path / "minutes.docx"
    d.save(path)
    doc = ingest_file(path)
    assert doc.title == "年度工作会议纪要"


HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>某某协会 - 新闻中心</title>
<style>p { color: red; } .样式 { }</style>
<script>var secret = "脚本内容不应出现";</script></head>
<body>
<h1>某某协会召开年度工作会议</h1>
<p>会议由张三主持，一百余人参加&amp;讨论。</p>
<script type="text/javascript">document.write("另一个脚本");</script>
<noscript>请启用脚本</noscript>
<table><tr><th>单位</th><th>负责人</th></tr><tr><td>质量部</td><td>李四</td></tr></table>
<div>会议最后通过了<b>决议</b>。</div>
</body></html>
"""


def test_html_text_without_scripts(make_file, ingest_check_offsets):
    doc = ingest_file(make_file("news.html", HTML))
    assert doc.format == "html"
    for hidden in ("脚本内容", "另一个脚本", "请启用脚本", "color", "新闻中心"):
        assert hidden not in doc.text
    assert doc.articles[0].headline.text == "某某协会召开年度工作会议"
    assert doc.title == "某某协会召开年度工作会议"  # a headline in the body beats <title>
    assert doc.text.split("\n") == [
        "某某协会召开年度工作会议",
        "会议由张三主持，一百余人参加&讨论。",
        "单位", "负责人", "质量部", "李四",  # table cells are separate paragraphs
        "会议最后通过了决议。",
    ]
    ingest_check_offsets(doc)


def test_html_title_used_when_body_has_no_headline(make_file):
    html = "<html><head><title>年度工作会议纪要</title></head><body><p>会议由张三主持，一百余人参加。</p></body></html>"
    doc = ingest_file(make_file("minutes.htm", html))
    assert doc.title == "年度工作会议纪要"
    assert body_sentences(doc) == ["会议由张三主持，一百余人参加。"]


def test_html_in_gb18030(make_file):
    html = "<html><body><h1>某某协会召开年度工作会议</h1><p>会议由张三主持，一百余人参加，会长刘䶮讲话。</p></body></html>"
    doc = ingest_file(make_file("gb.html", html.encode("gb18030")))
    assert doc.encoding == "gb18030"
    assert body_sentences(doc) == ["会议由张三主持，一百余人参加，会长刘䶮讲话。"]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica, with a correct cross-reference table."""
    content = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_is_extracted(make_file, caplog):
    data = minimal_pdf("Hello PDF")
    with caplog.at_level(logging.WARNING, logger="pypdf"):
        doc = ingest_file(make_file("hello.pdf", data))
    assert not caplog.records, "the hand-made PDF should be valid (xref offsets right)"
    assert doc.format == "pdf"
    assert [s.text for s in doc.sentences] == ["Hello PDF"]


def test_pdf_is_recognised_by_content_not_name(make_file):
    doc = ingest_file(make_file("report.txt", minimal_pdf("Hello PDF")))
    assert doc.format == "pdf" and doc.text == "Hello PDF"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"this is just text, not a PDF", "not a valid PDF"),
        (minimal_pdf("Hello PDF")[:150], "unreadable PDF"),  # truncated
        (b"%PDF-1.4\n" + bytes(range(256)) * 4, "unreadable PDF"),
    ],
    ids=["no header", "truncated", "garbage body"],
)
def test_broken_pdf_gives_clear_error(make_file, data, reason):
    path = make_file("broken.pdf", data)
    with pytest.raises(IngestError, match=reason):
        ingest_file(path)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("fake.docx", "这不是一个文档。".encode(), "not a valid .docx"),
        ("other.docx", None, "not a valid .docx"),  # a zip without a Word document inside
        ("archive.txt", None, "zip archive"),
        ("data.csv", b"a,b\n1,2\n", "unsupported file type .csv"),
        ("README", "说明文件的内容。".encode(), "unsupported file type"),
    ],
)
def test_wrong_container_or_type(make_file, name, data, reason):
    if data is None:
        buf = BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        data = buf.getvalue()
    with pytest.raises(IngestError, match=reason):
        ingest_file(make_file(name, data))


# --- folders ----------------------------------------------------------------------------------

def test_folder_is_walked_recursively(tmp_path, make_file):
    good = "会议由张三主持，一百余人参加。"
    make_file("b.txt", good)
    make_file("a/deep/er/c.md", good)
    make_file("a/D.TXT", good)
    make_file("a/page.html", f"<p>{good}</p>")
    make_file(".hidden.txt", good)
    make_file(".git/objects/x.txt", good)
    make_file("a/.cache/y.txt", good)
    make_file("a/data.csv", "a,b\n")
    make_file("a/image.png", b"\x89PNG\r\n\x1a\n" + bytes(100))
    make_file("a/notes", good)

    found = [(p.relative_to(tmp_path).as_posix(), problem) for p, problem in iter_paths([tmp_path])]
    assert found == [("a/D.TXT", None), ("a/deep/er/c.md", None), ("a/page.html", None), ("b.txt", None)]
    docs = list(iter_documents([tmp_path]))
    assert all(isinstance(d, Document) for d in docs) and len(docs) == 4
    assert all(body_sentences(d) == [good] for d in docs)


def test_folder_without_supported_files_is_reported(tmp_path, make_file):
    make_file("only/data.csv", "a,b\n")
    (item,) = list(iter_documents([tmp_path / "only"]))
    assert isinstance(item, IngestFailure)
    assert item.path == str(tmp_path / "only") and "no supported files" in item.reason


# --- document ids: the path relative to the inputs -----------------------------------------------

def _ids(paths) -> dict[str, str]:
    return {d.path: d.doc_id for d in iter_documents([str(p) for p in paths]) if isinstance(d, Document)}


def test_doc_id_is_the_path_relative_to_its_folder(tmp_path, make_file):
    make_file("docs/a.txt", GOOD)
    make_file("docs/sub/deeper/b.md", GOOD)
    direct = make_file("elsewhere/c.txt", GOOD)
    ids = _ids([tmp_path / "docs", direct])
    assert ids == {str(tmp_path / "docs" / "a.txt"): "a.txt", str(tmp_path / "docs" / "sub" / "deeper" / "b.md"): "sub/deeper/b.md",
                   str(direct): "c.txt"}


def test_same_names_in_two_folders_are_qualified_by_the_folder(tmp_path, make_file):
    make_file("a/x.txt", GOOD)
    make_file("b/x.txt", GOOD.replace("张三", "李四"))
    make_file("a/only-in-a.txt", GOOD)
    ids = _ids([tmp_path / "a", tmp_path / "b"])
    assert sorted(ids.values()) == ["a/x.txt", "b/x.txt", "only-in-a.txt"]
    assert _ids([tmp_path / "b", tmp_path / "a"]) == ids  # the order of the inputs does not matter


def test_folders_with_the_same_name_are_qualified_until_the_ids_differ(tmp_path, make_file):
    make_file("2020/news/x.txt", GOOD)
    make_file("2021/news/x.txt", GOOD)
    make_file("2021/news/2020/news/x.txt", GOOD)  # its relative path is one of the qualified ids
    ids = _ids([tmp_path / "2020" / "news", tmp_path / "2021" / "news"])
    assert len(set(ids.values())) == 3
    assert ids[str(tmp_path / "2021" / "news" / "x.txt")] == "2021/news/x.txt"


def test_a_file_given_alone_and_a_namesake_in_a_folder(tmp_path, make_file):
    alone = make_file("mail/通知.docx.txt", GOOD)
    make_file("archive/通知.docx.txt", GOOD)
    ids = _ids([alone, tmp_path / "archive"])
    assert sorted(ids.values()) == ["archive/通知.docx.txt", "mail/通知.docx.txt"]


def test_a_file_given_twice_is_one_document(tmp_path, make_file):
    f = make_file("docs/a.txt", GOOD)
    docs = [d for d in iter_documents([tmp_path / "docs", f, tmp_path / "docs"]) if isinstance(d, Document)]
    assert [d.doc_id for d in docs] == ["a.txt"]


# --- bad inputs -------------------------------------------------------------------------------

GOOD = "会议由张三主持，一百余人参加。会议通过了决议。"


def assert_fails_alone_in_batch(make_file, bad: pathlib.Path, reason: str, **kw) -> IngestFailure:
    """``bad`` fails with ``reason``; in a batch the failure names it and the neighbours still ingest."""
    with pytest.raises(IngestError, match=reason):
        ingest_file(bad, **kw)
    before = make_file("batch/before.txt", GOOD)
    after = make_file("batch/after.txt", GOOD)
    items = list(iter_documents([before, bad, after], **kw))
    assert [type(i) for i in items] == [Document, IngestFailure, Document]
    failure = items[1]
    assert failure.path == str(bad)
    assert str(bad) in str(failure) and reason in str(failure)
    assert body_sentences(items[0]) == body_sentences(items[2]) == ["会议由张三主持，一百余人参加。", "会议通过了决议。"]
    return failure


def test_empty_file(make_file):
    assert_fails_alone_in_batch(make_file, make_file("empty.txt", b""), "empty file")


def test_whitespace_only_file(make_file):
    assert_fails_alone_in_batch(make_file, make_file("blank.txt", b" \n\r\n\t\n"), "empty file")
    assert_fails_alone_in_batch(make_file, make_file("blank2.txt", "\u3000\n\u3000\n".encode()), "no text in file")


def test_markup_only_file(make_file):
    html = "<html><head><title>无正文</title></head><body><script>var a = 1;</script></body></html>"
    assert_fails_alone_in_batch(make_file, make_file("empty.html", html), "no text")


def _random_bytes() -> bytes:
    rng = random.Random(7)
    return bytes(rng.randrange(256) for _ in range(4096))


@pytest.mark.parametrize(
    "data",
    [
        _random_bytes(),
        # otherwise valid UTF-8 text with NUL padding (a dump, an unexported record): the NULs
        # alone make it binary
        ("会议由张三主持，一百余人参加。".encode() + b"\x00" * 16) * 20,
    ],
    ids=["random bytes", "text with NULs"],
)
def test_binary_file(make_file, data):
    assert_fails_alone_in_batch(make_file, make_file("blob.txt", data), "binary file")


def test_utf8_with_a_stray_byte(make_file):
    data = "中国机械工业质量管理协会召开座谈会，会议由王建和主持。".encode() + b"\xff" + "会议通过了决议。".encode()
    failure = assert_fails_alone_in_batch(make_file, make_file("damaged.txt", data), "undecodable bytes")
    assert "0xff" in failure.reason  # says which byte


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_high_byte_soup(make_file, seed):
    rng = random.Random(seed)
    data = bytes(rng.randrange(0x80, 0x100) for _ in range(3000))
    assert_fails_alone_in_batch(make_file, make_file("soup.txt", data), "undecodable bytes")


def test_missing_path(make_file, tmp_path):
    missing = tmp_path / "nowhere" / "missing.txt"
    with pytest.raises(IngestError, match="no such file"):
        ingest_file(missing)
    before = make_file("before.txt", GOOD)
    after = make_file("after.txt", GOOD)
    items = list(iter_documents([before, missing, after]))
    assert [type(i) for i in items] == [Document, IngestFailure, Document]
    assert items[1].path == str(missing) and "no such file" in items[1].reason


def test_file_over_limit_is_rejected_before_reading(make_file, monkeypatch):
    path = make_file("big.txt", GOOD * 200)  # 13,800 bytes
    size = path.stat().st_size

    real_read_bytes, real_open = pathlib.Path.read_bytes, pathlib.Path.open

    def guard(real):
        def wrapper(self, *a, **kw):
            assert self != path, f"{self} was read although it is over the limit"
            return real(self, *a, **kw)
        return wrapper

    monkeypatch.setattr(pathlib.Path, "read_bytes", guard(real_read_bytes))
    monkeypatch.setattr(pathlib.Path, "open", guard(real_open))
    failure = assert_fails_alone_in_batch(make_file, path, "over the", max_bytes=size - 1)
    assert f"{size:,} bytes" in failure.reason and f"{size - 1:,} bytes" in failure.reason
    assert "--max-mb" in failure.reason  # says how to raise it


def test_sparse_50mb_file_over_default_limit(make_file, monkeypatch):
    path = make_file("huge.txt", b"")
    with open(path, "r+b") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: nothing is written
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: pytest.fail("oversized file was read"))
    with pytest.raises(IngestError) as exc:
        ingest_file(path)
    assert str(exc.value).startswith("file is 52.4 MB, over the 21.0 MB limit")
    assert f"{DEFAULT_MAX_BYTES / 1e6:.1f} MB" in str(exc.value)


def test_real_50mb_text_file_is_rejected_fast(tmp_path):
    path = tmp_path / "huge.txt"
    line = ("质量管理协会召开座谈会，会议由王建和主持。" * 8 + "\n").encode()
    with open(path, "wb") as f:
        f.write(line * (50 * 1024 * 1024 // len(line) + 1))
    assert path.stat().st_size > 50 * 1024 * 1024
    t0 = time.perf_counter()
    items = list(iter_documents([path]))
    elapsed = time.perf_counter() - t0
    assert len(items) == 1 and isinstance(items[0], IngestFailure)
    assert "52.4 MB" in items[0].reason and "21.0 MB limit" in items[0].reason
    assert elapsed < 0.5, f"rejecting an oversized file took {elapsed:.2f}s"


def test_limit_can_be_raised(make_file):
    path = make_file("big.txt", GOOD * 200)
    doc = ingest_file(path, max_bytes=path.stat().st_size)
    assert len(body_sentences(doc)) == 400


def test_200k_character_line_ingests_with_warning(make_file):
    rng = random.Random(0)
    line = "".join(rng.choice("质量管理协会召开座谈会议由王建和主持中国机械工业") for _ in range(200_000))
    path = make_file("longline.txt", line + "\n")
    t0 = time.perf_counter()
    doc = ingest_file(path)
    assert time.perf_counter() - t0 < 5
    sents = body_sentences(doc)
    assert len(sents) == 200 and all(len(s) <= DEFAULT_MAX_SENTENCE for s in sents)
    assert "".join(sents) == line
    assert any("longest 200000" in w for w in doc.warnings)
    last = list(doc.sentences)[-1]
    assert doc.source_text[last.start:last.end] == last.text
