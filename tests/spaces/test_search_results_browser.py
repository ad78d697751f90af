"""The space search's results on a phone (issue 21, item 5): at 390 px each space reads as a card and no
word is broken mid-letter (it was "Kaup/un/gino/sa" when five columns shared the width); on a desktop
the results are a table. In Finnish, the language with the longest words."""
from __future__ import annotations

import pytest

from tests.support.browser import SCREENSHOTS, check_accessibility, check_small_screen

pytestmark = pytest.mark.browser

# Every word in the results that a line break cuts in two: a word's text range has one box per line it is on.
BROKEN_WORDS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('table.results'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.textContent.matchAll(/[^\\s,]+/g)) {
      const r = document.createRange();
      r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      const lines = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
      if (lines.size > 1) out.push(m[0]);
    }
  }
  return out;
}"""


def test_results_are_cards_on_a_phone_with_whole_words_and_a_table_on_a_desktop(live_server, browser_page, make_facility, make_space):
    from playwright.sync_api import expect

    house = make_facility(name="Kaupunginosatalo Kalliola", district="Kallio")
    make_space(facility_id=house, name="Kokoontumishuone Kaupunginosayhdistykselle", capacity=12,
               accessibility=["step_free_access", "accessible_toilet", "induction_loop", "elevator"])
    make_space(facility_id=house, name="Harrastustila", capacity=30, accessibility=["step_free_access"])
    context = browser_page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="fi-FI")
    page = context.new_page()
    page.goto(f"{live_server}/spaces?district=Kallio")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    results = page.locator("table.results")
    expect(results.get_by_role("link", name="Harrastustila")).to_be_visible()

    assert page.evaluate(BROKEN_WORDS) == []
    # a card: each space a block of its own, each fact under its column's name
    row = results.locator("tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    assert row.locator("td").first.evaluate("e => getComputedStyle(e, '::before').content") == '"Toimipiste"'
    check_small_screen(page, width=390, context="search results at 390 px")
    page.locator("section[aria-labelledby=results-title]").screenshot(path=str(SCREENSHOTS / "i21-05-results-fi-phone.png"))

    page.set_viewport_size({"width": 1280, "height": 900})
    assert row.evaluate("e => getComputedStyle(e).display") == "table-row"
    expect(results.locator("thead")).to_be_visible()
    assert page.evaluate(BROKEN_WORDS) == []
    check_accessibility(page, context="search results at 1280 px")
    context.close()
