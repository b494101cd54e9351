"""Training from the conversation: start, watch, stop, resume and run again, in both languages.

The graph gets an in-memory ``RunControl`` (``tests.fakes.runs``), so these tests check the
graph's own decisions — which node runs, what is refused, what is said, what lands in
``state.run`` — with no process, file or network. The real worker is tested in
``tests/agent/training``.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.build import build_graph
from graph.run import TrainingRun
from graph.run_replies import RUN_MESSAGES, seconds_per_epoch
from graph.understanding.run_phrases import read_run_request
from tests.fakes.runs import InMemoryRuns

YOLO_JOB = "yolov8n on /nowhere/data, epochs=5 batch 8 lr 0.01"
TIMM_JOB = "resnet18 on /nowhere/images, 3 classes, 5 epochs, batch 8, lr 0.001"

_threads = itertools.count()


class Chat:
    """One conversation with a graph that has ``runs`` (or none) behind it."""

    def __init__(self, runs: InMemoryRuns | None) -> None:
        self.runs = runs
        self.graph = build_graph(InMemorySaver(), runs=runs)
        self.config = {"configurable": {"thread_id": f"training-{next(_threads)}"}}

    def say(self, text: str) -> dict[str, Any]:
        out: dict[str, Any] = self.graph.invoke(
            {"messages": [{"role": "user", "content": text}]}, self.config
        )
        return out

    def reply(self, text: str) -> str:
        return str(self.say(text)["messages"][-1].content)

    def run(self) -> TrainingRun | None:
        value = self.graph.get_state(self.config).values.get("run")
        return None if value is None else TrainingRun.model_validate(value)

    def worker_reports(self, run: TrainingRun) -> None:
        """What the worker does between turns: a new run object in a new checkpoint."""
        self.graph.update_state(self.config, {"run": run})

    def confirmed(self, job: str = YOLO_JOB) -> Chat:
        self.say(job)
        out = self.say("yes")
        assert out["step"] == "done", out["messages"][-1].content
        return self


@pytest.fixture
def runs() -> InMemoryRuns:
    return InMemoryRuns()


def test_start_training_at_done_starts_one_run_in_english(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    out = chat.say("start training")
    assert out["step"] == "done"
    assert runs.calls == [("start", "run-1")]
    assert out["run"].run_id == "run-1" and out["run"].status == "queued"
    reply = out["messages"][-1].content
    assert "Training started: run run-1" in reply and "runs/" in reply
    assert runs.started_jobs[0] == out["job"]


@pytest.mark.parametrize("text", ["학습 시작해줘", "학습 시작", "학습해줘"])
def test_start_training_in_korean_replies_in_korean(runs: InMemoryRuns, text: str) -> None:
    chat = Chat(runs).confirmed()
    out = chat.say(text)
    assert [call[0] for call in runs.calls] == ["start"]
    assert "학습을 시작했습니다" in out["messages"][-1].content
    assert out["language"] == "ko"


@pytest.mark.parametrize("text", ["train it", "let's train", "start", "kick off training"])
def test_other_ways_to_say_start(runs: InMemoryRuns, text: str) -> None:
    Chat(runs).confirmed().say(text)
    assert [call[0] for call in runs.calls] == ["start"]


def test_yes_only_confirms_and_offers_training(runs: InMemoryRuns) -> None:
    chat = Chat(runs)
    assert chat.say(YOLO_JOB)["run"] is None  # out["run"] is there from the first turn
    reply = chat.reply("yes")
    assert runs.calls == []
    assert "Say 'start training'" in reply and "Command:" in reply


def test_a_turn_at_done_before_any_run_repeats_the_offer(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    reply = chat.reply("yes")
    assert "frozen" in reply and "Say 'start training'" in reply
    assert runs.calls == []
    chat.say("start training")
    assert "Say 'start training'" not in chat.reply("epochs 3")


def test_start_training_at_confirm_confirms_and_starts_in_one_turn(runs: InMemoryRuns) -> None:
    chat = Chat(runs)
    chat.say(YOLO_JOB)
    out = chat.say("start training")
    assert out["step"] == "done" and out["job"] is not None
    assert runs.calls == [("start", "run-1")]
    reply = out["messages"][-1].content
    assert "Confirmed." in reply and "Training started" in reply
    assert sum(1 for m in out["messages"] if m.type == "ai") == 2  # one reply per turn


def test_start_before_confirm_says_what_is_missing(runs: InMemoryRuns) -> None:
    chat = Chat(runs)
    chat.say("yolov8n on /nowhere/data")
    out = chat.say("start training")
    assert out["step"] == "hyperparameters"
    assert "Not ready to start yet" in out["messages"][-1].content
    assert runs.calls == [] and out["run"] is None


def test_a_second_start_while_active_is_refused(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("start training")
    for text in ("start training", "train it", "학습 시작해줘"):
        out = chat.say(text)
        assert out["run"].run_id == "run-1"
    assert [call[0] for call in runs.calls if call[0] != "refresh"] == ["start"]
    assert "won't start a second one" in chat.reply("start training")


def test_a_start_after_the_run_finished_is_refused_and_offers_run_it_again(
    runs: InMemoryRuns,
) -> None:
    chat = Chat(runs).confirmed()
    run = chat.say("start training")["run"]
    done = runs.report_epoch(run, {"top1": 0.9, "train_loss": 0.2}).model_copy(
        update={"status": "succeeded", "epoch": 5, "ended_at": "2026-01-01T02:00:00+00:00"}
    )
    chat.worker_reports(done)
    reply = chat.reply("start training")
    assert "won't start a duplicate" in reply and "run it again" in reply
    assert [call[0] for call in runs.calls] == ["start"]  # an ended run is not refreshed
    out = chat.say("run it again")
    assert out["run"].run_id == "run-2" and out["run"].status == "queued"
    assert [call[0] for call in runs.calls if call[0] != "refresh"] == ["start", "start"]


def test_run_it_again_while_active_is_refused(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("start training")
    reply = chat.reply("다시 학습")
    assert "학습 중지" in reply
    assert [call[0] for call in runs.calls if call[0] != "refresh"] == ["start"]


def test_stop_training_cancels_the_active_run(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("start training")
    out = chat.say("stop training")
    assert out["run"].status == "cancelled"
    assert ("stop", "run-1") in runs.calls
    assert "stopped at epoch 0/5" in out["messages"][-1].content
    again = chat.reply("stop training")
    assert "nothing to stop" in again
    assert [call for call in runs.calls if call[0] == "stop"] == [("stop", "run-1")]


def test_stop_in_korean(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("학습 시작해줘")
    out = chat.say("학습 중지")
    assert out["run"].status == "cancelled"
    assert "멈췄습니다" in out["messages"][-1].content


def test_a_dead_worker_shows_failed_on_the_next_turn_whatever_it_says(
    runs: InMemoryRuns,
) -> None:
    chat = Chat(runs).confirmed()
    run = chat.say("start training")["run"]
    chat.worker_reports(runs.report_epoch(run, {"top1": 0.4, "train_loss": 1.1}))
    runs.kill(run)
    out = chat.say("epochs 20")  # any turn: the run is checked first
    assert out["run"].status == "failed"
    assert out["run"].error == "the worker process died (SIGKILL)"
    reply = out["messages"][-1].content
    assert "Training failed at epoch 1/5" in reply and "resume" in reply
    assert "frozen" in reply  # and the turn itself is still answered, in the same message
    assert sum(1 for m in out["messages"] if m.type == "ai") == 4
    assert out["config"].epochs == 5


def test_every_turn_refreshes_an_active_run_and_only_an_active_one(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("start training")
    for text in ("how is training going?", "epochs 9", "what's left?"):
        chat.say(text)
    assert [call[0] for call in runs.calls] == ["start", "refresh", "refresh", "refresh"]
    chat.say("stop training")
    chat.say("how is training going?")
    assert [call[0] for call in runs.calls][-2:] == ["refresh", "stop"]  # none after the end


def test_resume_after_failure_continues_the_same_run(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    run = chat.say("start training")["run"]
    chat.worker_reports(runs.report_epoch(run, {"top1": 0.4}))
    runs.kill(run)
    assert chat.say("how is training going?")["run"].status == "failed"
    out = chat.say("resume")
    assert out["run"].run_id == "run-1" and out["run"].attempt == 2
    assert out["run"].status == "queued" and out["run"].epoch == 1
    assert "Resuming run run-1 from epoch 1/5" in out["messages"][-1].content
    assert runs.calls[-1] == ("resume", "run-1")


def test_resume_in_korean_after_a_stop(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("학습 시작해줘")
    chat.say("학습 중지")
    out = chat.say("이어서 학습")
    assert out["run"].attempt == 2 and runs.calls[-1] == ("resume", "run-1")
    assert "이어서 학습합니다" in out["messages"][-1].content


def test_resume_refusals(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    assert "No training run yet" in chat.reply("resume")
    run = chat.say("start training")["run"]
    assert "won't start a second one" in chat.reply("resume")
    chat.worker_reports(run.model_copy(update={"status": "succeeded", "epoch": 5}))
    assert "nothing to resume" in chat.reply("resume")
    assert [call[0] for call in runs.calls if call[0] in ("start", "resume")] == ["start"]


def test_status_is_answered_from_the_state(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    assert "No training run yet" in chat.reply("how is training going?")
    run = chat.say("start training")["run"]
    chat.worker_reports(runs.report_epoch(run, {"top1": 0.625, "train_loss": 0.75}))
    reply = chat.reply("how is training going?")
    assert "epoch 1/5" in reply and "top1 0.625" in reply and "train_loss 0.75" in reply
    ko = chat.reply("진행 상황 알려줘")
    assert "1/5 에폭" in ko
    assert "1/5" in chat.reply("학습 어떻게 됐어?")
    assert [call[0] for call in runs.calls if call[0] != "refresh"] == ["start"]


def test_finished_run_reports_weights_and_metric(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    run = chat.say("start training")["run"]
    run = runs.report_epoch(run, {"top1": 0.875, "train_loss": 0.1})
    chat.worker_reports(run.model_copy(update={"status": "succeeded"}))
    reply = chat.reply("how is training going?")
    assert "Training finished" in reply and "top1 0.875" in reply
    assert f"{run.output_dir}/best.pt" in reply


def test_failed_run_shows_the_log_tail(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    run = chat.say("start training")["run"]
    failed = run.model_copy(
        update={"status": "failed", "error": "CUDA out of memory.", "log_tail": ("a", "b")}
    )
    chat.worker_reports(failed)
    reply = chat.reply("how is training going?")
    assert "CUDA out of memory." in reply and "Last lines of the log:" in reply
    assert reply.endswith("  a\n  b")


def test_status_of_a_run_while_configuring_the_next_job(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("start training")
    out = chat.say("new")
    assert out["step"] == "select_model" and out["run"].status == "queued"
    assert "starting (queued)" in chat.reply("how is training going?")
    out = chat.say("stop training")
    assert out["run"].status == "cancelled" and out["step"] == "select_model"


def test_a_new_job_does_not_inherit_a_finished_run(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    chat.say("start training")
    chat.say("stop training")
    chat.say("start over")
    assert chat.run() is None
    chat.confirmed(TIMM_JOB)
    out = chat.say("start training")
    assert out["run"].run_id == "run-2"
    assert runs.started_jobs[-1].config.model_name == "resnet18"


def test_without_a_run_control_training_is_explained_not_started() -> None:
    chat = Chat(None).confirmed()
    reply = chat.reply("start training")
    assert "isn't available in this deployment" in reply and "trainchat run" in reply
    assert chat.run() is None
    assert "nothing to stop" in chat.reply("stop training")
    ko = chat.reply("학습 시작해줘")
    assert "학습을 실행할 수 없습니다" in ko


def test_without_a_run_control_start_at_confirm_still_confirms() -> None:
    chat = Chat(None)
    chat.say(YOLO_JOB)
    out = chat.say("start training")
    assert out["step"] == "done" and out["job"] is not None
    assert "isn't available in this deployment" in out["messages"][-1].content


def test_a_run_control_that_fails_to_start_costs_nothing(runs: InMemoryRuns) -> None:
    runs.fail_start = "no GPU and no CPU fallback\nTraceback (most recent call last): ..."
    chat = Chat(runs).confirmed()
    out = chat.say("start training")
    reply = out["messages"][-1].content
    assert "couldn't start training: no GPU and no CPU fallback" in reply
    assert "Traceback" not in reply
    assert out.get("run") is None and out["step"] == "done"


@pytest.mark.parametrize("text", ["start over", "처음부터 다시", "start from scratch"])
def test_start_over_at_done_still_resets(runs: InMemoryRuns, text: str) -> None:
    chat = Chat(runs).confirmed()
    out = chat.say(text)
    assert out["step"] == "select_model" and out["config"].model_name is None
    assert runs.calls == []


def test_async_turns_start_and_stop(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()

    async def talk() -> list[dict[str, Any]]:
        outs = []
        for text in ("start training", "stop training"):
            message = {"messages": [{"role": "user", "content": text}]}
            outs.append(await chat.graph.ainvoke(message, chat.config))
        return outs

    started, stopped = asyncio.run(talk())
    assert started["run"].status == "queued" and stopped["run"].status == "cancelled"


def test_the_drawing_shows_the_training_nodes() -> None:
    drawing = build_graph().get_graph()
    nodes = set(drawing.nodes)
    assert {"check_training", "start_training", "resume_training", "stop_training"} <= nodes
    edges = {(edge.source, edge.target) for edge in drawing.edges}
    assert ("done", "start_training") in edges and ("check_training", "understand") in edges
    assert ("__start__", "check_training") in edges


REQUESTS = {
    "start": ["start training", "train it", "학습 시작해줘", "학습 시작", "let's train", "run it"],
    "status": ["how is training going?", "진행 상황 알려줘", "학습 어떻게 됐어?", "is it done?"],
    "stop": ["stop training", "학습 중지", "cancel the training", "학습 중단해줘"],
    "resume": ["resume", "이어서 학습", "resume training", "학습 재개", "continue"],
    "again": ["run it again", "다시 학습", "retrain", "train again", "한 번 더 학습해줘"],
}


@pytest.mark.parametrize(
    ("text", "request_"), [(t, r) for r, texts in REQUESTS.items() for t in texts]
)
def test_run_requests_are_read_in_both_languages(text: str, request_: str) -> None:
    assert read_run_request(text) == request_


@pytest.mark.parametrize(
    "text",
    ["yes", "start over", "처음부터 다시", "new", "what's left?", "undo", "don't start yet",
     "start training with 50 epochs", "train it from scratch", "epochs 10"],
)  # fmt: skip
def test_other_messages_are_not_run_requests(text: str) -> None:
    assert read_run_request(text) is None


def test_start_with_a_change_at_done_changes_nothing_and_starts_nothing(
    runs: InMemoryRuns,
) -> None:
    chat = Chat(runs).confirmed()
    out = chat.say("start training with 50 epochs")
    assert out["config"].epochs == 5 and "frozen" in out["messages"][-1].content
    assert runs.calls == [] and out["run"] is None


def test_every_run_message_exists_in_both_languages() -> None:
    for key, text in RUN_MESSAGES.items():
        assert text.en.strip() and text.ko.strip(), key
        assert set(re.findall(r"{(\w+)}", text.en)) == set(re.findall(r"{(\w+)}", text.ko)), key


def test_progress_gives_an_eta_from_the_report_times(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()  # 5 epochs; the fake starts runs at 00:00:00
    run = chat.say("start training")["run"]
    run = runs.report_epoch(run, {"top1": 0.5}, at="2026-01-01T00:01:00+00:00")
    chat.worker_reports(run)
    assert "About 4 min left at 60 s an epoch." in chat.reply("how is training going?")
    run = runs.report_epoch(run, {"top1": 0.6}, at="2026-01-01T00:03:00+00:00")
    chat.worker_reports(run)
    # two stamped epochs: 120 s apart, 3 epochs to go
    assert "About 6 min left at 2 min an epoch." in chat.reply("how is training going?")
    assert "약 6분 남았습니다" in chat.reply("진행 상황 알려줘")


def test_no_eta_without_times_or_after_a_resume(runs: InMemoryRuns) -> None:
    chat = Chat(runs).confirmed()
    run = chat.say("start training")["run"]
    chat.worker_reports(runs.report_epoch(run, {"top1": 0.5}))
    assert "left" not in chat.reply("how is training going?")
    resumed = run.model_copy(update={"attempt": 2})
    resumed = runs.report_epoch(resumed, {"top1": 0.5}, at="2026-01-01T05:00:00+00:00")
    assert seconds_per_epoch(resumed) is None  # the start time is the first attempt's
