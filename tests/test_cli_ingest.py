"""``kg ingest`` through click's CliRunner."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from kg.cli import main

NEWS = (
    "某某协会召开年度工作会议\n\n"
    "2021年 3月 5日，某某协会在北京召开年度工作会议，会议由会长张\n\n"
    "三主持，一百余人参加。会议通过了决议。\n\n"
    "某某公司获评质量标杆企业\n\n"
    "近日，某某公司被评为全国质量标杆企业，这是该公司连续第三年获此荣誉。\n"
)
NOTICE = "关于开展质量月活动的通知\n\n各会员单位：\n\n为贯彻落实有关要求，现就开展质量月活动通知如下。\n\n二〇二一年一月二十日\n"


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def run(*args: str):
    return CliRunner().invoke(main, ["ingest", *args])


def test_jsonl_one_object_per_document(make_file):
    news = make_file("news.txt", NEWS)
    notice = make_file("notice.txt", NOTICE)
    result = run("--jsonl", str(news), str(notice))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    objs = [json.loads(line) for line in lines]
    for obj in objs:
        assert {"path", "title", "date", "articles"} <= obj.keys()
        for a in obj["articles"]:
            assert "headline" in a and "paragraphs" in a
            for para in a["paragraphs"]:
                for s in para:
                    assert set(s) == {"text", "start", "end"}

    first, second = objs
    assert first["path"] == str(news) and second["path"] == str(notice)
    assert first["title"] == "某某协会召开年度工作会议"
    assert [a["headline"]["text"] for a in first["articles"]] == ["某某协会召开年度工作会议", "某某公司获评质量标杆企业"]
    assert first["articles"][0]["paragraphs"][0][0]["text"] == (
        "2021年3月5日，某某协会在北京召开年度工作会议，会议由会长张三主持，一百余人参加。"
    )
    assert first["articles"][0]["date"] == "2021-03-05"
    assert second["date"] == "2021-01-20"
    assert "\\u" not in result.stdout  # Chinese written as is, not escaped


def test_jsonl_offsets_point_into_the_source(make_file):
    news = make_file("news.txt", NEWS)
    result = run("--jsonl", str(news))
    assert result.exit_code == 0
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    spans = []
    for a in obj["articles"]:
        spans.append(a["headline"])
        spans.extend(s for p in a["paragraphs"] for s in p)
    assert len(spans) == 5  # 2 headlines, 3 sentences
    for s in spans:
        assert squeeze(NEWS[s["start"]:s["end"]]) == squeeze(s["text"])
    # the sentence repaired across the wrap keeps the break in its original span
    joined = next(s for s in spans if "张三" in s["text"])
    assert "张\n\n三" in NEWS[joined["start"]:joined["end"]]


def test_missing_file_in_batch(make_file, tmp_path):
    good = make_file("good.txt", NEWS)
    missing = tmp_path / "missing.txt"
    result = run("--jsonl", str(missing), str(good))
    assert result.exit_code == 1
    assert f"error: {missing}: no such file" in result.stderr
    assert str(good) not in result.stderr
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["path"] == str(good)


def test_bad_file_in_batch_plain_output(make_file):
    bad = make_file("blob.txt", b"\x00\x01\x02binary\x00" * 50)
    good = make_file("good.txt", NEWS)
    result = run(str(bad), str(good))
    assert result.exit_code == 1
    assert f"error: {bad}: binary file" in result.stderr
    assert str(good) in result.stdout and str(bad) not in result.stdout


def test_plain_output_lists_headlines(make_file):
    news = make_file("news.txt", NEWS)
    result = run(str(news))
    assert result.exit_code == 0
    out = result.stdout.splitlines()
    assert out[0].startswith(f"{news}: utf-8, 2 article(s), ")
    assert "  [0] 某某协会召开年度工作会议  (2021-03-05)" in out
    assert "  [1] 某某公司获评质量标杆企业  (no date)" in out
    assert result.stderr == ""


def test_folder_argument(make_file, tmp_path):
    make_file("docs/a.txt", NEWS)
    make_file("docs/sub/b.md", NOTICE)
    make_file("docs/.hidden.txt", NEWS)
    result = run("--jsonl", str(tmp_path / "docs"))
    assert result.exit_code == 0
    paths = [json.loads(line)["path"] for line in result.stdout.splitlines()]
    assert paths == [str(tmp_path / "docs" / "a.txt"), str(tmp_path / "docs" / "sub" / "b.md")]


def test_max_mb_option(make_file):
    news = make_file("news.txt", NEWS * 20)
    result = run("--max-mb", "0.001", str(news))
    assert result.exit_code == 3  # no document read at all (kg.ingest.NoDocuments)
    assert f"error: {news}: file is" in result.stderr and "1,000 bytes limit" in result.stderr
    assert result.stdout == ""


def test_warnings_go_to_stderr(make_file):
    path = make_file("long.txt", "质量" * 60_000)
    result = run("--jsonl", str(path))
    assert result.exit_code == 0
    assert f"warning: {path}: 1 passage(s) without sentence punctuation" in result.stderr
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["warnings"] and len(obj["articles"][0]["paragraphs"][0]) == 120


def test_no_paths_is_a_usage_error():
    result = run()
    assert result.exit_code == 2
    assert "PATHS" in result.stderr
