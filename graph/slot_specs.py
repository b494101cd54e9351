"""Every configuration slot declared once: what it holds, how it is asked, read and run.

Why one declaration per slot, like a Rasa form: the slot's type, range, when it is required, its
English and Korean label and question, the words the offline parser knows it by, its timm flag
and ultralytics key and each framework's default are facts about *one* field, and everything
else reads them from here — ``TrainingConfig``'s fields, the patch schema sent to the model, the
parser's vocabulary, the questions and "what does it mean?" answers, the summary, the required
lists, the range checks, the exported command and the trainers' arguments. Adding a slot is one
more ``SlotSpec`` in ``SLOT_SPECS`` (``tests/graph/test_dummy_slot.py`` proves it).

This module holds data only and imports nothing that imports it back, so every other module of
``graph`` can read it. The behaviour that is not data — validating a model name against the
catalog, inspecting a dataset folder — stays in ``graph.slots``, keyed by slot name; a slot
without such a validator gets the generic range/choice check of ``graph.hyperparameters``.

Sources of the framework facts (flags, keys, defaults; read from the real packages): timm's
``train.py`` argparse defaults at pytorch-image-models commit aa4b5850 (the 1.0.31 wheel does
not ship ``train.py``): ``--epochs 300``, ``-b 128``, ``--lr None`` → ``lr_base 0.1 × batch /
256`` (= 0.05 at batch 128 with SGD), ``--opt sgd``, ``--weight-decay 2e-5``, ``--momentum
0.9``, ``--sched cosine``, ``--warmup-epochs 5`` (an int), ``--patience-epochs 10`` (patience of
the *plateau* scheduler; timm has no early stopping), ``--seed 42``, ``--img-size None`` (the
model's pretrained input size). ultralytics 8.4.190 ``cfg/default.yaml``: ``epochs 100``,
``batch 16``, ``imgsz 640``, ``optimizer auto``, ``lr0 0.01``, ``momentum 0.937``,
``weight_decay 0.0005``, ``warmup_epochs 3.0``, ``patience 100``, ``seed 0``, ``cos_lr False``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graph.frameworks import OPTIMIZERS, SCHEDULERS, Framework
from graph.replies import Text

__all__ = [
    "Framework",
    "TaskType",
    "DatasetFormat",
    "SlotStep",
    "Requirement",
    "SlotSpec",
    "SLOT_SPECS",
]

TaskType = Literal[
    "image_classification",
    "object_detection",
    "instance_segmentation",
    "pose_estimation",
    "oriented_detection",
]
"""What a model learns to do (``TrainingConfig.task_type``)."""

DatasetFormat = Literal["imagefolder", "yolo", "coco", "voc"]
"""Layouts a dataset can have (``TrainingConfig.dataset_format``)."""

SlotStep = Literal["select_model", "dataset", "hyperparameters"]
"""The conversation step that asks for a slot."""

Requirement = Literal["required", "when_inspected", "classes", "optional"]
"""When a slot must be filled before confirming.

