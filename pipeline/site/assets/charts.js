/* Draws every .llmx-chart from the JSON figure next to it, with the self-hosted plotly.js.
   Figures are data (application/json), never code, so nothing from the results executes.

   The figure comes from the chart component with everything decided that does not depend on
   the reader's screen (colours, legend entries, category order, axes that make room for their
   labels). What does is finished here, and again whenever the chart's width changes:
   - facet panels: as many per row as fit (at least PANEL_MIN px each), a title above each one
     (abbreviated to its panel, whole on hover), gaps between rows sized for the tick labels;
   - the height grows by what the legend takes, so the plot keeps its height;
   - on a phone, heatmap cells print smaller and with fewer decimals. */
(function () {
  var PANEL_MIN = 300, PANEL_H = 240, TITLE_H = 24, CHAR_W = 6.6, LINE_H = 15;

  function dark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }
  function copy(o) { return JSON.parse(JSON.stringify(o)); }
  function themed(layout) {
    var fg = dark() ? "#e2e4e9" : "#1f2328";
    var grid = dark() ? "rgba(255,255,255,0.12)" : "rgba(0,0,0,0.08)";
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.plot_bgcolor = "rgba(0,0,0,0)";
    layout.font = Object.assign({}, layout.font || {}, { color: fg });
    Object.keys(layout).forEach(function (k) {
      if (/^[xy]axis\d*$/.test(k)) layout[k].gridcolor = grid;
    });
    layout.autosize = true;
    return layout;
  }
  function legendHeight(fig, width) {
    var names = fig.data.filter(function (t) { return t.showlegend !== false && t.name; })
      .map(function (t) { return t.name; });
    if (!names.length) return 0;
    var title = ((fig.layout.legend || {}).title || {}).text || "";
    var px = 0, rows = title ? 2 : 1;  // the title on a line of its own
    names.forEach(function (n) {
      var w = n.length * CHAR_W + 50;
      if (px + w > width - 20 && px > 0) { rows += 1; px = 0; }
      px += w;
    });
    return rows * 22 + 8;
  }
  function ticks(axis) {
    var text = (axis && axis.ticktext) || [];
    var lines = 1, longest = 0;
    text.forEach(function (t) {
      var parts = String(t).split("<br>");
      lines = Math.max(lines, parts.length);
      parts.forEach(function (p) { longest = Math.max(longest, p.length); });
    });
    return { n: text.length, lines: lines, longest: longest };
  }
  /* the longest category label of an axis drawn upright on one line */
  function uprightLength(axis) {
    return ((axis && axis.ticktext) || []).reduce(function (m, s) {
      return Math.max(m, Math.min(26, s.replace(/<br>/g, " ").length));
    }, 0);
  }
  function shorten(text, chars) {
    if (text.length <= chars) return text;
    // never cut an escaped character (&amp;, &#60;) in half
    return text.slice(0, Math.max(1, chars - 1)).replace(/&[#a-z0-9]*$/i, "") + "…";
  }
  /* category labels on one line each, at most *chars* long, cut in the middle (labels such
     as "model · setup" differ at their ends); a label that would then read like another
     stays whole */
  function oneLine(labels, chars) {
    var cut = labels.map(function (s) {
      s = s.split("<br>").join(" ");
      if (s.length <= chars) return s;
      var head = Math.ceil((chars - 1) / 2), tail = chars - 1 - head;
      return s.slice(0, head).replace(/&[#a-z0-9]*$/i, "") + "…" +
        s.slice(s.length - tail).replace(/^[#a-z0-9]*;/i, "");
    });
    return cut.map(function (s, i) {
      return cut.indexOf(s) !== cut.lastIndexOf(s) ? labels[i].split("<br>").join(" ") : s;
    });
  }
  /* facet panels on a grid that fits *width*; *plotH*: the plot area's height in px */
  function facetGrid(lay, facets, width, plotW, plotH) {
    var n = facets.length;
    var cols = Math.max(1, Math.min(n, Math.floor(width / PANEL_MIN)));
    var rows = Math.ceil(n / cols);
    var gapX = 0.06, panelW = plotW * (1 - gapX * (cols - 1)) / cols;
    var t = ticks(lay.xaxis), below;
    var fits = t.n * t.longest * CHAR_W < panelW * 0.95;
    below = (fits ? t.lines * LINE_H : uprightLength(lay.xaxis) * CHAR_W) + 10 + 20;  // ticks + x title
    var rowPx = (plotH - rows * TITLE_H - (rows - 1) * below) / rows;
    var ann = [];
    for (var i = 0; i < n; i++) {
      var r = Math.floor(i / cols), c = i % cols, sfx = i ? String(i + 1) : "";
      var x0 = c * (1 - gapX * (cols - 1)) / cols + c * gapX;
      var x1 = x0 + (1 - gapX * (cols - 1)) / cols;
      var top = plotH - r * (rowPx + TITLE_H + below) - TITLE_H;
      var y1 = top / plotH, y0 = (top - rowPx) / plotH;
      var xa = lay["xaxis" + sfx], ya = lay["yaxis" + sfx];
      xa.domain = [x0, x1];
      ya.domain = [Math.max(0, y0), Math.min(1, y1)];
      xa.tickangle = fits ? 0 : -90;
      if (!fits && xa.ticktext) {
        xa.ticktext = oneLine(xa.ticktext, 26);
      }
      xa.automargin = r === rows - 1 || i + cols >= n;
      ya.automargin = c === 0;
      if (c) ya.title = { text: "" };
      var full = facets[i], chars = Math.floor(panelW / 7.2);
      ann.push({ text: shorten(full, chars), hovertext: full, showarrow: false,
                 xref: "paper", yref: "paper", x: (x0 + x1) / 2, y: y1,
                 xanchor: "center", yanchor: "bottom", yshift: 2 });
    }
    lay.annotations = (lay.annotations || []).concat(ann);
    return rows;
  }
  /* text wrapped at word boundaries onto lines of at most *chars* characters */
  function wrap(text, chars) {
    var words = String(text).split(/\s+|<br>/), lines = [], cur = "";
    words.forEach(function (w) {
      if (cur && (cur + " " + w).length > chars) { lines.push(cur); cur = w; }
      else cur = cur ? cur + " " + w : w;
    });
    if (cur) lines.push(cur);
    return lines;
  }
  /* Axis titles wrap to the chart's width; on a narrow chart, category labels wrap tighter
     (at most three lines, the rest abbreviated: the hover keeps the whole label) and a
     category x axis whose labels do not fit side by side turns them upright. */
  function fitAxes(lay, width, facets) {
    var narrow = width < 600;
    Object.keys(lay).filter(function (k) { return /^[xy]axis\d*$/.test(k); }).forEach(function (k) {
      var ax = lay[k];
      if (ax.title && ax.title.text) {
        ax.title.text = wrap(ax.title.text, Math.max(20, Math.floor((width - 60) / 7.5))).join("<br>");
      }
      if (narrow && ax.ticktext) {
        ax.ticktext = ax.ticktext.map(function (t) {
          var lines = wrap(t, 12);
          if (lines.length > 3) { lines = lines.slice(0, 3); lines[2] = lines[2].slice(0, 11) + "…"; }
          return lines.join("<br>");
        });
      }
      if (k[0] === "x" && ax.ticktext && !facets && ax.tickangle === undefined) {
        var t = ticks(ax), plotW = width * (narrow ? 0.7 : 0.8);
        if (t.n * (t.longest * CHAR_W + 8) > plotW) {
          // upright labels stand side by side only on one line each
          ax.tickangle = -90;
          ax.ticktext = oneLine(ax.ticktext, 26);
        }
      }
    });
  }
  function layoutFor(el, fig, size) {
    var lay = copy(fig.layout || {}), meta = (lay.meta || {}).llmx || {};
    var width = el.clientWidth || 600;
    fitAxes(lay, width, (meta.facets || []).length > 0);
    var facets = meta.facets || [];
    var legend = legendHeight(fig, width);
    if (facets.length) {
      var cols = Math.max(1, Math.min(facets.length, Math.floor(width / PANEL_MIN)));
      var rows = Math.ceil(facets.length / cols);
      var below = uprightLength(lay.xaxis) * CHAR_W + 40;
      lay.height = Math.max(lay.height || 0,
        legend + 60 + rows * (PANEL_H + TITLE_H + below));
      // the plot area as plotly laid it out last time, else an estimate
      var plotW = size ? size.w : width - 80;
      var plotH = size ? size.h : lay.height - legend - 60 - below;
      facetGrid(lay, facets, width, plotW, plotH);
    } else {
      lay.height = (lay.height || 420) + legend;
    }
    if ((meta.kind === "heatmap" || meta.kind === "confusion") && width < 600) {
      // every cell prints its value, so the colour bar is what a phone can spare
      fig.data.forEach(function (tr) {
        tr.textfont = { size: 9 };
        tr.showscale = false;
        if (tr.texttemplate) tr.texttemplate = tr.texttemplate.replace(".1%", ".0%");
      });
    }
    return themed(lay);
  }
  /* Scatter labels: each point's label goes to the first of eight places around it that
     overlaps no label placed before it, no marker and stays inside the plot; one restyle. */
  var PLACES = ["top center", "bottom center", "middle right", "middle left", "top right",
                "top left", "bottom right", "bottom left"];
  function placeLabels(el) {
    var traces = el.querySelectorAll(".scatterlayer .trace");
    var area = el.querySelector(".subplot .bg, .nsewdrag");
    var frame = (area || el).getBoundingClientRect(), markers = [], pending = [];
    traces.forEach(function (tr, ti) {
      var pts = tr.querySelectorAll(".points path.point");
      var texts = tr.querySelectorAll(".text .textpoint text");
      if (!texts.length) return;
      pts.forEach(function (p) { markers.push(p.getBoundingClientRect()); });
      texts.forEach(function (t, i) {
        if (pts[i]) pending.push({ trace: ti, i: i, m: pts[i].getBoundingClientRect(),
                                   t: t.getBoundingClientRect() });
      });
    });
    if (!pending.length) return;
    var hit = function (a, b) {
      return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0 &&
        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0;
    };
    var placed = [], choice = {};
    pending.forEach(function (p) {
      var w = p.t.width, h = p.t.height, cx = (p.m.left + p.m.right) / 2,
        cy = (p.m.top + p.m.bottom) / 2, r = p.m.width / 2 + 3, best = null;
      for (var k = 0; k < PLACES.length && !best; k++) {
        var v = PLACES[k].split(" ")[0], hz = PLACES[k].split(" ")[1];
        var left = hz === "center" ? cx - w / 2 : hz === "right" ? cx + r : cx - r - w;
        var top = v === "middle" ? cy - h / 2 : v === "top" ? cy - r - h : cy + r;
        var b = { left: left, right: left + w, top: top, bottom: top + h };
        var inside = b.left >= frame.left && b.right <= frame.right && b.top >= frame.top &&
          b.bottom <= frame.bottom;
        var free = inside && !placed.some(function (o) { return hit(b, o); }) &&
          !markers.some(function (o) { return o !== p.m && hit(b, o); });
        if (free) best = { place: PLACES[k], box: b };
      }
      // no free place (points on top of each other): the label is left to the hover
      (choice[p.trace] = choice[p.trace] || [])[p.i] = best ? best.place : "hide";
      if (best) placed.push(best.box);
    });
    var idx = Object.keys(choice).map(Number), data = el.data || [];
    var texts = idx.map(function (i) {
      return (data[i].text || []).map(function (t, j) { return choice[i][j] === "hide" ? "" : t; });
    });
    var places = idx.map(function (i) {
      return choice[i].map(function (c) { return c === "hide" ? PLACES[0] : c; });
    });
    return Plotly.restyle(el, { textposition: places, text: texts }, idx);
  }
  function draw(el) {
    var src = document.getElementById(el.getAttribute("data-figure"));
    if (!src || typeof Plotly === "undefined") return;
    var fig = JSON.parse(src.textContent);
    el._llmxFigure = fig;
    el._llmxWidth = el.clientWidth;
    var config = { responsive: true, displaylogo: false };
    return Plotly.react(el, fig.data, layoutFor(el, fig, null), config).then(function () {
      // facet rows are placed in the plot area's own px: once plotly has grown its margins
      // for the legend and tick labels, place them again in the area it really has
      var facets = (((fig.layout || {}).meta || {}).llmx || {}).facets || [];
      var s = el._fullLayout && el._fullLayout._size;
      if (facets.length && s) {
        return Plotly.react(el, fig.data, layoutFor(el, fig, s), config);
      }
    }).then(function () { return placeLabels(el); }).then(function () {
      el.dataset.llmxDrawn = "1";  // laid out for this width: what tests wait for
    });
  }
  function drawAll() {
    document.querySelectorAll(".llmx-chart").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    new MutationObserver(drawAll).observe(document.body,
      { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    if (typeof ResizeObserver !== "undefined") {
      var pending = null;
      var ro = new ResizeObserver(function () {
        clearTimeout(pending);
        pending = setTimeout(function () {
          document.querySelectorAll(".llmx-chart").forEach(function (el) {
            if (el._llmxFigure && Math.abs(el.clientWidth - el._llmxWidth) > 40) draw(el);
          });
        }, 150);
      });
      document.querySelectorAll(".llmx-chart").forEach(function (el) { ro.observe(el); });
    }
  });
})();
