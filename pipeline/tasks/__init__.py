"""Tasks: named steps between an experiment definition and its scorer (see steps.py)."""
