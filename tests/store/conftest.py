"""Fixtures of the run-management tests (see runs_kit.py)."""

from runs_kit import experiment, run_args  # noqa: F401 - fixtures pytest finds here
