"""What the agent says about a training run, in English and Korean, from the frozen run alone.

Why a table apart from ``graph.replies``: a run's replies are read off a ``TrainingRun`` (status,
epoch k/N, the main metric, the loss, the best weights, the error and the log's tail), so they
live next to the few functions that pick those numbers out. Like ``graph.replies`` every sentence
is a ``Text`` with both languages, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from graph.replies import Text
from graph.run import TrainingRun

__all__ = [
    "RUN_MESSAGES",
    "say_run",
    "progress_lines",
    "outcome_lines",
    "started_lines",
    "LOG_TAIL_LINES",
    "status_word",
    "seconds_per_epoch",
    "eta_text",
]

LOG_TAIL_LINES = 5
"""How many of the log's last lines a failure reply shows (the run folder has the whole log)."""

RUN_MESSAGES: Mapping[str, Text] = MappingProxyType(
    {
        "offer": Text(
            "Say 'start training' to train it now.",
            "지금 학습하려면 '학습 시작해줘'라고 말씀해 주세요.",
        ),
        "unavailable": Text(
            "Training isn't available in this deployment (no trainer is attached to it). Run the "
            "confirmed job from a terminal with `trainchat run --thread {thread}` (it needs "
            '`pip install "trainchat[train]"`).',
            "이 배포에서는 학습을 실행할 수 없습니다(연결된 학습기가 없습니다). 터미널에서 "
            '`trainchat run --thread {thread}`로 확정된 작업을 실행하세요(`pip install "trainchat[train]"` '
            "필요).",
        ),
        "started": Text(
            "Training started: run {run_id} ({epochs} epochs), in {folder}. Ask 'how is training "
            "going?' any time, or say 'stop training'.",
            "학습을 시작했습니다: 실행 {run_id} ({epochs} 에폭), 폴더 {folder}. 언제든 '진행 상황 "
            "알려줘'라고 물어보시거나 '학습 중지'라고 말씀해 주세요.",
        ),
        "resumed": Text(
            "Resuming run {run_id} from epoch {epoch}/{epochs} (attempt {attempt}), in {folder}.",
            "실행 {run_id}을(를) {epoch}/{epochs} 에폭부터 이어서 학습합니다 (시도 {attempt}), "
            "폴더 {folder}.",
        ),
        "start_failed": Text(
            "I couldn't start training: {error} Nothing is running; the job is unchanged.",
            "학습을 시작하지 못했습니다: {error} 실행 중인 것은 없고 작업은 그대로입니다.",
        ),
        "stop_failed": Text(
            "I couldn't stop run {run_id}: {error}",
            "실행 {run_id}을(를) 멈추지 못했습니다: {error}",
        ),
        "queued": Text(
            "Run {run_id} is starting (queued): the worker is loading the model and the data.",
            "실행 {run_id}을(를) 준비 중입니다(대기): 모델과 데이터를 불러오고 있습니다.",
        ),
        "waiting": Text(
            "Run {run_id} has not started yet: {waiting}",
            "실행 {run_id}이(가) 아직 시작되지 않았습니다: {waiting}",
        ),
        "running": Text(
            "Training is running: epoch {epoch}/{epochs}{figures}.{eta}",
            "학습 중입니다: {epoch}/{epochs} 에폭{figures}.{eta}",
        ),
        "eta": Text(
            " About {time} left at {per_epoch} an epoch.",
            " 에폭당 {per_epoch}, 약 {time} 남았습니다.",
        ),
        "succeeded": Text(
            "Training finished: run {run_id}, {epoch}/{epochs} epochs{figures}. Best weights: "
            "{weights}",
            "학습이 끝났습니다: 실행 {run_id}, {epoch}/{epochs} 에폭{figures}. 최고 가중치: {weights}",
        ),
        "failed": Text(
            "Training failed at epoch {epoch}/{epochs}: {error} Say 'resume' to continue from the "
            "last completed epoch, or 'run it again' for a new run.",
            "학습이 {epoch}/{epochs} 에폭에서 실패했습니다: {error} 마지막으로 끝난 에폭부터 이어서 "
            "하려면 '이어서 학습', 새로 하려면 '다시 학습'이라고 말씀해 주세요.",
        ),
        "log_tail": Text("Last lines of the log:", "로그의 마지막 줄:"),
        "cancelled": Text(
            "Training of run {run_id} was stopped at epoch {epoch}/{epochs}. Say 'resume' to "
            "continue it, or 'run it again' for a new run.",
            "실행 {run_id}의 학습을 {epoch}/{epochs} 에폭에서 멈췄습니다. 이어서 하려면 '이어서 "
            "학습', 새로 하려면 '다시 학습'이라고 말씀해 주세요.",
        ),
        "none_yet": Text(
            "No training run yet.",
            "아직 학습을 실행하지 않았습니다.",
        ),
        "not_running": Text(
            "No run is in progress, so there is nothing to stop.",
            "진행 중인 학습이 없어 멈출 것이 없습니다.",
        ),
        "duplicate_active": Text(
            "Run {run_id} of this job is already {status}; I won't start a second one. Say 'stop "
            "training' first if you want a new run.",
            "이 작업의 실행 {run_id}이(가) 이미 {status} 상태라 두 번째 실행은 시작하지 않습니다. "
            "새로 하려면 먼저 '학습 중지'라고 말씀해 주세요.",
        ),
        "duplicate_finished": Text(
            "This job was already run (run {run_id}, {status}); I won't start a duplicate. Say "
            "'run it again' for a new run.",
            "이 작업은 이미 실행했습니다(실행 {run_id}, {status}). 중복 실행은 하지 않습니다. "
            "새로 실행하려면 '다시 학습'이라고 말씀해 주세요.",
        ),
        "resume_hint": Text(
            "Or say 'resume' to continue run {run_id} where it stopped.",
            "또는 '이어서 학습'이라고 하시면 실행 {run_id}을(를) 멈춘 곳부터 이어서 합니다.",
        ),
        "nothing_to_resume": Text(
            "Run {run_id} already finished, so there is nothing to resume. Say 'run it again' for "
            "a new run.",
            "실행 {run_id}은(는) 이미 끝나서 이어서 할 것이 없습니다. 새로 실행하려면 '다시 "
            "학습'이라고 말씀해 주세요.",
        ),
        "again_active": Text(
            "Run {run_id} is still {status}; say 'stop training' first, then 'run it again'.",
            "실행 {run_id}이(가) 아직 {status} 상태입니다. 먼저 '학습 중지' 후 '다시 학습'이라고 "
            "말씀해 주세요.",
        ),
        "confirm_first": Text(
            "Confirm the configuration first (say yes); then I can start training.",
            "먼저 설정을 확정해 주세요('네'). 그러면 학습을 시작할 수 있습니다.",
        ),
    }
)
"""Every run message key and its English and Korean text (``str.format`` placeholders)."""

