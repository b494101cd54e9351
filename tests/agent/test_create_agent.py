"""``create_agent``: the exact public contract, every LangGraph method, llm choices, turn lock."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import yaml
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.pregel import Pregel

from agent import create_agent
from graph.config import TrainingConfig
from graph.state import MAX_MESSAGE_CHARS, InvalidThreadIdError, MessageTooLongError
from graph.understanding import OfflineChatModel
from tests.fakes.chat_models import ScriptedGemini, rate_limited, server_error

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
    assert len(history) == 1  # one checkpoint per turn: a turn is stored whole or not at all
    agent.update_state(thread("s"), {"step": "hyperparameters"})
    assert agent.get_state(thread("s")).values["step"] == "hyperparameters"


@pytest.fixture(params=("sqlite_db", "postgres_db"))
def sql_url(request: pytest.FixtureRequest) -> str:
    """An empty SQLite database, then an empty PostgreSQL one."""
    value: str = request.getfixturevalue(request.param)
    return value


async def test_ainvoke_and_astream(sql_url: str) -> None:
    agent = create_agent(db=sql_url, llm="offline")
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


def test_two_turns_at_once_on_one_thread_both_land(sql_url: str) -> None:
    """The turn lock: without it both turns start from the same checkpoint and one is lost."""
    first = create_agent(db=sql_url, llm="offline")
    first.invoke(said("train resnet18"), thread("race"))
    texts = ["10 epochs", "batch size 32", "learning rate 0.001", "seed 7"]
    errors: list[BaseException] = []

    def send(text: str) -> None:
        try:
            create_agent(db=sql_url, llm="offline").invoke(said(text), thread("race"))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=send, args=(text,)) for text in texts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    agent = create_agent(db=sql_url, llm="offline")
    values = agent.get_state(thread("race")).values
    config = values["config"]
    assert (config.epochs, config.batch_size, config.learning_rate, config.seed) == (
        10, 32, 0.001, 7,
    )  # fmt: skip
    assert len(agent.transcript(thread("race"))) == 2 * (1 + len(texts))


# --- the Gemini path: the real client over HTTP to the strict stand-in, answering a script ---


def test_a_model_answer_is_merged_as_a_patch_that_cannot_erase_fields(
    scripted: ScriptedGemini,
) -> None:
    model = scripted(
        {"intent": "set", "changes": {"model_name": "yolov8n"}},
        {"intent": "set", "changes": {"epochs": 12}},  # omits the model: must not erase it
    )
    agent = create_agent(checkpointer=InMemorySaver(), llm=model)
    agent.invoke(said("let's do yolov8n"), thread("g"))
    out = agent.invoke(said("twelve epochs please"), thread("g"))
    assert out["config"].model_name == "yolov8n" and out["config"].epochs == 12
    assert "offline parser" not in out["messages"][-1].content


@pytest.mark.parametrize(
    "failure",
    [rate_limited(), server_error(503), "{not json", {"intent": "set", "changes": {"epochs": "x"}}],
    ids=["429", "503", "malformed", "out-of-schema"],
)
def test_a_failing_model_falls_back_to_the_offline_parser_and_says_so(
    scripted: ScriptedGemini, failure: object
) -> None:
    saver = InMemorySaver()
    create_agent(checkpointer=saver, llm="offline").invoke(said("resnet18"), thread("f"))
    model = scripted(failure, failure, failure)
    out = create_agent(checkpointer=saver, llm=model).invoke(said("10 epochs"), thread("f"))
    reply = out["messages"][-1].content
    assert "offline parser" in reply.splitlines()[0]
    assert out["config"].epochs == 10 and out["config"].model_name == "resnet18"


def test_a_hostile_model_answer_never_reaches_the_state(scripted: ScriptedGemini) -> None:
    saver = InMemorySaver()
    create_agent(checkpointer=saver, llm="offline").invoke(said("resnet18, 10 epochs"), thread("h"))
    hostile = scripted(
        {"intent": "set", "changes": {"epochs": -3, "learning_rate": 50, "model_name": "rm -rf /"}}
    )
    out = create_agent(checkpointer=saver, llm=hostile).invoke(said("hmm"), thread("h"))
    config = out["config"]
    assert (config.model_name, config.epochs, config.learning_rate) == ("resnet18", 10, None)


def test_auto_uses_gemini_when_a_key_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a key but no network, the turn still completes through the fallback."""
    monkeypatch.setenv("GOOGLE_API_KEY", "test-key-not-real")
    monkeypatch.setenv("TRAINCHAT_GEMINI_MODEL", "gemini-2.5-flash")
    from agent.create import _interpreter

    interpreter = _interpreter("auto")
    assert type(interpreter.primary).__name__ == "ChatGoogleGenerativeAI"  # type: ignore[attr-defined]


