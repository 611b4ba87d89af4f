"""Exporters: results.duckdb written out in other projects' formats (read-only on the store).

- `pipeline.exporters.eee.export_eee`: Every Eval Ever (EEE) aggregate and instance-level
  records, the layout and schemas of the `every-eval-ever` package (0.3.0).
"""
