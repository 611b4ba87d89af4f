/* Draws every .llmx-chart from the JSON figure next to it, with the self-hosted plotly.js.
   Figures are data (application/json), never code, so nothing from the results executes. */
(function () {
  function dark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }
  function themed(layout) {
    var fg = dark() ? "#e2e4e9" : "#1f2328";
    var grid = dark() ? "rgba(255,255,255,0.12)" : "rgba(0,0,0,0.08)";
    return Object.assign({}, layout, {
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      font: Object.assign({}, layout.font || {}, { color: fg }),
      xaxis: Object.assign({}, layout.xaxis || {}, { gridcolor: grid }),
      yaxis: Object.assign({}, layout.yaxis || {}, { gridcolor: grid }),
      autosize: true
    });
  }
  function draw(el) {
    var src = document.getElementById(el.getAttribute("data-figure"));
    if (!src || typeof Plotly === "undefined") return;
    var fig = JSON.parse(src.textContent);
    el._llmxFigure = fig;
    Plotly.react(el, fig.data, themed(fig.layout || {}),
      { responsive: true, displaylogo: false });
  }
  function drawAll() {
    document.querySelectorAll(".llmx-chart").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    new MutationObserver(drawAll).observe(document.body,
      { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  });
})();
