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
