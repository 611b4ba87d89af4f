/* Click a header of a table inside .llmx-sortable to sort by that column (again: reverse).
   Sorts on each cell's data-sort (the raw value), numerically when both sides are numbers. */
(function () {
  function key(td) { return td ? td.getAttribute("data-sort") || td.textContent : ""; }
  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    if (!isNaN(x) && !isNaN(y) && String(x) !== "NaN") return x - y;
    return a.localeCompare(b);
  }
  document.addEventListener("click", function (ev) {
    var th = ev.target.closest(".llmx-sortable table th");
    if (!th) return;
    var table = th.closest("table"), body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    Array.prototype.slice.call(body.rows)
      .sort(function (r1, r2) { return dir * compare(key(r1.cells[col]), key(r2.cells[col])); })
      .forEach(function (r) { body.appendChild(r); });
  });
})();

/* A table that does not fit its box even with its cells wrapped (a phone, a table of many
   columns; a component's table or a plain Markdown one) is shown as one card per row, each value labelled with its column's header
   (.llmx-stacked, results.css): nothing is cut off and nothing scrolls sideways. Decided
   again whenever the box changes width; a table that fits stays a table. */
(function () {
  var STACKED = "llmx-stacked";

  function label(box, table) {
    if (box.hasAttribute("data-labelled") || !table.tHead || !table.tHead.rows.length) return;
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (td, i) {
          // textContent and setAttribute: the header's text, never markup
          if (heads[i] && !td.hasAttribute("data-label"))
            td.setAttribute("data-label", heads[i].textContent.trim());
          // the value is one item beside its label, however many nodes it is made of
          if (td.childNodes.length > 1) {
            var value = document.createElement("div");
            while (td.firstChild) value.appendChild(td.firstChild);
            td.appendChild(value);
          }
        });
      });
    });
    box.setAttribute("data-labelled", "");
  }

  function fit(box) {
    var table = box.querySelector("table");
    if (!table || !box.clientWidth) return;  // hidden (a closed <details>): decided when shown
    box.classList.remove(STACKED);
    if (table.getBoundingClientRect().width > box.clientWidth + 1) {
      label(box, table);
      box.classList.add(STACKED);
    }
  }

  // The boxes: the table component's, and the box Material wraps each plain Markdown table
  // in (a generated reference page, a post's own table), so they stack the same way.
  function allBoxes() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".llmx-table"));
    document.querySelectorAll(".md-typeset table:not([class])").forEach(function (table) {
      var wrap = table.closest(".md-typeset__scrollwrap");
      if (wrap && !table.closest(".llmx-table") && boxes.indexOf(wrap) < 0) boxes.push(wrap);
    });
    return boxes;
  }

  function start() {
    var boxes = allBoxes();
    if (!("ResizeObserver" in window)) {
      boxes.forEach(fit);
      window.addEventListener("resize", function () { boxes.forEach(fit); });
      return;
    }
    var widths = new WeakMap();
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        var width = Math.round(entry.contentRect.width);
        if (widths.get(entry.target) === width) return;  // stacking changed the height only
        widths.set(entry.target, width);
        fit(entry.target);
      });
    });
    boxes.forEach(function (box) { observer.observe(box); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

/* "Run this query": the first click of a .llmx-run__button imports runquery.js (next to this
   file, assets/llmx/); nothing of it (no script, data or wasm) loads before. */
(function () {
  var mod;
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest(".llmx-run__button");
    var box = button && button.closest(".llmx-run");
    var page = document.querySelector(".llmx-sql-page");
    if (!box || !page) return;
    function say(text) {
      var p = box.querySelector(".llmx-run__status") || box.appendChild(document.createElement("p"));
      p.className = "llmx-run__status llmx-run__status--error";
      p.textContent = text;
      box.setAttribute("data-llmx-state", "error");
    }
    if (location.protocol === "file:") return say("Browsers block the query engine's worker " +
      "and the data files for a page opened from disk (file://). Serve the site's folder " +
      "instead: run `python3 -m http.server` in it and open http://localhost:8000/.");
    var dir = page.getAttribute("data-duckdb").replace(/\/?$/, "/");
    mod = mod || import(new URL("../runquery.js", new URL(dir, document.baseURI)).href);
    mod.then(function (m) { m.click(button); },
             function (e) { mod = null; say("The query runner did not load: " + e.message); });
  });
})();
