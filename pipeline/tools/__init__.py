"""Command-line tools that prepare inputs for the engines (run as `python -m pipeline.tools.X`)."""
