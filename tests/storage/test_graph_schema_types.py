"""A graph's own state types load without configuration; types it does not declare are refused.

``SQLSaver``'s serializer is strict. A graph compiled with it may still keep its own pydantic
models, dataclasses and enums in state (LangGraph's strict mode allows exactly those), and
LangChain's message and agent types; a type no graph declares fails closed with the error that
names the fix. Each test loads through a *new* saver, as a new process would.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, TypedDict

import pydantic
import pytest
from langchain_core.agents import AgentAction
from langgraph.graph import START, StateGraph

from storage import DisallowedTypeError, SQLSaver


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


@dataclasses.dataclass(frozen=True)
class Crop:
    width: int
    height: int


class Plan(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
    epochs: int
    crop: Crop
    size: Size


class Declared(TypedDict):
    plan: Plan | None
    step: AgentAction | None


@dataclasses.dataclass(frozen=True)
class Foreign:
    """Not named by any schema: a row holding it must not construct it."""

    payload: str


class Loose(TypedDict):
    value: Any


def _declared_graph(saver: SQLSaver) -> Any:
    def plan(state: Declared) -> dict[str, Any]:
        return {
            "plan": Plan(epochs=3, crop=Crop(224, 224), size=Size.LARGE),
            "step": AgentAction(tool="search", tool_input="cats", log="look"),
        }

    return (
        StateGraph(Declared)
        .add_node("plan", plan)
        .add_edge(START, "plan")
        .compile(checkpointer=saver)
    )


def _loose_graph(saver: SQLSaver) -> Any:
    return (
        StateGraph(Loose)
        .add_node("put", lambda state: {"value": Foreign("rm -rf")})
        .add_edge(START, "put")
        .compile(checkpointer=saver)
    )


CONFIG: Any = {"configurable": {"thread_id": "t"}}


def test_a_graphs_schema_types_load_in_a_new_saver_without_configuration(db_url: str) -> None:
    with SQLSaver.from_url(db_url) as writer:
        writer.setup()
        _declared_graph(writer).invoke({"plan": None, "step": None}, CONFIG)

    with SQLSaver.from_url(db_url) as reader:
        state = _declared_graph(reader).get_state(CONFIG).values

    assert state["plan"] == Plan(epochs=3, crop=Crop(224, 224), size=Size.LARGE)
    assert isinstance(state["plan"].crop, Crop) and state["plan"].size is Size.LARGE
    assert state["step"] == AgentAction(tool="search", tool_input="cats", log="look")


async def test_the_async_path_adopts_the_graphs_types_too(sqlite_db: str) -> None:
    async with SQLSaver.from_url(sqlite_db) as writer:
        await writer.asetup()
        await _declared_graph(writer).ainvoke({"plan": None, "step": None}, CONFIG)

    async with SQLSaver.from_url(sqlite_db) as reader:
        state = (await _declared_graph(reader).aget_state(CONFIG)).values

    assert state["plan"].crop == Crop(224, 224)


def test_a_type_no_graph_declares_is_refused_naming_the_fix(sqlite_db: str) -> None:
    with SQLSaver.from_url(sqlite_db) as writer:
        writer.setup()
        _loose_graph(writer).invoke({"value": None}, CONFIG)

    with SQLSaver.from_url(sqlite_db) as reader:
        with pytest.raises(DisallowedTypeError) as refused:
            _loose_graph(reader).get_state(CONFIG)
        # Another graph on the same saver declaring other types does not widen this load.
        _declared_graph(reader).get_state({"configurable": {"thread_id": "other"}})
        with pytest.raises(DisallowedTypeError):
            _loose_graph(reader).get_state(CONFIG)

    message = str(refused.value)
    assert "Foreign" in message and "saver.with_allowlist" in message


def test_loading_outside_any_graph_stays_strict(sqlite_db: str) -> None:
    with SQLSaver.from_url(sqlite_db) as writer:
        writer.setup()
        _declared_graph(writer).invoke({"plan": None, "step": None}, CONFIG)

    with SQLSaver.from_url(sqlite_db) as reader:
        with pytest.raises(DisallowedTypeError, match="Plan|Crop|Size"):
            reader.get_tuple(CONFIG)
        found = reader.with_allowlist([Plan, Crop, Size]).get_tuple(CONFIG)

    assert found is not None
