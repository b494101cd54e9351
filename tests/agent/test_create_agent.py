"""``create_agent``: the exact public contract, every LangGraph method, llm choices, turn lock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.pregel import Pregel

from agent import create_agent
from graph.config import TrainingConfig
from graph.understanding import OfflineChatModel

USER = "user"


def said(text: str) -> dict[str, list[dict[str, str]]]:
    return {"messages": [{"role": USER, "content": text}]}


def thread(name: str) -> dict[str, dict[str, str]]:
    return {"configurable": {"thread_id": name}}


@pytest.fixture(autouse=True)
def _no_gemini_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)


def test_the_public_contract_exactly_as_documented(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    out = agent.invoke(said("train resnet18 for classification"), thread("alice-1"))
    assert isinstance(out["messages"][-1], AIMessage)
    assert "dataset" in out["messages"][-1].content.lower()
    assert isinstance(out["config"], TrainingConfig)
    assert out["config"].model_name == "resnet18" and out["config"].framework == "timm"
    assert out["step"] == "dataset"
    with pytest.raises(Exception):  # noqa: B017 - frozen: any mutation attempt must fail
        out["config"].epochs = 5


def test_it_is_a_compiled_langgraph_graph(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    assert isinstance(agent, CompiledStateGraph) and isinstance(agent, Pregel)
    copied = agent.with_config({"tags": ["x"]})
    assert isinstance(copied, type(agent))
    out = copied.invoke(said("yolov8n"), thread("t"))
    assert out["config"].model_name == "yolov8n"


def test_stream_get_state_history_and_update_state(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    chunks = list(agent.stream(said("train resnet18"), thread("s"), stream_mode="values"))
    assert chunks[-1]["config"].model_name == "resnet18"
    state = agent.get_state(thread("s"))
    assert state.values["step"] == "dataset"
    history = list(agent.get_state_history(thread("s")))
    assert len(history) >= 2
    agent.update_state(thread("s"), {"step": "hyperparameters"})
    assert agent.get_state(thread("s")).values["step"] == "hyperparameters"


async def test_ainvoke_and_astream(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    out = await agent.ainvoke(said("train yolov8n"), thread("a"))
    assert out["config"].framework == "ultralytics"
    chunks = [c async for c in agent.astream(said("20 epochs"), thread("a"), stream_mode="values")]
    assert chunks[-1]["config"].epochs == 20
    assert chunks[-1]["config"].model_name == "yolov8n"


def test_db_defaults_to_the_env_variable_then_a_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAINCHAT_DB", raising=False)
    create_agent(llm="offline").invoke(said("resnet18"), thread("d"))
    assert (tmp_path / "trainchat.db").exists()
    env_file = tmp_path / "from-env.db"
    monkeypatch.setenv("TRAINCHAT_DB", f"sqlite:///{env_file}")
    create_agent(llm="offline").invoke(said("resnet18"), thread("d"))
    assert env_file.exists()


def test_any_langgraph_saver_can_be_given_instead_of_a_url() -> None:
    saver = InMemorySaver()
    agent = create_agent(checkpointer=saver, llm="offline")
    agent.invoke(said("efficientnet b0"), thread("m"))
    again = create_agent(checkpointer=saver, llm="offline")
    assert again.get_state(thread("m")).values["config"].model_name == "efficientnet_b0"
    with pytest.raises(ValueError, match="either db"):
        create_agent("sqlite:///x.db", checkpointer=saver)


def test_llm_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    saver = InMemorySaver()
    auto = create_agent(checkpointer=saver, llm="auto")  # no key: offline
    assert auto.invoke(said("resnet18"), thread("l"))["config"].model_name == "resnet18"
    model = create_agent(checkpointer=saver, llm=OfflineChatModel())
    assert model.invoke(said("10 epochs"), thread("l"))["config"].epochs == 10
    with pytest.raises(ValueError, match="llm must be one of"):
        create_agent(checkpointer=saver, llm="gpt-9")


def test_two_turns_at_once_on_one_thread_both_land(sqlite_db: str) -> None:
    """The turn lock: without it both turns start from the same checkpoint and one is lost."""
    first = create_agent(db=sqlite_db, llm="offline")
    first.invoke(said("train resnet18"), thread("race"))
    texts = ["10 epochs", "batch size 32", "learning rate 0.001", "seed 7"]
    errors: list[BaseException] = []

    def send(text: str) -> None:
        try:
            create_agent(db=sqlite_db, llm="offline").invoke(said(text), thread("race"))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=send, args=(text,)) for text in texts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    values = create_agent(db=sqlite_db, llm="offline").get_state(thread("race")).values
    config = values["config"]
    assert (config.epochs, config.batch_size, config.learning_rate, config.seed) == (
        10, 32, 0.001, 7,
    )  # fmt: skip
    assert len(values["messages"]) == 2 * (1 + len(texts))
