"""answer_in_language on replies a small model writes: right answer in the right language,
the right answer in the wrong language, a distractor, hedges, short or empty replies, and
base-model continuations. The detector is the real bundled lid.176 model (offline)."""

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext, scorers
from pipeline.scoring import multilingual as ml

FRIDAY = {"kind": "word", "answer": "Friday",
          "aliases": {"en": ["Friday"], "de": ["Freitag"], "fr": ["vendredi"],
                      "es": ["viernes"], "it": ["venerdì"], "pt": ["sexta-feira"],
                      "nl": ["vrijdag"]},
          "reject": {"en": ["Thursday"], "de": ["Donnerstag"], "fr": ["jeudi"],
                     "es": ["jueves"], "it": ["giovedì"], "pt": ["quinta-feira"],
                     "nl": ["donderdag"]}}
HEADCOUNT = {"kind": "number", "answer": "412", "aliases": {}, "reject": {"*": ["87"]}}
MANAGER = {"kind": "name", "answer": "Imke Dallow", "aliases": {"*": ["Dallow"]},
           "reject": {"*": ["Lev Tamborin", "Tamborin"]}}


def score(expected, output, language="fr", passage_language="de"):
    case = Case(id="c1", input={"passage": "…", "question": "?", "language": language,
                                "passage_language": passage_language,
                                "language_name": ml.LANGUAGES[language]},
                expected=expected)
    return scorers.get("answer_in_language")(case, output, ScoringContext())


@pytest.mark.parametrize(("language", "output"), [
    ("fr", "La revue budgétaire de Norrvik Textiles a lieu désormais le vendredi."),
    ("de", "Die Budgetbesprechung findet jetzt am Freitag statt."),
    ("es", "La revisión del presupuesto se celebra ahora el viernes."),
    ("pt", "A revisão do orçamento acontece agora na sexta-feira."),
    ("nl", "De budgetbespreking vindt nu op vrijdag plaats."),
    ("en", "The budget review is now held on Friday.\n\nQuestion: Who leads the team?"),
])
def test_right_answer_in_the_right_language(language, output):
    s = score(FRIDAY, output, language=language)
    assert s.passed and s.failure_mode is None
    assert s.metrics == {"correct": 1.0, "answer_correct": 1.0, "language_correct": 1.0,
                         "language_determined": 1.0}
    assert s.detail["language_detected"] == language


def test_right_answer_in_the_wrong_language():
    s = score(FRIDAY, "Die Budgetbesprechung findet jetzt am Freitag statt.", language="fr")
    assert not s.passed and s.failure_mode == "wrong_language"
    assert s.metrics["answer_correct"] == 1.0 and s.metrics["language_correct"] == 0.0
    assert s.metrics["correct"] == 0.0 and s.detail["language_detected"] == "de"


def test_the_distractor_in_the_right_language_is_a_wrong_answer():
    s = score(FRIDAY, "La revue budgétaire a lieu désormais le jeudi.", language="fr")
    assert s.failure_mode == "wrong_answer"
    assert s.metrics["answer_correct"] == 0.0 and s.metrics["language_correct"] == 1.0


def test_naming_both_days_is_a_hedge_not_an_answer():
    s = score(FRIDAY, "La revue a été déplacée du jeudi au vendredi.", language="fr")
    assert s.failure_mode == "wrong_answer" and s.detail["rejected_named"] == ["jeudi"]


def test_wrong_answer_in_the_wrong_language_is_both():
    s = score(FRIDAY, "Die Budgetbesprechung findet jetzt am Donnerstag statt.", language="it")
    assert s.failure_mode == "both"
    assert s.metrics["answer_correct"] == 0.0 and s.metrics["language_correct"] == 0.0


def test_the_word_copied_from_the_passage_counts_as_the_answer():
    # passage in German, answer in Dutch: "Freitag" is right content, the sentence is Dutch
    s = score(FRIDAY, "De budgetbespreking van het bedrijf vindt nu op Freitag plaats.",
              language="nl", passage_language="de")
    assert s.metrics["answer_correct"] == 1.0


def test_a_word_from_an_unrelated_language_is_not_accepted():
    # only the target's and the passage's forms count (plus the canonical English one)
    s = score(FRIDAY, "De budgetbespreking vindt nu op viernes plaats.", language="nl",
              passage_language="de")
    assert s.metrics["answer_correct"] == 0.0


@pytest.mark.parametrize("output", ["", "   \n\n  "])
def test_empty(output):
    s = score(FRIDAY, output)
    assert s.failure_mode == "empty" and s.metrics["correct"] == 0.0
    assert "language_correct" not in s.metrics


@pytest.mark.parametrize("output", ["Vendredi.", "Friday", "412", "Imke Dallow"])
def test_short_replies_are_undetermined_not_wrong(output):
    expected = MANAGER if "Dallow" in output else HEADCOUNT if output == "412" else FRIDAY
    s = score(expected, output, language="fr")
    assert s.detail["language_detected"] == ml.UNDETERMINED
    assert "language_correct" not in s.metrics
    assert s.metrics["language_determined"] == 0.0
    assert s.passed and s.metrics["correct"] == 1.0


def test_close_languages_below_the_margin_are_undetermined():
    # lid.176 says es 0.59 / pt 0.32 for this Portuguese sentence: not judged
    s = score(HEADCOUNT | {"answer": "120", "reject": {}},
              "A licença custa 120 euros por utilizador.", language="pt")
    assert s.detail["language_detected"] == ml.UNDETERMINED and s.passed


def test_numbers_are_language_neutral():
    s = score(HEADCOUNT, "Im Werk Kelbrook arbeiten 412 Menschen.", language="de")
    assert s.passed
    s = score(HEADCOUNT, "Dans l'usine de Kelbrook travaillent 87 personnes.", language="fr")
    assert s.failure_mode == "wrong_answer"


def test_names_by_surname_and_distractor_name():
    assert score(MANAGER, "Le responsable de l'équipe logistique est Monsieur Dallow.").passed
    s = score(MANAGER, "C'est Lev Tamborin qui dirige l'équipe logistique.")
    assert s.failure_mode == "wrong_answer"


def test_only_the_first_line_is_judged():
    s = score(FRIDAY, "La revue a lieu le jeudi.\nNon, pardon : elle a lieu le vendredi.")
    assert s.failure_mode == "wrong_answer"


def test_metrics_are_declared():
    declared = {m.name for m in scorers.get("answer_in_language").metrics}
    assert declared == {"correct", "answer_correct", "language_correct", "language_determined"}


def test_declared_languages_are_labels_of_the_detector():
    assert set(ml.LANGUAGES) <= ml.detector_languages()
    assert len(ml.detector_languages()) == 176
