"""What one user turn asks for: a *patch* proposed by a language model, merged by code.

A model (Gemini or the offline parser) never rewrites the configuration. It returns a
``TurnPatch``: the intent of the turn plus only the fields the user mentioned in it. The graph's
nodes validate each proposed value and merge the accepted ones onto the frozen config, so a model
that omits a field cannot erase it — the reference system's worst bug cannot be expressed here.

This schema is also the structured-output schema sent to Gemini, so every field carries a
description written for the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from graph.slot_index import NUMBER_FIELDS
from graph.slot_specs import SLOT_SPECS

__all__ = [
    "Intent",
    "QuestionTopic",
    "ChangesBehaviour",
    "FieldChanges",
    "NumericField",
    "RelativeChange",
    "Ambiguity",
    "OtherDomainKind",
    "TurnPatch",
]

Intent = Literal["set", "confirm", "decline", "undo", "reset", "question"]
QuestionTopic = Literal[
    "help",  # "help", "what can you do?"
    "remaining",  # "what's left?", "what do you still need?"
    "explain",  # "what does batch size mean?" -> subjects: field names
    "models",  # "what models do you have for segmentation?" / "something small for detection"
    "model_info",  # "tell me about resnet50" -> subjects: model names
    "compare",  # "compare resnet18 and efficientnet_b0" -> subjects: model names
    "recommend",  # "recommend a model for 500 images of 3 classes"
    "show_config",  # "what's the config now?", "설정 보여줘" -> every set value
    "other",
]


class ChangesBehaviour(BaseModel):
    """What every ``FieldChanges`` can do, whatever its fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def stated(self) -> dict[str, object]:
        """Only the fields the user actually mentioned."""
        return {name: value for name, value in self.model_dump().items() if value is not None}


if TYPE_CHECKING:
    from graph.slot_values import SlotValues

    class FieldChanges(ChangesBehaviour, SlotValues):
        """The type checker's view of the patch fields built from ``SLOT_SPECS``."""

    NumericField = str

else:
    FieldChanges = create_model(
        "FieldChanges",
        __base__=ChangesBehaviour,
        __module__=__name__,
        __doc__=(
            "The configuration values the user stated in this turn, and nothing else.\n\n"
            "Values are as the user meant them but not yet validated: the graph normalises "
            "names through the model catalog and checks ranges before anything is kept. One "
            "field per slot (``graph.slot_specs``), described to the model by its ``hint``."
        ),
        **{
            spec.name: (spec.type | None, Field(None, description=spec.hint)) for spec in SLOT_SPECS
        },
    )
    NumericField = Literal[NUMBER_FIELDS]  # the numeric slots: what a relative change can name


def _intent_required(schema: dict[str, Any]) -> None:
    """The structured-output schema requires ``intent`` (a model may not omit it), while Python
    code keeps its default ``"set"``. ``intent`` and ``changes.<config field>`` are the contract
    with the model: renaming them changes what Gemini is asked to return."""
    schema["required"] = ["intent"]


OtherDomainKind = Literal["language", "image_generation", "speech", "multimodal"]
"""What a named model that is not a vision model is for (an LLM, an image generator, …)."""


class RelativeChange(BaseModel):
    """A change stated relative to the current value: "10 more epochs", "halve the batch"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: NumericField = Field(description="The numeric field to change.")
    operation: Literal["add", "multiply"] = Field(
        description="add: current + amount (negative to lower); multiply: current × amount."
    )
    amount: float = Field(description="10 for '10 more', -5 for '5 fewer', 0.5 for 'halve'.")


class Ambiguity(BaseModel):
    """A value the message states in two ways that cannot both be meant; nothing is applied.

    "increase epochs 10" may be +10 or =10; "10 or 20 epochs" names two values. The reply asks
    which one, with what each would give.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: NumericField = Field(description="The field the message is unclear about.")
    values: tuple[float, ...] = Field((), description="Absolute readings ('epochs = 10').")
    relative: RelativeChange | None = Field(None, description="A relative reading ('+10').")


class TurnPatch(BaseModel):
    """The interpretation of one user message: an intent plus the fields it mentions."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_intent_required)

    intent: Intent = Field(
        "set",
        description=(
            "set: the user gives or changes values; confirm: yes/ok/start; decline: no/not yet; "
            "undo: revert the last change; reset: start over with an empty configuration; "
            "question: asks something and changes nothing."
        ),
    )
    changes: FieldChanges = Field(
        default_factory=FieldChanges, description="Only the values stated in this message."
    )
    use_defaults: bool = Field(
        False, description="True when the user asks to use the default hyperparameters."
    )
    question_topic: QuestionTopic | None = Field(
        None, description="With intent=question: what is asked about."
    )
    question_subjects: tuple[str, ...] = Field(
        (), description="Field names or model names the question is about."
    )
    model_suggestions: tuple[str, ...] = Field(
        (),
        description="When a model name was not recognised: close catalog names to offer ('did you mean ...?').",
    )
    unrecognised_model: str | None = Field(
        None, description="A model name the user wrote that is not in the catalog."
    )
    language: Literal["en", "ko"] | None = Field(None, description="Language the user wrote in.")
    relative_changes: tuple[RelativeChange, ...] = Field(
        (),
        description="Changes relative to the current value ('10 more epochs', 'halve the batch "
        "size'); never also put the field in changes.",
    )
    ambiguities: tuple[Ambiguity, ...] = Field(
        (),
        description="Values the message states unclearly ('10 or 20 epochs'); asked, not set.",
    )
    other_domain_model: str | None = Field(
        None,
        description="A named model that is not a vision model ('gpt-4', 'whisper'), as written.",
    )
    other_domain_kind: OtherDomainKind | None = Field(
        None, description="What that model is for (language, image_generation, speech, ...)."
    )
    new_job: bool = Field(
        False,
        description="After a confirmed job: the user asks for another job ('another one with "
        "yolo11n', '하나 더, 이번엔 resnet50') rather than an empty start over.",
    )
