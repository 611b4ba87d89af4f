#!/bin/sh
# Vendors DuckDB-Wasm for the "Run this query" button (pipeline/site/assets/runquery.js), from
# the npm packages pinned in package-lock.json here (@duckdb/duckdb-wasm 1.32.0 with its
# apache-arrow, parquet-wasm 0.8.0 to read and write Parquet (entry.mjs says why), esbuild to
# bundle them). Run by `make` (the target .cache/duckdb-wasm/dist/.ok,
# a prerequisite of `make site` and `make test`); by hand:
#
#     sh pipeline/site/assets/duckdb/build.sh          (needs node >= 20 and npm)
#
# `npm ci` installs exactly the locked tarballs (their sha512 integrity checked) into the cache
# folder, never into this package tree. Written to .cache/duckdb-wasm/dist/ (ignored by git,
# never in the Python package: the wasm alone is about 30 MB), which the site build copies to
# assets/llmx/duckdb/ of every site:
#   duckdb.mjs                     entry.mjs with DuckDB-Wasm's browser API, apache-arrow and
#                                  parquet-wasm's bindings, one minified ES module
#   duckdb-browser-eh.worker.js    the worker of the single-threaded "eh" build (no
#   duckdb-eh.wasm                 cross-origin isolation needed: any static host serves it)
#   parquet_wasm_bg.wasm           parquet-wasm (Rust's arrow and parquet crates)
#   LICENSES.txt                   LICENSES.txt here, plus the licence of every npm package
#                                  bundled into duckdb.mjs
# A build without this folder still succeeds; its button then says DuckDB-Wasm was not bundled.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
cache=${LLMX_DUCKDB_CACHE:-$root/.cache/duckdb-wasm}
work="$cache/npm"
dist="$cache/dist"
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/entry.mjs" "$work/"
cd "$work"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
pkg=node_modules/@duckdb/duckdb-wasm
version=$(node -p "require('./$pkg/package.json').version")
[ "$version" = 1.32.0 ] || { echo "build.sh: @duckdb/duckdb-wasm is $version, not 1.32.0" >&2; exit 1; }
tmp="$cache/dist.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
./node_modules/.bin/esbuild entry.mjs --bundle --minify --format=esm --platform=browser \
    --target=es2020 --legal-comments=none --log-level=warning \
    --banner:js="/* DuckDB-Wasm $version (MIT) with apache-arrow (Apache-2.0), bundled by pipeline/site/assets/duckdb/build.sh; licences: LICENSES.txt */" \
    --metafile="$cache/meta.json" --outfile="$tmp/duckdb.mjs"
cp "$pkg/dist/duckdb-browser-eh.worker.js" "$pkg/dist/duckdb-eh.wasm" "$tmp/"
cp node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm "$tmp/"
# the licences: ours (DuckDB-Wasm and DuckDB, whose npm package ships none), then each bundled
# package's own licence file, as it ships it
{
  cat "$here/LICENSES.txt"
  node -e '
    const fs = require("fs"), path = require("path");
    const meta = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const pkgs = new Set();
    for (const f of Object.keys(meta.inputs)) {
      const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
      if (m) pkgs.add(m[1]);
    }
    for (const p of [...pkgs].sort()) {
      if (p === "@duckdb/duckdb-wasm") continue;
      const dir = path.join("node_modules", p);
      const info = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      const lics = fs.readdirSync(dir).filter(n => /^licen[cs]e/i.test(n)).sort();
      if (!lics.length) { console.error("build.sh: " + p + " ships no licence file"); process.exit(1); }
      const what = p === "parquet-wasm" ? "bundled into duckdb.mjs and parquet_wasm_bg.wasm"
        : "bundled into duckdb.mjs";
      for (const lic of lics)
        process.stdout.write("\n\n" + "=".repeat(78) + "\n" + p + " " + info.version +
          " (" + info.license + "), " + what + ": its " + lic + "\n" +
          "=".repeat(78) + "\n\n" + fs.readFileSync(path.join(dir, lic), "utf8"));
    }' "$cache/meta.json"
} > "$tmp/LICENSES.txt"
rm -rf "$dist"
mv "$tmp" "$dist"
touch "$dist/.ok"
for f in duckdb.mjs duckdb-browser-eh.worker.js duckdb-eh.wasm parquet_wasm_bg.wasm; do
  printf '%s: %s bytes, %s gzipped\n' "$f" "$(wc -c < "$dist/$f")" "$(gzip -6c "$dist/$f" | wc -c)"
done
