"""Scorers, registered by name. Importing this package registers the built-in ones."""

from pipeline.scoring import answer_match as _answer_match  # noqa: F401  (answer_match)
from pipeline.scoring import case_checks as _case_checks  # noqa: F401  (answer_in_passage)
from pipeline.scoring import classification as _classification  # noqa: F401  (label_match)
from pipeline.scoring import code_tests as _code_tests  # noqa: F401  (unit_tests)
from pipeline.scoring import compliance as _compliance  # noqa: F401  (compliance_verdict)
from pipeline.scoring import extraction as _extraction  # noqa: F401  (extraction_f1)
from pipeline.scoring import function_call as _function_call  # noqa: F401  (function_call)
from pipeline.scoring import grounding as _grounding  # noqa: F401  (grounded_answer)
from pipeline.scoring import json_schema as _json_schema  # noqa: F401  (json_fields)
from pipeline.scoring import multi_turn as _multi_turn  # noqa: F401  (multi_turn)
from pipeline.scoring import multilingual as _multilingual  # noqa: F401  (answer_in_language)
from pipeline.scoring import summary_facts as _summary_facts  # noqa: F401  (summary_facts)
from pipeline.scoring.base import (
    PASSED,
    Metric,
    Needs,
    Outcome,
    Score,
    Scorer,
    ScoringContext,
    scorer,
    scorers,
)

__all__ = ["PASSED", "Metric", "Needs", "Outcome", "Score", "Scorer", "ScoringContext", "scorer",
           "scorers"]
