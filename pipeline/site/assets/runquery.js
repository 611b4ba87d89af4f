/* "Run this query" (issue 24): the SQL behind a chart or table, run in the reader's browser by
   DuckDB-Wasm over the page's Parquet extracts. An ES module that tables.js imports on the
   first click of a .llmx-run__button (nothing of this loads before): it fetches the page's
   blocks.json, then DuckDB-Wasm (vendored under assets/llmx/duckdb/, never a CDN), loads the
   page's Parquet files (through parquet-wasm: DuckDB-Wasm 1.32.0 has no Parquet reader of its
   own without fetching an extension from DuckDB's server), runs the page's setup, creates the
   block's `needs` and runs its SQL. The engine then reaches no file, URL or extension.
   The contract with the build: /tmp/llmx/CONTRACT.md, as written in pipeline/site (blocks.json).

   Everything that comes from the data (a model's output is hostile) reaches the page through
   textContent only. Exposed for the tests: window.llmxRunQuery.results[blockId] = {columns,
   rows, rowCount, matches, error}, and data-llmx-state on the .llmx-run div. */

const SHOW_ROWS = 1000;           // rows shown on the page
const DOWNLOAD_ROWS = 1000000;    // larger results are not downloaded
const TIMEOUT_S = 60;             // a query running longer is stopped (tests: api.timeoutSeconds)
const FILE_MESSAGE = "Browsers block the query engine's worker and the data files for a page " +
  "opened from disk (file://). Serve the site's folder instead: run `python3 -m http.server` " +
  "in it and open http://localhost:8000/ in the browser.";

const api = (window.llmxRunQuery = window.llmxRunQuery || {});
api.results = api.results || {};

// ------------------------------------------------------------------ small DOM helpers
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}
function button(cls, text) {
  const b = el("button", "md-button llmx-run__" + cls, text);
  b.type = "button";
  return b;
}
const nf = new Intl.NumberFormat("en-US");
const count = (n) => nf.format(n);

// ------------------------------------------------------------------ the page and its spec
function dir(url) { return url.endsWith("/") ? url : url + "/"; }

function pageInfo() {
  const div = document.querySelector(".llmx-sql-page");
  if (!div) return null;
  const blocksUrl = new URL(div.getAttribute("data-blocks"), document.baseURI).href;
  const duckdbUrl = dir(new URL(div.getAttribute("data-duckdb"), document.baseURI).href);
  return { blocksUrl, duckdbUrl };
}

const specs = new Map();   // blocks.json URL -> Promise<spec>
function loadSpec(page) {
  if (!specs.has(page.blocksUrl)) {
    specs.set(page.blocksUrl, fetch(page.blocksUrl).then((r) => {
      if (!r.ok) throw new Error(`Could not load this page's queries (blocks.json: HTTP ${r.status}).`);
      return r.json();
    }).then((spec) => {
      if (spec.version !== 1) throw new Error(`blocks.json version ${spec.version} is not one this page knows (1).`);
      return spec;
    }));
    specs.get(page.blocksUrl).catch(() => specs.delete(page.blocksUrl));
  }
  return specs.get(page.blocksUrl);
}

// ------------------------------------------------------------------ the engine
// One DuckDB-Wasm per page (its files and setup), shared by the page's blocks; its work is
// queued, one statement chain at a time. Cancel (or the time limit) terminates its worker:
// the next run starts a new one (the files come from the browser's cache).
let engine = null;

function getEngine(page, onProgress) {
  if (engine && !engine.dead && engine.key === page.blocksUrl) return engine;
  if (engine) kill(engine);
  const e = { key: page.blocksUrl, dead: false, worker: null, tail: Promise.resolve(), runs: new Set() };
  e.ready = start(e, page, onProgress);
  e.ready.catch(() => { if (engine === e) kill(e); });
  engine = e;
  return e;
}

function kill(e) {
  e.dead = true;
  if (e.worker) e.worker.terminate();
  if (engine === e) engine = null;
  for (const stop of e.runs) stop();
}

function alive(e) { if (e.dead) throw new Cancelled(); }
class Cancelled extends Error {}

