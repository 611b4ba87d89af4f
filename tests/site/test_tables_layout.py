"""Tables that fit, in a real Chromium on the real site's build.

At 1300 px (a laptop) every table of every post is a table whose every column lies inside
its box: nothing to scroll sideways, nothing hidden. At 375 px (a phone) a table too wide
for the screen becomes one card per row, each value labelled with its column's header, and
no part of it leaves the screen. Code in a cell keeps its lines; a case id opens its case.
"""

import re
import subprocess
import sys

import pytest

from helpers import ROOT, serve

POSTS = sorted(re.search(r"^slug: (\S+)$", p.read_text(), re.M).group(1)
               for p in (ROOT / "posts" / "posts").glob("*.md"))

PROBE = """() => [...document.querySelectorAll('.md-content .llmx-table')].map(box => {
  const table = box.querySelector('table');
  const right = box.getBoundingClientRect().right;
  const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const cells = [...table.querySelectorAll('tbody td')];
  return {
    caption: (table.caption ? table.caption.textContent : heads.join(' | ')).slice(0, 80),
    stacked: box.classList.contains('llmx-stacked'),
    scroll: box.scrollWidth - box.clientWidth,
    tableWidth: table.getBoundingClientRect().width, boxWidth: box.clientWidth,
    outside: heads.filter((h, i) => {
      const th = table.querySelectorAll('thead th')[i];
      return !box.classList.contains('llmx-stacked')
        && th.getBoundingClientRect().right > right + 1;
    }),
    cellsOutside: cells.filter(td => td.getBoundingClientRect().right > right + 1).length,
    unlabelled: box.classList.contains('llmx-stacked')
      ? cells.filter(td => !heads.includes(td.getAttribute('data-label'))).length : 0,
  };
})"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("tables") / "site"
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)],
                       cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    with serve(out) as base:
        yield base


# The same probe over plain Markdown tables (generated reference pages, docs): the box is the
# one Material wraps each in
PLAIN_PROBE = PROBE.replace(
    "[...document.querySelectorAll('.md-content .llmx-table')]",
    "[...document.querySelectorAll('.md-content .md-typeset__scrollwrap')]"
    ".filter(b => !b.closest('.llmx-table') && b.querySelector('table:not([class])'))")


def _tables(browser, url: str, width: int, probe: str = PROBE) -> list[dict]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)  # tables.js decides on the first resize observation
    got = page.evaluate(probe)
    page.close()
    return got


def test_every_post_table_fits_at_laptop_width(site, browser):
    assert len(POSTS) >= 9
    bad = {}
    for post in POSTS:
        tables = _tables(browser, f"{site}/{post}/", 1300)
        assert tables, f"{post}: no tables found"
        wrong = [t for t in tables if t["stacked"] or t["scroll"] > 1 or t["outside"]
                 or t["tableWidth"] > t["boxWidth"] + 1]
        if wrong:
            bad[post] = wrong
    assert bad == {}, bad


def test_tables_are_labelled_cards_at_phone_width(site, browser):
    stacked = 0
    bad = {}
    for post in POSTS:
        tables = _tables(browser, f"{site}/{post}/", 375)
        stacked += sum(t["stacked"] for t in tables)
        wrong = [t for t in tables if t["scroll"] > 1 or t["cellsOutside"] or t["unlabelled"]
                 or (not t["stacked"] and t["tableWidth"] > t["boxWidth"] + 1)]
        if wrong:
            bad[post] = wrong
    assert bad == {}, bad
    assert stacked >= len(POSTS)  # every post has a table too wide for a phone: cards


@pytest.mark.parametrize("page", ["docs/experiment-file", "reference/database"])
def test_plain_markdown_tables_of_generated_pages_read_on_a_phone(site, browser, page):
    """The generated references are plain Markdown tables: at 375 px the wide ones are
    labelled cards too (nothing scrolls sideways), at 1300 px they stay tables."""
    phone = _tables(browser, f"{site}/{page}/", 375, PLAIN_PROBE)
    assert phone, f"{page}: no plain tables found"
    wrong = [t for t in phone if t["scroll"] > 1 or t["cellsOutside"] or t["unlabelled"]
             or (not t["stacked"] and t["tableWidth"] > t["boxWidth"] + 1)]
    assert wrong == [], wrong
    assert any(t["stacked"] for t in phone)  # the key/type/default/meaning tables are wide
    laptop = _tables(browser, f"{site}/{page}/", 1300, PLAIN_PROBE)
    assert [t for t in laptop if t["scroll"] > 1 or t["outside"]] == []


def test_code_in_a_cell_keeps_its_lines_and_a_case_id_opens_its_case(site, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto(f"{site}/lora-fine-tune-small-model/", wait_until="load")
    code = page.locator(".llmx-table td pre.llmx-cell-code").first
    assert code.count() == 1 and code.inner_text().count("\n") >= 3
    assert code.bounding_box()["height"] > 3 * 12  # drawn as lines, not one paragraph
    link = page.locator(".llmx-table a.llmx-case-link").first
    case = link.inner_text()
    link.click()
    page.wait_for_load_state("load")
    assert "/experiments/lora_pycode/cases" in page.url
    target = page.locator(f"section.llmx-case[id='case-{case}']")
    assert target.count() == 1 and target.is_visible()
    page.close()