``required``: always. ``when_inspected``: only when inspection found the dataset and could
determine the value (it is then filled from it). ``classes``: like ``when_inspected``, and also
for timm, whose ``train.py`` needs ``--num-classes`` even for a dataset on another machine.
"""


@dataclass(frozen=True)
class SlotSpec:
    """One configuration field, declared once; the lists derived from all of them are in
    ``graph.slot_index``."""

    name: str
    """``TrainingConfig`` field name; also the key in the patch a model proposes."""
    type: Any
    """``int``, ``float``, ``str``, ``bool`` or a ``Literal`` of the allowed values."""
    step: SlotStep
    """Step that asks for it; the conversation is at this step while it is missing."""
    requirement: Requirement
    """When it must be filled before confirmation."""
    label: Text
    """Short name in summaries and refusals ("batch size" / "배치 크기")."""
    question: Text
    """How it is asked, with the short reason why."""
    hint: str
    """What the language model is told about the field (the patch schema's description)."""
    words: str = ""
    """How people name it in a message, English and Korean (a case-insensitive regular
    expression); empty when the offline parser finds the value another way (a model name)."""
    aliases: tuple[str, ...] = ()
    """Short names a question may use for it besides its label ("lr", "배치")."""
    description: Text | None = None
    """The answer to "what does it mean?"; ``None`` answers with the label and question."""
    minimum: float | None = None
    """Smallest value the conversation accepts (numbers only)."""
    maximum: float | None = None
    """Largest value the conversation accepts (numbers only)."""
    exclusive_minimum: bool = False
    """True when ``minimum`` itself is refused (a learning rate of 0)."""
    bounds: tuple[tuple[str, float], ...] = ()
    """What ``TrainingConfig`` itself refuses (pydantic ``ge``/``gt``), so that no nonsense can
    be constructed even without the conversation's checks; looser than the range above."""
    choices: Mapping[str, tuple[str, ...]] | None = None
    """Each framework's own names for a named value (optimizers, schedules)."""
    timm_flag: str | None = None
    """timm ``train.py`` option that carries it (hyperparameters)."""
    ultralytics_key: str | None = None
    """ultralytics ``cfg/default.yaml`` key that carries it (hyperparameters)."""
    timm_type: type | None = None
    """The type ``train.py`` declares for the flag when it differs from ``type`` (its
    ``--warmup-epochs`` is an int): the value is converted on the way out."""
    timm_default: Any = None
    """What timm's ``train.py`` uses when the flag is not given."""
    ultralytics_default: Any = None
    """What ultralytics' ``cfg/default.yaml`` says."""
    unset: Text | None = None
    """What an empty value means in summaries (``pretrained``: "yes (default)"); ``None`` shows
    "(not set)" and leaves the slot out of summaries until it has a value."""
    relative: bool = False
    """Whether "10 more" / "halve it" can change it (a count or a rate, not a seed)."""

    @property
    def is_hyperparameter(self) -> bool:
        """True for a training hyperparameter: asked at the hyperparameters step, carried by a
        framework flag, defaulted by "use the defaults"."""
        return self.step == "hyperparameters"

    @property
    def is_number(self) -> bool:
        """True when the value is a number the parser reads next to the slot's words."""
        return self.type in (int, float)

    def range_text(self, lang: str = "en") -> str:
        """The accepted range in words, e.g. ``between 1 and 10000`` / ``1 이상 10000 이하``."""
        if self.minimum is None or self.maximum is None:
            return ""
        low, high = _fmt(self.minimum), _fmt(self.maximum)
        if lang == "ko":
            return f"{low} {'초과' if self.exclusive_minimum else '이상'} {high} 이하"
        if self.exclusive_minimum:
            return f"greater than {low} and at most {high}"
        return f"between {low} and {high}"

    def default_for(self, framework: str) -> Any:
        """What ``framework`` itself uses when the slot is left unset."""
        return self.timm_default if framework == "timm" else self.ultralytics_default


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


_TIMM_BATCH = 128
_TIMM_LR = 0.1 * _TIMM_BATCH / 256  # timm: --lr-base 0.1 scaled linearly by batch / 256 (SGD)

SLOT_SPECS: tuple[SlotSpec, ...] = (
    SlotSpec(
        name="model_name",
        type=str,
        step="select_model",
        requirement="required",
        label=Text("model", "모델"),
        question=Text(
            "Which model should I train? It decides the framework and the task "
            "(e.g. resnet18 for classification, yolov8n for detection).",
            "어떤 모델을 학습할까요? 모델이 프레임워크와 작업을 정합니다 "
            "(예: 분류는 resnet18, 검출은 yolov8n).",
        ),
        hint="Model the user chose, as written, e.g. 'ResNet18', 'yolov8n'.",
        words=r"model|모델",
        aliases=("model",),
    ),
    SlotSpec(
        name="framework",
        type=Framework,
        step="select_model",
        requirement="required",
        label=Text("framework", "프레임워크"),
        question=Text(
            "Which framework (timm or ultralytics)?",
            "프레임워크는 무엇인가요 (timm 또는 ultralytics)?",
        ),
        hint="Only if the user named the library.",
    ),
    SlotSpec(
        name="task_type",
        type=TaskType,
        step="select_model",
        requirement="required",
        label=Text("task", "작업"),
        question=Text("Which task is it for?", "어떤 작업용인가요?"),
        hint="Only if the user named the task.",
        words=r"task|작업|태스크",
    ),
    SlotSpec(
        name="pretrained",
        type=bool,
        step="select_model",
        requirement="optional",
        label=Text("pretrained weights", "사전학습 가중치"),
        question=Text(
            "Start from the model's pretrained weights? Yes by default (learns faster from "
            "little data); say 'from scratch' to start from random weights.",
            "모델의 사전학습 가중치로 시작할까요? 기본은 예입니다(적은 데이터로도 빨리 배웁니다). "
            "무작위 가중치로 시작하려면 '사전학습 없이'라고 말씀해 주세요.",
        ),
        hint=(
            "False for 'from scratch' / 'no pretrained weights' / '사전학습 없이'; true for "
            "'with pretrained weights'; null when not mentioned. 'start over' is not from scratch."
        ),
        words=r"pre[\s_\-]?trained(?:[\s_\-]?weights)?|사전\s*학습(?:\s*가중치)?",
        unset=Text("yes (default)", "예 (기본값)"),
    ),
    SlotSpec(
        name="weights",
        type=str,
        step="select_model",
        requirement="optional",
        label=Text("weights file", "가중치 파일"),
        question=Text(
            "A local weights file to start from instead (e.g. 'use weights runs/best.pt').",
            "대신 시작할 로컬 가중치 파일입니다 (예: '가중치 runs/best.pt 사용').",
        ),
        hint="A local weights file to start from, exactly as written (e.g. best.pt).",
        words=r"weights?[\s_\-]?file|가중치\s*파일",
        unset=Text("none", "없음"),
    ),
    SlotSpec(
        name="dataset_path",
        type=str,
        step="dataset",
        requirement="required",
        label=Text("dataset path", "데이터셋 경로"),
        question=Text(
            "Where is the dataset? Give me its folder path so I can check its format and classes.",
            "데이터셋은 어디에 있나요? 형식과 클래스를 확인할 수 있게 폴더 경로를 알려 주세요.",
        ),
        hint=("Dataset location exactly as written, without surrounding quotes or trailing words."),
        words=r"dataset[\s_\-]?path|데이터셋\s*경로",
        aliases=("dataset",),
    ),
    SlotSpec(
        name="dataset_format",
        type=DatasetFormat,
        step="dataset",
        requirement="when_inspected",
        label=Text("dataset format", "데이터셋 형식"),
        question=Text(
            "What format is the dataset (imagefolder, yolo, coco or voc)?",
            "데이터셋 형식은 무엇인가요 (imagefolder, yolo, coco, voc)?",
        ),
        hint="Only if the user named the format.",
    ),
    SlotSpec(
        name="num_classes",
        type=int,
        step="dataset",
        requirement="classes",
        label=Text("classes", "클래스 수"),
        question=Text("How many classes are there?", "클래스는 몇 개인가요?"),
        hint="Number of classes, if stated.",
        words=r"num[\s_\-]?classes|number\s+of\s+classes|classes|클래스\s*수|클래스\s*개수|클래스",
        aliases=("classes",),
        bounds=(("ge", 1),),
        relative=True,
    ),
    SlotSpec(
        name="epochs",
        type=int,
        step="hyperparameters",
        requirement="required",
        label=Text("epochs", "에폭"),
        question=Text(
            "How many epochs should it train? (how long training runs)",
            "몇 에폭 학습할까요? (학습 시간을 정합니다)",
        ),
        hint="Number of epochs, if stated.",
        words=r"epochs?|에폭|에포크|이폭",
        aliases=("epoch", "에폭", "에포크"),
        description=Text(
            "How many full passes over the training images the model makes.",
            "학습 데이터 전체를 몇 번 반복해서 학습할지(에폭 수)입니다.",
        ),
        minimum=1,
        maximum=10_000,
        bounds=(("ge", 1),),
        timm_flag="--epochs",
        ultralytics_key="epochs",
        timm_default=300,
        ultralytics_default=100,
        relative=True,
    ),
    SlotSpec(
        name="batch_size",
        type=int,
        step="hyperparameters",
        requirement="required",
        label=Text("batch size", "배치 크기"),
        question=Text(
            "What batch size? (images per step; limited by GPU memory)",
            "배치 크기는 얼마로 할까요? (한 번에 보는 이미지 수, GPU 메모리에 맞게)",
        ),
        hint="Batch size, if stated.",
        words=r"batch[\s_\-]?sizes?|batch|bs|배치\s*크기|배치\s*사이즈|배치",
        aliases=("batch", "배치", "배치 크기"),
        description=Text(
            "How many images the model sees before each weight update; larger needs more GPU "
            "memory.",
            "가중치를 한 번 갱신할 때 함께 보는 이미지 수입니다. 클수록 GPU 메모리를 더 씁니다.",
        ),
        minimum=1,
        maximum=8192,
        bounds=(("ge", 1),),
        timm_flag="--batch-size",
        ultralytics_key="batch",
        timm_default=_TIMM_BATCH,
        ultralytics_default=16,
        relative=True,
    ),
    SlotSpec(
        name="learning_rate",
        type=float,
        step="hyperparameters",
        requirement="required",
        label=Text("learning rate", "학습률"),
        question=Text(
            "What learning rate? (how big each update is, e.g. 0.001)",
            "학습률은 얼마로 할까요? (한 번에 가중치를 바꾸는 크기, 예: 0.001)",
        ),
        hint="Learning rate, if stated (e.g. 3e-4).",
        words=r"learning[\s_\-]?rates?|lr0|lr|학습률|학습\s*률|러닝\s*레이트",
        aliases=("lr", "lr0", "학습률"),
        description=Text(
            "How big each weight update step is; too high diverges, too low learns slowly.",
            "가중치를 한 번에 얼마나 크게 바꿀지(학습률)입니다. 너무 크면 발산하고 너무 작으면 "
            "느립니다.",
        ),
        minimum=0,
        maximum=1,
        exclusive_minimum=True,
        bounds=(("gt", 0),),
        timm_flag="--lr",
        ultralytics_key="lr0",
        timm_default=_TIMM_LR,
        ultralytics_default=0.01,
        relative=True,
    ),
    SlotSpec(
        name="optimizer",
        type=str,
        step="hyperparameters",
        requirement="optional",
        label=Text("optimizer", "옵티마이저"),
        question=Text("Which optimizer?", "옵티마이저는?"),
        hint="Optimizer name, if stated.",
        words=r"optimi[sz]er|옵티마이저|최적화\s*(?:기|알고리즘)",
        description=Text(
            "The algorithm that turns gradients into weight updates (e.g. SGD, AdamW).",
            "기울기로 가중치를 갱신하는 알고리즘(예: SGD, AdamW)입니다.",
        ),
        choices=OPTIMIZERS,
        timm_flag="--opt",
        ultralytics_key="optimizer",
        timm_default="sgd",
        ultralytics_default="auto",
    ),
    SlotSpec(
        name="image_size",
        type=int,
        step="hyperparameters",
        requirement="optional",
        label=Text("image size", "이미지 크기"),
        question=Text("Image size?", "이미지 크기는?"),
        hint="Input image size in pixels, if stated.",
        words=(
            r"image[\s_\-]?sizes?|img[\s_\-]?sizes?|imgsz|input[\s_\-]?sizes?|resolution"
            r"|이미지\s*크기|이미지\s*사이즈|입력\s*크기|해상도"
        ),
        aliases=("imgsz",),
        description=Text(
            "The square size in pixels images are resized to for training.",
            "학습할 때 이미지를 맞추는 정사각형 크기(픽셀)입니다.",
        ),
        minimum=32,
        maximum=4096,
        bounds=(("ge", 1),),
        timm_flag="--img-size",
        ultralytics_key="imgsz",
        timm_default=224,
        ultralytics_default=640,
        relative=True,
    ),
    SlotSpec(
        name="weight_decay",
        type=float,
        step="hyperparameters",
        requirement="optional",
        label=Text("weight decay", "가중치 감쇠"),
        question=Text("Weight decay?", "가중치 감쇠는?"),
        hint="Weight decay, if stated.",
        words=r"weight[\s_\-]?decay|wd|가중치\s*감쇠|웨이트\s*디케이",
        description=Text(
            "A penalty on large weights that reduces overfitting.",
            "큰 가중치에 벌점을 주어 과적합을 줄이는 값입니다.",
        ),
        minimum=0,
        maximum=1,
        bounds=(("ge", 0),),
        timm_flag="--weight-decay",
        ultralytics_key="weight_decay",
        timm_default=2e-05,
        ultralytics_default=0.0005,
        relative=True,
    ),
    SlotSpec(
        name="momentum",
        type=float,
        step="hyperparameters",
        requirement="optional",
        label=Text("momentum", "모멘텀"),
        question=Text("Momentum?", "모멘텀은?"),
        hint="Momentum, if stated.",
        words=r"momentum|모멘텀",
        description=Text(
            "How much of the previous update carries into the next (Adam's beta1 in ultralytics).",
            "이전 갱신 방향을 다음 갱신에 얼마나 이어갈지입니다(ultralytics에서는 Adam의 beta1).",
        ),
        minimum=0,
        maximum=0.999,
        bounds=(("ge", 0),),
        timm_flag="--momentum",
        ultralytics_key="momentum",
        timm_default=0.9,
        ultralytics_default=0.937,
        relative=True,
    ),
    SlotSpec(
        name="scheduler",
        type=str,
        step="hyperparameters",
        requirement="optional",
        label=Text("scheduler", "스케줄러"),
        question=Text("Scheduler?", "스케줄러는?"),
        hint="Learning-rate scheduler, if stated.",
        words=r"(?:lr[\s_\-]?)?schedul(?:er|e)|스케줄러",
        description=Text(
            "How the learning rate changes over training (e.g. cosine decay).",
            "학습 중 학습률을 어떻게 바꿀지(예: 코사인 감소)입니다.",
        ),
        choices=SCHEDULERS,
        timm_flag="--sched",
        ultralytics_key="cos_lr",
        timm_default="cosine",
        ultralytics_default="linear",
    ),
    SlotSpec(
        name="warmup_epochs",
        type=float,
        step="hyperparameters",
        requirement="optional",
        label=Text("warm-up epochs", "워밍업 에폭"),
        question=Text("Warm-up?", "워밍업은?"),
        hint="Warm-up epochs, if stated.",
        words=r"warm[\s_\-]?up(?:[\s_\-]?epochs?)?|워밍업(?:\s*에폭)?|웜업",
        description=Text(
            "Epochs at the start during which the learning rate ramps up gently.",
            "처음에 학습률을 천천히 올리는 에폭 수(워밍업)입니다.",
        ),
        minimum=0,
        maximum=1000,
        bounds=(("ge", 0),),
        timm_flag="--warmup-epochs",
        ultralytics_key="warmup_epochs",
        timm_type=int,
        timm_default=5,
        ultralytics_default=3.0,
        relative=True,
    ),
    SlotSpec(
        name="patience",
        type=int,
        step="hyperparameters",
        requirement="optional",
        label=Text("patience", "조기 종료 인내"),
        question=Text("Patience?", "인내 에폭은?"),
        hint="Early-stopping patience in epochs, if stated.",
        words=r"(?:early[\s_\-]?stopping[\s_\-]?)?patience|조기\s*종료(?:\s*인내)?|인내심?",
        description=Text(
            "Epochs without improvement before stopping early (timm: before the plateau "
            "scheduler lowers the learning rate).",
            "성능이 나아지지 않을 때 조기 종료까지 기다리는 에폭 수입니다(timm에서는 plateau "
            "스케줄러가 학습률을 낮추기까지).",
        ),
        minimum=0,
        maximum=10_000,
        bounds=(("ge", 0),),
        timm_flag="--patience-epochs",
        ultralytics_key="patience",
        timm_default=10,
        ultralytics_default=100,
        relative=True,
    ),
    SlotSpec(
        name="seed",
        type=int,
        step="hyperparameters",
        requirement="optional",
        label=Text("seed", "시드"),
        question=Text("Seed?", "시드는?"),
        hint="Random seed, if stated.",
        words=r"(?:random[\s_\-]?)?seed|랜덤\s*시드|시드",
        description=Text(
            "The random seed; the same seed makes runs repeatable.",
            "난수 시드입니다. 같은 시드면 같은 결과를 재현할 수 있습니다.",
        ),
        minimum=0,
        maximum=2**32 - 1,
        bounds=(("ge", 0),),
        timm_flag="--seed",
        ultralytics_key="seed",
        timm_default=42,
        ultralytics_default=0,
    ),
)
"""Every slot, in the order it is asked and summarised. A new slot is one more entry here."""