def test_gemini_without_a_key_says_how_to_fix_it() -> None:
    with pytest.raises(Exception, match="GOOGLE_API_KEY"):
        create_agent(checkpointer=InMemorySaver(), llm="gemini")


def test_update_state_refuses_what_a_turn_would_refuse(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    agent.invoke(said("train resnet18, 10 epochs"), thread("u"))
    good = agent.get_state(thread("u")).values["config"]
    for bad in (
        {"config": {"epochs": 0}},
        {"config": good.patch(learning_rate=5.0)},
        {"config": good.patch(model_name="resnat18")},
        {"step": "flying"},
        {"nonsense": 1},
    ):
        with pytest.raises(ValueError):
            agent.update_state(thread("u"), bad)
    assert create_agent(db=sqlite_db, llm="offline").get_state(thread("u")).values["config"] == good
    agent.update_state(thread("u"), {"config": {**good.filled(), "epochs": 20}})
    assert agent.get_state(thread("u")).values["config"].epochs == 20


def test_thread_ids_and_message_sizes_are_checked_before_anything_is_stored(
    sqlite_db: str,
) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    for bad in ("", "   ", " lead", "tab\tid", "nul\x00id", "a" * 129):
        with pytest.raises(InvalidThreadIdError, match="thread id"):
            agent.invoke(said("resnet18"), thread(bad))
    for good in ("alice-1", "사용자:42", "x'; DROP TABLE t; --", "emoji-🚀", "a" * 128):
        assert agent.invoke(said("resnet18"), thread(good))["step"] == "dataset"
    agent.invoke(said("resnet18"), thread("big"))
    with pytest.raises(MessageTooLongError, match="limit"):
        agent.invoke(said("x" * (MAX_MESSAGE_CHARS + 1)), thread("big"))
    assert agent.invoke(said("y" * MAX_MESSAGE_CHARS), thread("big"))["step"] == "dataset"
    assert len(agent.get_state(thread("big")).values["messages"]) == 4


def test_a_turn_is_one_checkpoint_so_a_crash_never_leaves_half_a_turn(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    for text in ("resnet18", "10 epochs", "batch 8"):
        agent.invoke(said(text), thread("whole"))
    history = list(agent.get_state_history(thread("whole")))
    assert len(history) == 3
    assert all(len(snap.values["messages"]) % 2 == 0 and not snap.next for snap in history)


def test_export_gives_the_confirmed_job_and_refuses_before_confirmation(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    agent.invoke(said("yolov8n, C:/data/coco8, epochs=5 batch_size 8 lr 0.01"), thread("e"))
    with pytest.raises(ValueError, match="step confirm"):
        agent.export("e")
    agent.invoke(said("yes"), thread("e"))
    fresh = create_agent(db=sqlite_db, llm="offline")
    document = json.loads(fresh.export("e"))
    assert document["config"]["model_name"] == "yolov8n" and document["created_from"] == "e"
    assert yaml.safe_load(fresh.export("e", "yaml")) == document
    assert fresh.export("e", "cmd").startswith("yolo detect train model=yolov8n.pt")
    with pytest.raises(ValueError, match="format"):
        fresh.export("e", "xml")


def test_a_run_from_an_unknown_checkpoint_is_refused_and_a_known_one_forks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A stale or foreign checkpoint id must not silently start the thread over; a real one forks."""
    from agent import create_agent

    agent = create_agent(db=f"sqlite:///{tmp_path / 'fork.db'}", llm="offline")
    thread = {"configurable": {"thread_id": "fork"}}
    agent.invoke({"messages": [{"role": "user", "content": "resnet18, 7 epochs"}]}, thread)
    first = agent.get_state(thread).config
    agent.invoke({"messages": [{"role": "user", "content": "batch 16"}]}, thread)

    stale = {"configurable": {"thread_id": "fork", "checkpoint_id": "1f0-not-a-checkpoint"}}
    try:
        agent.invoke({"messages": [{"role": "user", "content": "batch 4"}]}, stale)
    except ValueError as error:
        assert "no checkpoint" in str(error)
    else:
        raise AssertionError("a run from an unknown checkpoint was accepted")
    assert agent.get_state(thread).values["config"].batch_size == 16

    forked = agent.invoke({"messages": [{"role": "user", "content": "batch 64"}]}, first)
    assert (forked["config"].model_name, forked["config"].epochs) == ("resnet18", 7)
    assert forked["config"].batch_size == 64
    agent.checkpointer.close()