_STATUS_WORDS: Mapping[str, Text] = MappingProxyType(
    {
        "queued": Text("queued", "대기"),
        "running": Text("running", "학습 중"),
        "succeeded": Text("finished", "완료"),
        "failed": Text("failed", "실패"),
        "cancelled": Text("stopped", "중지"),
    }
)


def status_word(run: TrainingRun, lang: str) -> str:
    """The run's status as a word for replies ("running", "finished", "학습 중" …)."""
    return _STATUS_WORDS[run.status].in_(lang)


def say_run(key: str, lang: str, **values: Any) -> str:
    """The run message ``key`` in ``lang`` with ``values`` filled in."""
    return RUN_MESSAGES[key].in_(lang).format(**values)


def _number(value: float) -> str:
    return f"{value:.4g}"


def _loss(run: TrainingRun) -> tuple[str, float] | None:
    """The loss to show: a plain ``loss``/``train_loss`` if reported, else the first loss."""
    losses = [metric for metric in run.metrics if "loss" in metric.name.lower()]
    for preferred in ("loss", "train_loss", "train/loss"):
        for metric in losses:
            if metric.name == preferred:
                return metric.name, metric.value
    return (losses[0].name, losses[0].value) if losses else None


def _figures(run: TrainingRun) -> str:
    """ ", top1 71.2, loss 0.83" — the main metric and the loss of the latest epoch."""
    parts = []
    values = run.metrics_dict()
    if run.main_metric is not None and run.main_metric in values:
        parts.append(f"{run.main_metric} {_number(values[run.main_metric])}")
    loss = _loss(run)
    if loss is not None:
        parts.append(f"{loss[0]} {_number(loss[1])}")
    return "".join(f", {part}" for part in parts)


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def seconds_per_epoch(run: TrainingRun) -> float | None:
    """The run's pace from its own report times: the span between the first and the last
    stamped epoch over the epochs in between; with one stamp, from the start (first attempt
    only — a resume restarts the clock). None when the history cannot tell."""
    stamped = [
        (entry.epoch, moment)
        for entry in run.history
        if (moment := _time(entry.finished_at)) is not None
    ]
    try:
        if len(stamped) >= 2 and stamped[-1][0] > stamped[0][0]:
            (first_epoch, first), (last_epoch, last) = stamped[0], stamped[-1]
            pace = (last - first).total_seconds() / (last_epoch - first_epoch)
        elif len(stamped) == 1 and run.attempt == 1 and (start := _time(run.started_at)):
            pace = (stamped[0][1] - start).total_seconds() / max(1, stamped[0][0])
        else:
            return None
    except TypeError:  # one time with a zone and one without: no honest pace
        return None
    return pace if pace > 0 else None