async function start(e, page, onProgress) {
  const [duck, spec] = await Promise.all([import(page.duckdbUrl + "duckdb.mjs"), loadSpec(page)]);
  if (duck.missing) throw new Error(duck.missing);
  alive(e);
  onProgress("Starting DuckDB-Wasm " + duck.PACKAGE_VERSION + " in your browser…");
  const parquetReady = duck.initParquet({ module_or_path: page.duckdbUrl + "parquet_wasm_bg.wasm" });
  const worker = (e.worker = new Worker(page.duckdbUrl + "duckdb-browser-eh.worker.js"));
  const db = new duck.AsyncDuckDB(new duck.VoidLogger(), worker);
  await db.instantiate(page.duckdbUrl + "duckdb-eh.wasm");
  alive(e);
  await db.open({ query: { castDecimalToDouble: true } });
  const conn = await db.connect();
  // DuckDB-Wasm would fetch an extension it lacks from DuckDB's server: never from this page
  await conn.query("SET autoinstall_known_extensions = false");
  await conn.query("SET autoload_known_extensions = false");
  const bytes = spec.files.reduce((n, f) => n + (f.bytes || 0), 0);
  onProgress(`Loading this page's data (${spec.files.length} Parquet files, ${count(Math.ceil(bytes / 1024))} KB)…`);
  const buffers = await Promise.all(spec.files.map(async (f) => {
    const r = await fetch(new URL(f.name, page.blocksUrl));
    if (!r.ok) throw new Error(`Could not load ${f.name} (HTTP ${r.status}).`);
    return new Uint8Array(await r.arrayBuffer());
  }));
  await parquetReady;
  alive(e);
  // Each Parquet file becomes a table (parquet-wasm reads it into Arrow, which DuckDB-Wasm
  // imports): the one its entry names (`table`), else an internal one; and read_parquet('<name>')
  // is a macro over those tables, so SQL that reads a file by name reads it as DuckDB would
  // (DuckDB-Wasm's own reader is an extension it would fetch from DuckDB's server).
  const tables = [];
  for (let i = 0; i < spec.files.length; i++) {
    const name = spec.files[i].name;
    const table = quoteIdent(spec.files[i].table || `llmx_file_${i}`);
    let ipc;
    try { ipc = duck.readParquet(buffers[i]).intoIPCStream(); }
    catch (err) { throw new Error(`Could not read ${name}: ${message(err)}`); }
    await conn.insertArrowFromIPCStream(ipc, { name: spec.files[i].table || `llmx_file_${i}`, create: true });
    tables.push(`WHEN ${quoteString(name)} THEN ${quoteString(table)}`);
  }
  await conn.query("CREATE MACRO read_parquet(f) AS TABLE SELECT * FROM query_table(CASE f " +
    tables.join(" ") + " ELSE error('read_parquet: this page has no file ' || f) END)");
  for (const statement of spec.setup) {
    alive(e);
    try { await conn.query(statement); }
    catch (err) { throw new Error(`The page's setup failed: ${message(err)}\n${statement}`); }
  }
  // and no query of a reader's reaches a file, a URL or an extension
  await conn.query("SET enable_external_access = false");
  await conn.query("SET lock_configuration = true");
  alive(e);
  return { duck, db, conn, spec, created: new Set() };
}

// Work on the engine, one piece at a time (one connection: a block's temp tables, then its query)
function queued(e, work) {
  const next = e.tail.then(() => { alive(e); return work(); });
  e.tail = next.catch(() => {});
  return next;
}

function message(err) {
  return String(err && err.message !== undefined ? err.message : err);
}

