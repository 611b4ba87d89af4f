// What runquery.js (the "Run this query" UI) needs from DuckDB-Wasm, Apache Arrow and
// parquet-wasm; build.sh bundles this with the three packages into one ES module, duckdb.mjs
// (served as assets/llmx/duckdb/duckdb.mjs, loaded on a reader's first click only).
//
// Why parquet-wasm: DuckDB-Wasm 1.32.0 (DuckDB 1.4.3) does not link DuckDB's Parquet reader and
// writer in; it downloads them at run time as an extension from DuckDB's extension server, which
// a page of this site must never call (and whose files no package registry ships). So the
// page's Parquet files are read by parquet-wasm into Arrow, which DuckDB-Wasm imports natively
// (runquery.js: read_parquet('x.parquet') is a macro over those tables), and a result is
// written as Parquet by parquet-wasm from DuckDB's Arrow result.
export {
  AsyncDuckDB,
  AsyncDuckDBConnection,
  ConsoleLogger,
  VoidLogger,
  LogLevel,
  DuckDBDataProtocol,
  PACKAGE_VERSION,
} from "@duckdb/duckdb-wasm";
export { Type, DataType, tableToIPC } from "apache-arrow";
export {
  default as initParquet,
  readParquet,
  writeParquet,
  Table as ParquetTable,
} from "parquet-wasm/esm";
