/* What a reader sees, measured in the browser: returns a list of faults on the open page.
   Evaluated by tests/site/test_layout.py as `(opts) => {...}` after every chart has drawn.

   A fault is a string naming the page element and what is wrong with it:
   - "table N: cut": a table wider than its box (columns hidden behind a scroll) where
     opts.tablesMustFit (the laptop width);
   - "page: wider than the screen": the page itself scrolls sideways;
   - "chart N (title): clipped label 'text'": an axis, tick, legend, colour-bar or facet label
     drawn outside the chart's box or the screen;
   - "chart N: overprint 'a' / 'b'": two labels (titles, facet titles, tick labels of one
     axis, axis titles, the legend) drawn over each other;
   - "chart N: colour #xxxxxx drawn, not in the legend": a colour (and pattern) used by a
     trace that no legend entry shows, on a chart with more than one colour;
   - "chart N: line with 1 point(s)";
   - "chart N: plot area W×H px": a plot squashed below opts.minPlot px. */
(opts) => {
  const faults = [];
  const vw = document.documentElement.clientWidth;
  const tol = 1.5;
  const box = (el) => el.getBoundingClientRect();
  const inside = (r, o) => r.left >= o.left - tol && r.right <= o.right + tol &&
    r.top >= o.top - tol && r.bottom <= o.bottom + tol;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
  const visible = (r) => r.width > 0.5 && r.height > 0.5;
  // a label's drawn outline, rotation included: the four corners of its box on the screen
  const quad = (el) => {
    const b = el.getBBox(), m = el.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height],
            [b.x, b.y + b.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
  };
  // two convex outlines overlap (by more than tol px) unless an edge normal separates them
  const quadsOverlap = (p, q) => {
    for (const poly of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const a = poly[i], b = poly[(i + 1) % 4];
        const nx = b.y - a.y, ny = a.x - b.x, len = Math.hypot(nx, ny) || 1;
        const proj = (pts) => pts.map((pt) => (pt.x * nx + pt.y * ny) / len);
        const pp = proj(p), qq = proj(q);
        if (Math.min(Math.max(...pp), Math.max(...qq)) - Math.max(Math.min(...pp), Math.min(...qq)) <= tol) return false;
      }
    }
    return true;
  };
  const quadInside = (q, o) => q.every((pt) => pt.x >= o.left - tol && pt.x <= o.right + tol &&
    pt.y >= o.top - tol && pt.y <= o.bottom + tol);
  const text = (el) => (el.textContent || "").trim().slice(0, 60);

  if (document.documentElement.scrollWidth > vw + 1) {
    faults.push(`page: wider than the screen (${document.documentElement.scrollWidth} > ${vw} px)`);
  }
  document.querySelectorAll(".md-content table").forEach((t, i) => {
    // the boxes that show the table: every element from the table up to the page's content
    // that clips or scrolls what overflows it; what a reader sees is inside all of them
    const clips = [];
    for (let el = t; el && !el.classList.contains("md-content"); el = el.parentElement) {
      if (getComputedStyle(el).overflowX !== "visible") clips.push(el);
    }
    const cutBy = clips.find((el) => el.scrollWidth > el.clientWidth + 1);
    if (opts.tablesMustFit && cutBy) {
      const head = t.querySelector("th");
      faults.push(`table ${i} (${head ? text(head) : "no header"}): cut, ` +
                  `${cutBy.scrollWidth} px in ${cutBy.clientWidth} px`);
    }
    const right = Math.min(box(t).right, ...clips.map((el) => box(el).right));
    if (right > vw + tol) faults.push(`table ${i}: runs off the screen`);
  });

  document.querySelectorAll(".llmx-chart").forEach((gd, n) => {
    const fig = gd.closest("figure");
    const titleEl = fig && fig.querySelector(".llmx-chart__title");
    const name = `chart ${n} (${titleEl ? text(titleEl) : gd.id})`;
    const svg = gd.querySelector("svg.main-svg");
    if (!svg || !gd._fullLayout) { faults.push(`${name}: not drawn`); return; }
    const frame = box(gd);
    const screen = { left: 0, right: vw, top: -1e9, bottom: 1e9 };
    // every label plotly drew: [group, element]
    const groups = [
      ["xtick", ".xtick text"], ["ytick", ".ytick text"],
      ["xtitle", ".g-xtitle text, [class^='g-x'][class$='title'] text"],
      ["ytitle", ".g-ytitle text, [class^='g-y'][class$='title'] text"],
      ["annotation", ".annotation-text-g text"], ["legend", ".legend .legendtext"],
      ["legend", ".legend .legendtitletext"], ["colorbar", ".colorbar text"],
      ["title", ".gtitle"], ["pointtext", ".textpoint text"],
    ];
    const labels = [];
    groups.forEach(([group, sel]) => {
      gd.querySelectorAll(sel).forEach((el) => {
        const r = box(el);
        if (visible(r) && text(el)) labels.push({ group, el, r, q: quad(el) });
      });
    });
    const seen = new Set();
    labels.forEach((l) => {
      if ((!quadInside(l.q, frame) || !quadInside(l.q, screen)) && !seen.has(l.el)) {
        seen.add(l.el);
        faults.push(`${name}: clipped label '${text(l.el)}'`);
      }
    });
    // overprint: any two labels of different groups, and tick labels of one axis
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i], b = labels[j];
        if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
        if (a.group === "legend" && b.group === "legend") continue;  // laid out by plotly
        if (a.group === "colorbar" && b.group === "colorbar") continue;
        if (a.group === b.group && (a.group === "xtick" || a.group === "ytick") &&
            a.el.parentNode.parentNode !== b.el.parentNode.parentNode) continue;  // other axes
        if (overlap(a.r, b.r) && quadsOverlap(a.q, b.q)) {
          faults.push(`${name}: overprint '${text(a.el)}' / '${text(b.el)}'`);
        }
      }
    }
    // the legend box never lies over a plot area
    const legendBox = gd.querySelector(".legend .bg");
    if (legendBox) {
      const lr = box(legendBox);
      gd.querySelectorAll(".subplot .bg, .nsewdrag").forEach((p) => {
        if (overlap(lr, box(p))) faults.push(`${name}: overprint legend / plot area`);
      });
    }
    // every colour drawn is in the legend
    const data = gd._fullData || [];
    const key = (c, p) => `${String(c).toLowerCase()}${p ? " pattern " + p : ""}`;
    const drawn = new Set(), legend = new Set();
    let longest = -1;  // points of the longest line drawn (-1: no line)
    data.forEach((t) => {
      if (t.visible === false || t.type === "heatmap") return;
      const m = t.marker || {};
      const colours = Array.isArray(m.color) ? m.color : [m.color || (t.line || {}).color];
      const pattern = (m.pattern || {}).shape;
      colours.forEach((c) => {
        if (c === undefined || c === null) return;
        drawn.add(key(c, Array.isArray(pattern) ? "" : pattern));
        if (t.showlegend && !Array.isArray(m.color)) legend.add(key(c, pattern));
      });
      if ((t.mode || "").includes("lines")) longest = Math.max(longest, (t.y || []).length);
    });
    if (longest >= 0 && longest < 2) faults.push(`${name}: line with ${longest} point(s)`);
    if (drawn.size > 1) {
      drawn.forEach((c) => { if (!legend.has(c)) faults.push(`${name}: colour ${c} drawn, not in the legend`); });
    }
    // a plot area a reader can read
    const fl = gd._fullLayout;
    Object.keys(fl).filter((k) => /^[xy]axis\d*$/.test(k)).forEach((k) => {
      const len = fl[k]._length;
      if (len !== undefined && len < opts.minPlot) {
        faults.push(`${name}: ${k} only ${Math.round(len)} px long`);
      }
    });
  });
  return faults;
}