function quoteIdent(name) { return '"' + String(name).replace(/"/g, '""') + '"'; }
function quoteString(text) { return "'" + String(text).replace(/'/g, "''") + "'"; }
function stripSql(sql) { return sql.replace(/[\s;]+$/, ""); }

// ------------------------------------------------------------------ Arrow -> JSON (the contract)
// BigInt -> Number; NaN/inf -> null; DATE/TIMESTAMP -> epoch ms; STRUCT -> object; LIST -> array
function convert(v, type, A) {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (v instanceof Date) return v.getTime();
  if (type && A.DataType.isStruct(type)) {
    const out = {};
    for (const f of type.children) out[f.name] = convert(v[f.name], f.type, A);
    return out;
  }
  if (type && (A.DataType.isList(type) || A.DataType.isFixedSizeList(type))) {
    const child = type.children[0] && type.children[0].type;
    return Array.from(v, (x) => convert(x, child, A));
  }
  if (type && A.DataType.isMap(type)) {
    const entry = type.children[0] && type.children[0].type;
    const valueType = entry && entry.children && entry.children[1] && entry.children[1].type;
    const out = {};
    for (const [k, x] of v) out[String(k)] = convert(x, valueType, A);
    return out;
  }
  if (v instanceof Uint8Array) {   // BLOB: as DuckDB prints it
    return Array.from(v, (b) => (b >= 32 && b < 127 && b !== 92 ? String.fromCharCode(b)
      : "\\x" + b.toString(16).toUpperCase().padStart(2, "0"))).join("");
  }
  if (ArrayBuffer.isView(v)) return Array.from(v, (x) => convert(x, null, A));
  if (typeof v.toJSON === "function") return convert(v.toJSON(), null, A);
  if (Array.isArray(v)) return v.map((x) => convert(x, null, A));
  if (typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v)) out[k] = convert(v[k], null, A);
    return out;
  }
  return String(v);
}

// Stream the result: every batch is counted, the first `keep` rows are converted and kept
async function collect(conn, sql, keep, A) {
  let batches;
  try {
    batches = await conn.send(sql, true);
  } catch (err) {
    // several statements cannot stream: run them at once (the last one's result is shown)
    if (!/single statement|multiple statements/i.test(message(err))) throw err;
    batches = (await conn.query(sql)).batches;
  }
  let fields = null;
  const rows = [];
  let total = 0;
  for await (const batch of batches) {
    if (!fields) fields = batch.schema.fields;
    total += batch.numRows;
    const children = fields.map((_, i) => batch.getChildAt(i));
    for (let r = 0; r < batch.numRows && rows.length < keep; r++) {
      rows.push(fields.map((f, i) => convert(children[i].get(r), f.type, A)));
    }
  }
  if (!fields) fields = (batches.schema && batches.schema.fields) || [];
  return {
    columns: fields.map((f) => f.name),
    types: fields.map((f) => f.type),
    rows,
    rowCount: total,
  };
}

// ------------------------------------------------------------------ comparing with the page
function close(a, b) { return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)); }

