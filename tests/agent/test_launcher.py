"""SubprocessLauncher runs real processes — a fake trainer that parses arguments like timm's
train.py and the yolo CLI (same name lists) — streams their output, and reports exit codes."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from agent.launcher import NOT_FOUND_RETURNCODE, Launcher, LaunchResult, SubprocessLauncher
from graph.config import TrainingConfig
from graph.job import TrainingJob, build_job

FAKE = str(Path(__file__).resolve().parents[1] / "fixtures" / "fake_trainer.py")
OVERRIDES = {"python train.py": [sys.executable, FAKE], "yolo": [sys.executable, FAKE]}

TIMM = TrainingConfig(
    framework="timm",
    model_name="resnet18",
    task_type="image_classification",
    dataset_path="/data/with space",
    num_classes=3,
    epochs=3,
    batch_size=8,
    learning_rate=0.001,
    optimizer="adamw",
    image_size=224,
    scheduler="cosine",
    warmup_epochs=1,
    patience=2,
    seed=7,
    weight_decay=0.05,
    momentum=0.9,
)
YOLO = TrainingConfig(
    framework="ultralytics",
    model_name="yolov8n",
    task_type="object_detection",
    dataset_path="/data/coco8",
    epochs=4,
    batch_size=16,
    learning_rate=0.01,
    optimizer="SGD",
    image_size=640,
    scheduler="cosine",
    warmup_epochs=0.5,
    patience=10,
    seed=1,
    weight_decay=0.0005,
    momentum=0.937,
)


@pytest.mark.parametrize(("config", "style", "epochs"), [(TIMM, "timm", 3), (YOLO, "yolo", 4)])
def test_full_jobs_parse_in_the_fake_trainer_and_stream_every_epoch(
    config: TrainingConfig, style: str, epochs: int
) -> None:
    lines: list[str] = []
    launcher: Launcher = SubprocessLauncher(executable_overrides=OVERRIDES)
    result = launcher.launch(build_job(config), on_output=lines.append)
    assert result == LaunchResult(0, tuple(lines)) and result.ok, lines
    assert lines[0] == f"fake {style} training on {config.dataset_path}" + (
        "/data.yaml" if style == "yolo" else ""
    )
    assert lines[1:-1] == [f"epoch {e}/{epochs} loss={1.0 / e:.4f}" for e in range(1, epochs + 1)]
    assert lines[-1] == "done"


def test_a_bad_argument_fails_with_the_trainers_message() -> None:
    job = build_job(TIMM)
    broken = job.model_copy(update={"command": (*job.command, "--not-a-flag", "1")})
    result = SubprocessLauncher(executable_overrides=OVERRIDES).launch(broken)
    assert result.returncode == 2 and not result.ok
    assert result.output_tail == ("error: unrecognized arguments: --not-a-flag",)


def test_a_bad_yolo_key_fails() -> None:
    job = build_job(YOLO)
    broken = job.model_copy(update={"command": (*job.command, "learning_rate=0.1")})
    result = SubprocessLauncher(executable_overrides=OVERRIDES).launch(broken)
    assert result.returncode == 2
    assert "'learning_rate' is not a valid YOLO argument" in result.output_tail[-1]


def test_output_arrives_while_the_process_still_runs(tmp_path: Path) -> None:
    seen: list[float] = []
    launcher = SubprocessLauncher(
        executable_overrides=OVERRIDES, env={"FAKE_TRAINER_DELAY": "0.3"}, cwd=tmp_path
    )
    started = time.monotonic()
    result = launcher.launch(build_job(TIMM), on_output=lambda _line: seen.append(time.monotonic()))
    finished = time.monotonic()
    assert result.ok
    assert (
        seen[1] - started < (finished - started) - 0.4
    )  # the first epoch came well before the end


def test_tail_keeps_the_last_lines() -> None:
    launcher = SubprocessLauncher(executable_overrides=OVERRIDES, tail_lines=2)
    result = launcher.launch(build_job(TIMM.patch(epochs=50)))
    assert result.output_tail == ("epoch 50/50 loss=0.0200", "done")


def test_missing_program_is_127_with_advice() -> None:
    job = TrainingJob(config=TIMM, command=("definitely-not-a-trainer-xyz", "--epochs", "1"))
    lines: list[str] = []
    result = SubprocessLauncher().launch(job, on_output=lines.append)
    assert result.returncode == NOT_FOUND_RETURNCODE
    assert "could not start 'definitely-not-a-trainer-xyz'" in lines[0]
    assert "executable_overrides" in lines[0]


def test_timeout_kills_a_job_that_runs_too_long() -> None:
    launcher = SubprocessLauncher(
        executable_overrides=OVERRIDES, env={"FAKE_TRAINER_DELAY": "1"}, timeout_s=0.5
    )
    started = time.monotonic()
    result = launcher.launch(build_job(TIMM.patch(epochs=30)))
    assert result.returncode < 0 and time.monotonic() - started < 5


def test_longest_override_prefix_wins() -> None:
    launcher = SubprocessLauncher(
        executable_overrides={"python": ["/opt/py"], "python train.py": ["/opt/train"]}
    )
    assert launcher.argv(build_job(TIMM))[:2] == ["/opt/train", "/data/with space"]
    assert SubprocessLauncher().argv(build_job(YOLO))[:3] == ["yolo", "detect", "train"]
