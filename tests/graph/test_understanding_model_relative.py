"""Issue #10 on the language-model path: a model that reads "에폭 10 더" as epochs = 10 (the
reported failure) cannot set it — the offline reading's relative change and questions win.
Gemini is the real client over HTTP to the strict stand-in (``scripted``)."""

from __future__ import annotations

from graph.config import TrainingConfig
from graph.understanding import Interpreter
from tests.fakes.chat_models import ScriptedGemini

AT_20 = TrainingConfig(epochs=20, batch_size=16)


def _interpret(scripted: ScriptedGemini, answer: dict[str, object], text: str) -> object:
    model = scripted(answer)
    return (
        Interpreter(model, source="gemini")
        .interpret(  # type: ignore[arg-type]
            text, step="confirm", config=AT_20
        )
        .patch
    )


def test_an_absolute_reading_of_ten_more_is_replaced_by_the_relative_change(
    scripted: ScriptedGemini,
) -> None:
    patch = _interpret(
        scripted, {"intent": "set", "changes": {"epochs": 10}, "language": "ko"}, "에폭 10 더"
    )
    assert "epochs" not in patch.changes.stated()  # type: ignore[attr-defined]
    (change,) = patch.relative_changes  # type: ignore[attr-defined]
    assert (change.field, change.operation, change.amount) == ("epochs", "add", 10)


def test_an_unclear_message_keeps_its_question_whatever_the_model_says(
    scripted: ScriptedGemini,
) -> None:
    patch = _interpret(scripted, {"intent": "set", "changes": {"epochs": 20}}, "10 or 20 epochs")
    assert patch.ambiguities and "epochs" not in patch.changes.stated()  # type: ignore[attr-defined]


def test_a_non_vision_model_and_another_job_survive_the_review(scripted: ScriptedGemini) -> None:
    patch = _interpret(scripted, {"intent": "set"}, "train whisper")
    assert patch.other_domain_model == "whisper" and patch.other_domain_kind == "speech"  # type: ignore[attr-defined]
    patch = _interpret(
        scripted,
        {"intent": "set", "changes": {"model_name": "yolo11n"}},
        "another job with yolo11n",
    )
    assert patch.new_job  # type: ignore[attr-defined]