function same(a, b) {
  if (a === null || b === null) return a === b;
  if (typeof a === "number" && typeof b === "number") return close(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  return a === b;
}

// an order-free key for a row: numbers to 8 significant digits (within the tolerance)
function rowKey(row) {
  return JSON.stringify(row, (_, v) => (typeof v === "number" ? Number(v.toPrecision(8)) : v));
}

function show(v) {
  if (v === null) return "NULL";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// {matches, text}: the result against the block's `expected` (what the page shows)
function compare(result, expected) {
  const cols = expected.columns;
  if (result.columns.length !== cols.length || result.columns.some((c, i) => c !== cols[i])) {
    return { matches: false, text: `Not the table above: the columns differ (here: ${result.columns.join(", ")}; above: ${cols.join(", ")}).` };
  }
  const want = expected.rows;
  const n = want.length;
  if (expected.truncated ? result.rowCount < n : result.rowCount !== n) {
    return { matches: false, text: `Not the table above: ${count(result.rowCount)} rows here, ${count(n)}${expected.truncated ? " or more" : ""} above.` };
  }
  const got = result.rows.slice(0, n);
  const what = expected.truncated ? `Same first ${count(n)} rows as the table above (the page kept only those).`
    : `Same ${count(n)} row${n === 1 ? "" : "s"} as the table above.`;
  let first = null;
  for (let r = 0; r < n && first === null; r++) {
    for (let c = 0; c < cols.length; c++) {
      if (!same(got[r][c], want[r][c])) { first = [r, c]; break; }
    }
  }
  if (first === null) return { matches: true, text: what };
  // the same rows in another order (the query does not order them fully)?
  if (!expected.truncated) {
    const a = got.map(rowKey).sort(), b = want.map(rowKey).sort();
    if (a.every((k, i) => k === b[i])) return { matches: true, text: what.replace(/\.$/, ", in another order (the query does not fix the order).") };
  }
  const [r, c] = first;
  return { matches: false, text: `Not the table above: row ${r + 1}, column ${cols[c]} is ${show(got[r][c])} here and ${show(want[r][c])} above.` };
}

// ------------------------------------------------------------------ rendering a result
function cellText(v, type, A) {
  if (v === null) return "NULL";
  if (typeof v === "number" && type) {
    if (A.DataType.isDate(type)) return new Date(v).toISOString().slice(0, 10);
    if (A.DataType.isTimestamp(type)) return new Date(v).toISOString().replace("T", " ").replace(/\.000Z$|Z$/, "");
  }
  if (typeof v === "number" && !Number.isInteger(v)) return String(Number(v.toPrecision(6)));
  return show(v);
}

function renderTable(ui, result, A) {
  const table = el("table", "llmx-run__table");
  const head = table.createTHead().insertRow();
  const labels = ui.block.columns || {};
  result.columns.forEach((name) => {
    const th = el("th", "", name);
    th.scope = "col";
    if (labels[name] && labels[name] !== name) th.title = labels[name];
    head.appendChild(th);
  });
  const body = table.createTBody();
  result.rows.slice(0, SHOW_ROWS).forEach((row) => {
    const tr = body.insertRow();
    row.forEach((v, i) => {
      const td = tr.insertCell();
      td.textContent = cellText(v, result.types[i], A);
      if (typeof v === "number") td.className = "llmx-run__num";
      else if (v === null) td.className = "llmx-run__null";
      else if (td.textContent.length > 40) td.className = "llmx-run__long";
      if (typeof v === "number" && td.textContent !== String(v)) td.title = String(v);
    });
  });
  ui.scroll.replaceChildren(table);
}

// ------------------------------------------------------------------ one block's UI
const uis = new WeakMap();   // .llmx-run div -> its UI

function setState(ui, state) { ui.box.setAttribute("data-llmx-state", state); }
function say(ui, text, kind) {
  ui.status.textContent = text;
  ui.status.className = "llmx-run__status" + (kind ? " llmx-run__status--" + kind : "");
}

function record(ui, fields) {
  api.results[ui.id] = Object.assign({ columns: [], rows: [], rowCount: 0, matches: null, error: null }, fields);
}

function buildUi(box, block, spec) {
  const ui = { box, block, spec, id: block.id, run: null, last: null };
  const panel = el("div", "llmx-run__panel");
  const notes = el("div", "llmx-run__notes");
  if (!block.reproducible) {
    notes.appendChild(el("p", "llmx-run__note llmx-run__note--warn",
      "The build could not re-run this block from the page's data extracts, so the result may differ from the page: " + (block.reason || "no reason given") + "."));
  }
  if (block.stats && block.stats.length) {
    const names = block.stats.map((s) => `${s}${spec.functions && spec.functions[s] ? ` (${spec.functions[s]})` : ""}`);
    notes.appendChild(el("p", "llmx-run__note",
      `Statistics: ${names.join(", ")}. These ran in Python (statsmodels, SciPy, scikit-learn) when the site was built; ` +
      "here the browser looks up their values for the inputs this page used, so an edited query that gives them new inputs stops with a message naming the function."));
  }
  if (block.precomputed && block.precomputed.length) {
    notes.appendChild(el("p", "llmx-run__note",
      `Computed when the site was built: ${block.precomputed.join(", ")}. ` +
      "These named queries call DuckDB's json functions, which DuckDB-Wasm would fetch from DuckDB's server; " +
      "their rows ship with the page as tables of the same name, and everything above them runs here."));
  }
  if (block.needs && block.needs.length) {
    notes.appendChild(el("p", "llmx-run__note",
      `Runs first, in this order: ${block.needs.join(", ")} (the page's named queries this one reads).`));
  }
  panel.appendChild(notes);
  const label = el("label", "llmx-run__label", "SQL (edit it and run again; Ctrl+Enter runs)");
  ui.sql = el("textarea", "llmx-run__sql");
  ui.sql.spellcheck = false;
  ui.sql.value = block.sql;
  ui.sql.rows = Math.min(14, Math.max(3, block.sql.split("\n").length + 1));
  ui.sql.setAttribute("aria-label", "SQL of this block");
  label.appendChild(ui.sql);
  panel.appendChild(label);
  const actions = el("div", "llmx-run__actions");
  ui.runButton = button("go", "Run");
  ui.cancelButton = button("cancel", "Cancel");
  ui.resetButton = button("reset", "Reset SQL");
  ui.csvButton = button("csv", "Download CSV");
  ui.parquetButton = button("parquet", "Download Parquet");
  ui.cancelButton.disabled = true;
  ui.csvButton.disabled = ui.parquetButton.disabled = true;
  actions.append(ui.runButton, ui.cancelButton, ui.resetButton, ui.csvButton, ui.parquetButton);
  panel.appendChild(actions);
  ui.status = el("p", "llmx-run__status");
  ui.status.setAttribute("role", "status");
  ui.status.setAttribute("aria-live", "polite");
  ui.compare = el("p", "llmx-run__compare");
  ui.error = el("pre", "llmx-run__error");
  ui.error.hidden = true;
  ui.scroll = el("div", "llmx-run__scroll");
  ui.scroll.tabIndex = 0;
  ui.scroll.setAttribute("aria-label", "Query result");
  panel.append(ui.status, ui.compare, ui.error, ui.scroll);
  box.appendChild(panel);

  ui.runButton.addEventListener("click", () => run(ui));
  ui.cancelButton.addEventListener("click", () => cancel(ui, "Cancelled."));
  ui.resetButton.addEventListener("click", () => { ui.sql.value = block.sql; ui.sql.focus(); });
  ui.csvButton.addEventListener("click", () => download(ui, "csv"));
  ui.parquetButton.addEventListener("click", () => download(ui, "parquet"));
  ui.sql.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(ui); }
  });
  return ui;
}

