"""The render core: a page's Markdown + a DuckDB connection -> Markdown with results
(named queries, components, inline values, formatting, escaping, the query and component
cache). Imports no site generator and nothing of `pipeline.site.builder` or `adapters`."""
