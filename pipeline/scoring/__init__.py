"""Scorers, registered by name. Importing this package registers the built-in ones."""

from pipeline.scoring import answer_match as _answer_match  # noqa: F401  (answer_match)
from pipeline.scoring import case_checks as _case_checks  # noqa: F401  (answer_in_passage)
from pipeline.scoring import json_schema as _json_schema  # noqa: F401  (registers json_fields)
from pipeline.scoring.base import Metric, Score, Scorer, ScoringContext, scorer, scorers

__all__ = ["Metric", "Score", "Scorer", "ScoringContext", "scorer", "scorers"]