function busy(ui, on) {
  ui.runButton.disabled = on;
  ui.cancelButton.disabled = !on;
  ui.csvButton.disabled = ui.parquetButton.disabled = on || !ui.last;
}

function fail(ui, text, fields) {
  ui.error.textContent = text;
  ui.error.hidden = false;
  say(ui, "The query stopped with an error:", "error");
  record(ui, Object.assign({ error: text }, fields || {}));
  setState(ui, "error");
}

// Stop whatever this block is doing: its engine's worker is terminated (every query on it stops)
function cancel(ui, text) {
  const current = ui.run;
  if (!current) return;
  current.stopped = text;
  if (current.engine) kill(current.engine);
  else current.finish();
}

async function run(ui) {
  if (ui.run) return;
  const page = ui.page;
  const sql = ui.sql.value;
  const edited = stripSql(sql) !== stripSql(ui.block.sql);
  const current = { stopped: null, engine: null, timer: null };
  ui.run = current;
  busy(ui, true);
  setState(ui, "running");
  ui.error.hidden = true;
  ui.compare.textContent = "";
  say(ui, engine && !engine.dead ? "Running…" : "Loading DuckDB-Wasm (about 8 MB, once)…");
  const stopped = new Promise((resolve) => { current.finish = resolve; });
  const t0 = performance.now();
  try {
    const e = getEngine(page, (text) => { if (ui.run === current) say(ui, text); });
    current.engine = e;
    e.runs.add(current.finish);
    const ready = await Promise.race([e.ready, stopped]);
    if (current.stopped || !ready) throw new Cancelled();
    say(ui, "Running…");
    const limit = api.timeoutSeconds || TIMEOUT_S;
    current.timer = setTimeout(() => cancel(ui, `Stopped after ${limit} s: the query ran too long (the engine was stopped; Run starts it again).`), limit * 1000);
    const { conn, spec, created, duck } = ready;
    const keep = Math.max(SHOW_ROWS, ui.block.expected && !edited ? ui.block.expected.rows.length : 0);
    const work = queued(e, async () => {
      for (const name of ui.block.needs || []) {
        if (created.has(name)) continue;
        const q = spec.queries.find((x) => x.name === name);
        if (!q) throw new Error(`blocks.json names no query "${name}" (a need of this block).`);
        await conn.query(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} AS ${q.sql}`);
        created.add(name);
      }
      alive(e);
      return collect(conn, sql, keep, duck);
    });
    const result = await Promise.race([work, stopped]);
    if (current.stopped || !result) throw new Cancelled();
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    renderTable(ui, result, duck);
    say(ui, result.rowCount > SHOW_ROWS
      ? `${count(result.rowCount)} rows; showing the first ${count(SHOW_ROWS)} (${seconds} s).`
      : `${count(result.rowCount)} row${result.rowCount === 1 ? "" : "s"} (${seconds} s).`, "ok");
    let matches = null;
    if (!edited && ui.block.expected) {
      const verdict = compare(result, ui.block.expected);
      matches = verdict.matches;
      ui.compare.textContent = verdict.text;
      ui.compare.className = "llmx-run__compare llmx-run__compare--" + (matches ? "same" : "differs");
    } else {
      ui.compare.textContent = edited ? "Edited query: not compared with the table above." : "";
      ui.compare.className = "llmx-run__compare";
    }
    ui.last = { sql, rowCount: result.rowCount, engine: e };
    record(ui, { columns: result.columns, rows: result.rows, rowCount: result.rowCount, matches });
    setState(ui, "done");
  } catch (err) {
    if (current.stopped || err instanceof Cancelled) {
      ui.last = null;
      say(ui, current.stopped || "Cancelled: the query engine was stopped (Run starts it again).", "error");
      record(ui, { error: current.stopped || "cancelled" });
      setState(ui, "cancelled");
    } else {
      fail(ui, message(err));
    }
  } finally {
    clearTimeout(current.timer);
    if (current.engine) current.engine.runs.delete(current.finish);
    ui.run = null;
    busy(ui, false);
  }
}

// CSV: every value as DuckDB writes it as text (COLUMNS(*)::VARCHAR), quoted where it must be
function csvField(v) {
  if (v === null || v === undefined) return "";
  const text = String(v);
  return /[",\r\n]|^\s|\s$/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

async function toCsv(conn, sql) {
  const table = await conn.query(`SELECT COLUMNS(*)::VARCHAR FROM (\n${sql}\n) AS llmx_result`);
  const names = table.schema.fields.map((f) => f.name);
  const lines = [names.map(csvField).join(",")];
  for (const batch of table.batches) {
    const cols = names.map((_, i) => batch.getChildAt(i));
    for (let r = 0; r < batch.numRows; r++) lines.push(cols.map((c) => csvField(c.get(r))).join(","));
  }
  return new TextEncoder().encode(lines.join("\r\n") + "\r\n");
}

// Parquet: DuckDB's Arrow result, written by parquet-wasm
async function toParquet(conn, sql, duck) {
  const table = await conn.query(sql);
  return duck.writeParquet(duck.ParquetTable.fromIPCStream(duck.tableToIPC(table, "stream")));
}

async function download(ui, kind) {
  const last = ui.last;
  if (!last || ui.run) return;
  if (last.engine.dead) {
    say(ui, "Run the query again before downloading (its engine was stopped).", "error");
    return;
  }
  if (last.rowCount > DOWNLOAD_ROWS) {
    say(ui, `${count(last.rowCount)} rows: downloads stop at ${count(DOWNLOAD_ROWS)} rows. Narrow the query (a WHERE, a LIMIT or an aggregate) and run it again.`, "error");
    return;
  }
  const e = last.engine;
  busy(ui, true);
  say(ui, `Preparing the ${kind === "csv" ? "CSV" : "Parquet"} file…`);
  try {
    const { conn, duck } = await e.ready;
    const sql = stripSql(last.sql);
    const bytes = await queued(e, () => (kind === "csv" ? toCsv(conn, sql) : toParquet(conn, sql, duck)));
    const blob = new Blob([bytes], { type: kind === "csv" ? "text/csv" : "application/vnd.apache.parquet" });
    const a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = `query-${ui.id}.${kind}`;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    say(ui, `Downloaded ${count(last.rowCount)} row${last.rowCount === 1 ? "" : "s"} as ${kind === "csv" ? "CSV" : "Parquet"}.`, "ok");
  } catch (err) {
    say(ui, `The download failed: ${message(err)}`, "error");
  } finally {
    busy(ui, false);
  }
}

// ------------------------------------------------------------------ the entry point
// tables.js calls this with the clicked .llmx-run__button (every click; the first loads us)
export async function click(trigger) {
  const box = trigger.closest(".llmx-run");
  if (!box) return;
  const existing = uis.get(box);
  if (existing) {   // the panel is open: the button runs the block again
    if (existing.ui) run(existing.ui);
    return;
  }
  const note = el("p", "llmx-run__status");
  const id = Number(box.getAttribute("data-llmx-block"));
  const tell = (text) => {
    note.textContent = text;
    note.className = "llmx-run__status llmx-run__status--error";
    if (!note.parentNode) box.appendChild(note);
    record({ id }, { error: text });
    box.setAttribute("data-llmx-state", "error");
  };
  if (location.protocol === "file:") { tell(FILE_MESSAGE); return; }
  const page = pageInfo();
  if (!page) { tell("This page has no queries to run (its .llmx-sql-page is missing)."); return; }
  const entry = { ui: null };
  uis.set(box, entry);
  box.setAttribute("data-llmx-state", "running");
  trigger.disabled = true;
  let spec;
  try {
    spec = await loadSpec(page);
  } catch (err) {
    uis.delete(box);
    trigger.disabled = false;
    tell(message(err));
    return;
  }
  const block = spec.blocks.find((b) => b.id === id);
  if (!block) { uis.delete(box); trigger.disabled = false; tell(`blocks.json has no block ${id}.`); return; }
  note.remove();
  entry.ui = buildUi(box, block, spec);
  entry.ui.page = page;
  trigger.hidden = true;   // the panel's own Run button takes over
  run(entry.ui);
}