def _duration(seconds: float, lang: str) -> str:
    minutes = round(seconds / 60)
    if seconds < 90:
        return f"{round(seconds)}초" if lang == "ko" else f"{round(seconds)} s"
    if minutes < 90:
        return f"{minutes}분" if lang == "ko" else f"{minutes} min"
    hours = seconds / 3600
    return f"{hours:.1f}시간" if lang == "ko" else f"{hours:.1f} h"


def eta_text(run: TrainingRun, lang: str) -> str:
    """ " About 4 min left at 48 s an epoch." for a running run whose pace is known, else ""."""
    pace = seconds_per_epoch(run)
    remaining = run.epochs - run.epoch
    if run.status != "running" or pace is None or remaining <= 0:
        return ""
    return say_run(
        "eta", lang, time=_duration(pace * remaining, lang), per_epoch=_duration(pace, lang)
    )


def _common(run: TrainingRun, lang: str) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "epoch": run.epoch,
        "epochs": run.epochs,
        "folder": run.output_dir,
        "attempt": run.attempt,
        "status": status_word(run, lang),
        "figures": _figures(run),
        "weights": run.weights or "—",
        "error": run.error or "",
        "eta": eta_text(run, lang),
    }


def outcome_lines(run: TrainingRun, lang: str) -> tuple[str, ...]:
    """How a run stands, in its status's words: progress while active, the result once ended
    (the best weights, or the error with the log's tail and a resume offer)."""
    values = _common(run, lang)
    if run.status == "queued" and run.waiting:  # a cluster said why it has not started
        return (say_run("waiting", lang, waiting=run.waiting, **values),)
    lines = [say_run(run.status, lang, **values)]
    if run.status == "failed" and run.log_tail:
        lines.append(say_run("log_tail", lang))
        lines.extend(f"  {line}" for line in run.log_tail[-LOG_TAIL_LINES:])
    return tuple(lines)


def progress_lines(run: TrainingRun | None, lang: str) -> tuple[str, ...]:
    """The answer to "how is training going?" (``none_yet`` before any run)."""
    if run is None:
        return (say_run("none_yet", lang),)
    return outcome_lines(run, lang)


def started_lines(run: TrainingRun, lang: str, *, resumed: bool) -> tuple[str, ...]:
    """What to say right after a run was started (or resumed) through the ``RunControl``."""
    values = _common(run, lang)
    lines = [say_run("resumed" if resumed else "started", lang, **values)]
    if run.waiting:
        lines.append(say_run("waiting", lang, waiting=run.waiting, **values))
    return tuple(lines)
