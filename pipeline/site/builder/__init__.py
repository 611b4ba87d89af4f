"""One site build for every generator (`session.BuildSession`): options, snapshot, caches,
front matter and series, generated pages, headlines, assets and outputs. Imports the render
core, never an adapter or a site generator."""
