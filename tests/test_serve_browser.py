"""``kg serve`` in a real headless browser: Debian's Chromium driven by Playwright, against a uvicorn
server on a free port (the ``live_server`` fixture), with the server's own CSP in force.

Every request that leaves the server is recorded and aborted; no page may make one, log a console
error or open a dialog. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).parent / "artifacts"
ORG = "中国机械工业质量管理协会"



@pytest.fixture
def tab(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    seen = {"outside": [], "errors": [], "dialogs": []}

    def route(r):
        if r.request.url.startswith(live_server):
            r.continue_()
        else:
            seen["outside"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.seen = seen
    page.base = live_server
    yield page
    context.close()


def clean(page):
    assert page.seen["outside"] == [], page.seen["outside"]
    assert page.seen["errors"] == [], page.seen["errors"]
    assert page.seen["dialogs"] == [], page.seen["dialogs"]


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def test_search_open_entity_and_follow_evidence_to_the_highlighted_sentence(tab):
    tab.goto(tab.base + "/")
    tab.fill("header input[name=q]", "中机质协")
    tab.press("header input[name=q]", "Enter")
    tab.wait_for_selector("h1#label")
    assert tab.locator("h1#label").text_content().startswith(ORG)
    tab.wait_for_selector("#network canvas")  # the neighbourhood graph is drawn
    shot(tab, "serve-entity")
    link = tab.locator("section.relations a.ev-link").first
    anchor = link.get_attribute("href").split("#", 1)[1]
    link.click()
    tab.wait_for_selector(f"mark#{anchor}")
    target = tab.locator("mark:target")
    assert target.count() == 1 and target.get_attribute("id") == anchor
    assert target.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 213, 74)"
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 860  # scrolled into view
    shot(tab, "serve-document")
    clean(tab)


def test_run_a_stored_query_in_the_editor(tab):
    tab.goto(tab.base + "/query")
    tab.wait_for_selector("#yasqe .CodeMirror")  # the vendored editor took over the textarea
    tab.select_option("#examples", "organizers")
    assert "organizers" in tab.locator("#examples").input_value()
    assert "SELECT" in tab.evaluate("() => window.kgEditor.getValue()")
    assert tab.locator("#yasqe .CodeMirror .cm-keyword").count() > 0  # highlighted as SPARQL
    tab.click("#run")
    tab.wait_for_selector("#result-table tr:nth-child(2)")
    assert tab.locator("#result-table tr").count() > 2
    assert "rows" in tab.locator("#status").text_content()
    shot(tab, "serve-query")
    clean(tab)


def test_a_malformed_query_shows_the_parsers_message(tab):
    tab.goto(tab.base + "/query")
    tab.wait_for_selector("#yasqe .CodeMirror")
    tab.evaluate("() => window.kgEditor.setValue('SELECT ?x WHERE { ?x foo:bar ?y }')")
    tab.click("#run")
    tab.wait_for_selector("#error:not([hidden])")
    assert "unknown prefix 'foo:'" in tab.locator("#error").text_content()
    # a 400 answer is logged by the browser as a failed resource: the only console error allowed here
    assert all("400" in e for e in tab.seen["errors"])


@pytest.mark.parametrize("path", ["/id/source/zz_payload.txt", "/search?q=座谈会&list=1"])
def test_a_document_carrying_script_and_onerror_stays_inert(tab, path):
    tab.goto(tab.base + path)
    tab.wait_for_load_state("load")
    tab.wait_for_timeout(300)
    assert tab.evaluate("() => window.__pwned === undefined && window.pwned === undefined")
    assert tab.locator("img").count() == 0 and tab.locator("main script:not([type='application/json'])").count() == 0
    assert "<script>" in tab.locator("main").inner_text() or "onerror" in tab.locator("main").inner_text()
    clean(tab)
