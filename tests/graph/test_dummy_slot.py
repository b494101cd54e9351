"""A slot added in one place reaches the parser, the question, the summary and the command.

The proof is literal: the ``graph`` package is copied, one ``SlotSpec`` entry is added to the
copy's ``SLOT_SPECS`` tuple (``graph/slot_specs.py``) and nothing else is edited; then a real
conversation runs through the copy's compiled graph with the offline parser in a fresh
interpreter. If any module kept its own list of slots, words, questions or flags, the dummy
would be missing from it and one of the checks below would fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

DUMMY = """
    SlotSpec(
        name="dummy_rate",
        type=float,
        step="hyperparameters",
        requirement="required",
        label=Text("dummy rate", "더미 비율"),
        question=Text("What dummy rate? (a slot added by a test)", "더미 비율은 얼마로 할까요?"),
        hint="Dummy rate, if stated.",
        words=r"dummy[\\s_\\-]?rate|더미\\s*비율",
        aliases=("dr",),
        description=Text("A rate that only the dummy-slot test knows.", "테스트용 비율입니다."),
        minimum=0,
        maximum=10,
        bounds=(("ge", 0),),
        timm_flag="--dummy-rate",
        ultralytics_key="dummy_rate",
        timm_default=1.0,
        ultralytics_default=2.0,
        relative=True,
    ),
"""

_CLOSE = '\n)\n"""Every slot, in the order it is asked and summarised.'

SCRIPT = r"""
import json, sys
from langgraph.checkpoint.memory import InMemorySaver
from graph.build import build_graph
from graph.config import TrainingConfig
from graph.datasets.samples import make_sample_dataset
from graph.job import build_job
from graph.understanding import parse_message

data = str(make_sample_dataset(sys.argv[1], "imagefolder"))
graph = build_graph(InMemorySaver())
thread = {"configurable": {"thread_id": "dummy"}}
turns = []
for text in (
    f"train resnet18 on {data} for 10 epochs, batch 4, lr 0.001",
    "set dummy rate to 3",
    "what does dummy rate mean?",
    "double the dummy rate",
    "yes",
):
    out = graph.invoke({"messages": [{"role": "user", "content": text}]}, thread)
    turns.append({
        "step": out["step"],
        "reply": out["messages"][-1].content,
        "dummy_rate": out["config"].dummy_rate,
        "command": list(out["job"].command) if out.get("job") is not None else None,
    })
yolo = TrainingConfig(
    model_name="yolov8n", framework="ultralytics", task_type="object_detection",
    dataset_path="/data/coco8", epochs=1, batch_size=2, learning_rate=0.01, dummy_rate=4.5,
)
print(json.dumps({
    "turns": turns,
    "korean": parse_message("더미 비율 2.5로 해줘").changes.dummy_rate,
    "english": parse_message("dummy_rate=0.5 and 20 epochs").changes.stated(),
    "yolo": list(build_job(yolo).command),
    "yolo_yaml": build_job(yolo).ultralytics_yaml(),
    "out_of_range": parse_message("dummy rate 99").changes.dummy_rate,
}))
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("dummy_slot")
    shutil.copytree(REPO / "graph", root / "graph", ignore=shutil.ignore_patterns("__pycache__"))
    specs = root / "graph" / "slot_specs.py"
    source = specs.read_text(encoding="utf-8")
    assert source.count(_CLOSE) == 1, "the end of SLOT_SPECS moved; update _CLOSE"
    specs.write_text(source.replace(_CLOSE, "\n" + DUMMY.rstrip("\n") + _CLOSE), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root / "data")],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_copy_is_the_one_imported(run: dict[str, Any]) -> None:
    # The real package has no dummy: whatever is found below came from the one added entry.
    from graph.config import TrainingConfig

    assert "dummy_rate" not in TrainingConfig.model_fields
    assert run["turns"][0]["dummy_rate"] is None


def test_the_question_asks_for_it_when_the_others_are_given(run: dict[str, Any]) -> None:
    first = run["turns"][0]
    assert first["step"] == "hyperparameters"
    assert "What dummy rate? (a slot added by a test)" in first["reply"]


def test_the_parser_reads_it_in_english_and_korean(run: dict[str, Any]) -> None:
    assert run["turns"][1]["dummy_rate"] == 3.0
    assert run["korean"] == 2.5
    assert run["english"] == {"dummy_rate": 0.5, "epochs": 20}
    assert run["out_of_range"] == 99  # read as stated; the range check refuses it later


def test_the_summary_lists_it(run: dict[str, Any]) -> None:
    confirm = run["turns"][1]
    assert confirm["step"] == "confirm"
    assert "- dummy rate: 3" in confirm["reply"]


def test_what_it_means_and_relative_changes_come_from_the_declaration(
    run: dict[str, Any],
) -> None:
    assert "A rate that only the dummy-slot test knows." in run["turns"][2]["reply"]
    assert "timm 1.0, ultralytics 2.0" in run["turns"][2]["reply"]
    assert run["turns"][3]["dummy_rate"] == 6.0


def test_the_command_carries_its_flag_and_key(run: dict[str, Any]) -> None:
    command = run["turns"][4]["command"]
    assert command is not None
    assert command[command.index("--dummy-rate") + 1] == "6.0"
    assert "dummy_rate=4.5" in run["yolo"]
    assert "dummy_rate: 4.5" in run["yolo_yaml"]
