"""The MkDocs adapter of the render core: the `pipeline` plugin (`plugin.py`) and its options
(`config.py`). Everything generator-independent (front matter, series, generated pages,
assets) lives in the core (`pipeline.site.staging`, `pipeline.site.render`)."""
