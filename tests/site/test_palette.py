"""The site's fixed colours (pipeline/site/core/palette.py)."""

from pipeline.site.core.palette import MODEL_COLOURS, OTHER_COLOURS, SUCCESS_COLOUR, Model, Palette

MODELS = [Model("smollm2-135m", "SmolLM2 135M Instruct"),
          Model("gemma3-270m", "Gemma 3 270M (base)"),
          Model("qwen2.5-coder-1.5b", "Qwen2.5 Coder 1.5B Instruct"),
          Model("smollm2-135m-pycode-lora", "SmolLM2 135M Instruct + pycode LoRA",
                "smollm2-135m")]


def test_a_model_keeps_its_colour_whatever_the_chart_calls_it_or_draws_beside_it():
    p = Palette(MODELS)
    first = p.colours(["smollm2-135m", "gemma3-270m"])
    second = p.colours(["Qwen2.5 Coder 1.5B Instruct", "recall", "SmolLM2 135M Instruct"])
    third = p.colours(["Gemma 3 270M"])
    assert first["smollm2-135m"]["color"] == second["SmolLM2 135M Instruct"]["color"]
    assert first["gemma3-270m"]["color"] == third["Gemma 3 270M"]["color"]
    # base models in id order take the model palette; a registry in another order: the same
    assert p.colour_of("gemma3-270m") == MODEL_COLOURS[0]
    assert Palette(list(reversed(MODELS))).colour_of("gemma3-270m") == MODEL_COLOURS[0]
    # a label that names no model never takes a model's colour
    assert second["recall"]["color"] not in MODEL_COLOURS


def test_variants_and_adapters_are_shades_of_their_model():
    p = Palette(MODELS)
    c = p.colours(["smollm2-135m", "smollm2-135m · engine v1", "smollm2-135m-pycode-lora",
                   "SmolLM2 135M Instruct + pycode LoRA · sampled"])
    colours = [v["color"] for v in c.values()]
    assert c["smollm2-135m"]["color"] == p.colour_of("smollm2-135m")
    assert len(set(colours)) == len(colours)  # each variant tells apart
    assert p.model_of("smollm2-135m-pycode-lora") == "smollm2-135m"
    assert p.model_of("Gemma 3 270M · Enf. v1") == "gemma3-270m"
    assert p.model_of("precision") is None


def test_many_labels_never_look_alike_and_success_is_green():
    p = Palette(MODELS)
    labels = ["pass"] + [f"failure {i}" for i in range(30)]
    c = p.colours(labels)
    assert c["pass"]["color"] == SUCCESS_COLOUR
    looks = [(v["color"], v["pattern"]) for v in c.values()]
    assert len(set(looks)) == len(looks)
    assert all(v["color"] in OTHER_COLOURS for v in c.values())
    assert SUCCESS_COLOUR not in {v["color"] for k, v in c.items() if k != "pass"}
