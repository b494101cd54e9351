"""Every sentence the agent says, in English and Korean, in one table.

Nodes and validators never write prose inline: they name a message and pass values, so the two
languages cannot drift apart and a test can check that every key exists in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["Text", "MESSAGES", "TASK_NAMES", "task_name", "say", "shown", "detect_language"]


@dataclass(frozen=True)
class Text:
    """One piece of text in both reply languages."""

    en: str
    """English."""
    ko: str
    """Korean."""

    def in_(self, lang: str) -> str:
        """The text in ``lang`` (English for anything but ``"ko"``)."""
        return self.ko if lang == "ko" else self.en


TASK_NAMES: Mapping[str, Text] = MappingProxyType(
    {
        "image_classification": Text("image classification", "이미지 분류"),
        "object_detection": Text("object detection", "객체 탐지"),
        "instance_segmentation": Text("instance segmentation", "인스턴스 분할"),
        "pose_estimation": Text("pose estimation", "자세 추정"),
        "oriented_detection": Text("oriented (rotated-box) detection", "회전 박스 탐지"),
    }
)
"""Each task as people say it; replies never show the identifier (``object_detection``)."""


def task_name(task: str | None, lang: str) -> str:
    """``task`` in words in ``lang`` ("객체 탐지"); an unknown value is shown as it is."""
    if task is None:
        return ""
    return TASK_NAMES[task].in_(lang) if task in TASK_NAMES else task


MESSAGES: Mapping[str, Text] = MappingProxyType(
    {
        # validation
        "nothing_changed": Text("Nothing was changed.", "아무것도 바꾸지 않았습니다."),
        "kept_value": Text("Keeping {value}.", "{value} 값을 유지합니다."),
        "did_you_mean": Text(" Did you mean {names}?", " 혹시 {names}을(를) 말씀하신 건가요?"),
        "unknown_model": Text(
            "I don't know a model called '{name}'.{hint}",
            "'{name}'(이)라는 모델을 찾지 못했습니다.{hint}",
        ),
        "untrainable_model": Text(
            "{name} is a {framework} model; I can only train timm or ultralytics models.",
            "{name}은(는) {framework} 모델입니다. timm 또는 ultralytics 모델만 학습할 수 있습니다.",
        ),
        "no_pretrained": Text(
            "{name} has no pretrained weights, so it trains from scratch.",
            "{name}은(는) 사전학습 가중치가 없어 처음부터 학습합니다.",
        ),
        "pretrained_unavailable": Text(
            "{name} has no pretrained weights, so it can only train from scratch.",
            "{name}은(는) 사전학습 가중치가 없어 처음부터만 학습할 수 있습니다.",
        ),
        "weights_dropped": Text(
            "No longer starting from {path}.", "{path} 가중치 파일은 더 이상 쓰지 않습니다."
        ),
        "weights_suffix": Text(
            "{path} is not a weights file {framework} can load (expected {suffixes}).",
            "{path}은(는) {framework}가 읽을 수 있는 가중치 파일이 아닙니다 ({suffixes} 필요).",
        ),
        "weights_not_found": Text(
            "{path} was not found on this machine; I kept it as given (the job may run "
            "elsewhere), but a run here will fail until the file exists.",
            "{path} 파일을 이 컴퓨터에서 찾지 못했습니다. 작업이 다른 곳에서 실행될 수 있으니 "
            "입력한 대로 두었지만, 여기서 학습하려면 파일이 있어야 합니다.",
        ),
        "yes_value": Text("yes", "예"),
        "no_value": Text("no", "아니요"),
        "pretrained_default": Text("yes (default)", "예 (기본값)"),
        "unknown_framework": Text(
            "'{value}' is not a framework I can train with (timm or ultralytics).",
            "'{value}'은(는) 지원하는 프레임워크가 아닙니다 (timm 또는 ultralytics).",
        ),
        "framework_mismatch": Text(
            "{name} is a {framework} model, so the framework stays {framework}; "
            "pick another model to change it.",
            "{name}은(는) {framework} 모델이라 프레임워크는 {framework}로 유지됩니다. "
            "바꾸려면 다른 모델을 고르세요.",
        ),
        "task_mismatch": Text(
            "{name} does {task}; choose a model built for the task you want.",
            "{name}은(는) {task} 모델입니다. 원하는 작업에 맞는 모델을 고르세요.",
        ),
        "empty_path": Text("The dataset path is empty.", "데이터셋 경로가 비어 있습니다."),
        "path_not_found": Text(
            "{path} was not found on this machine; I kept it as given (the job may run "
            "elsewhere), so its format and classes are unchecked.",
            "{path} 경로를 이 컴퓨터에서 찾지 못했습니다. 작업이 다른 곳에서 실행될 수 있으니 "
            "입력한 대로 두었지만 형식과 클래스는 확인하지 못했습니다.",
        ),
        "format_mismatch": Text(
            "The dataset looks like {found}, not {value}; keeping {found}.",
            "데이터셋은 {value}이(가) 아니라 {found} 형식입니다. {found}(으)로 유지합니다.",
        ),
        "bad_num_classes": Text(
            "The number of classes must be a whole number of at least 1; got {value!r}.",
            "클래스 수는 1 이상의 정수여야 합니다. 입력값: {value!r}.",
        ),
        "classes_mismatch": Text(
            "The dataset has {found} classes, not {value}.",
            "데이터셋의 클래스는 {value}개가 아니라 {found}개입니다.",
        ),
        "refused": Text("{name} was not accepted.", "{name} 값을 받아들이지 않았습니다."),
        "invalid_value": Text(
            "{name} = {value!r} is not valid ({error}).",
            "{name} = {value!r} 값은 올바르지 않습니다 ({error}).",
        ),
        # turn outcomes
        "set": Text("Set {items}.", "{items}(으)로 설정했습니다."),
        "dropped": Text(
            "Cleared {name} ({value}): {reason}",
            "{name}({value}) 값을 지웠습니다: {reason}",
        ),
        "defaults": Text(
            "Filled the {framework} defaults: {items}.",
            "{framework} 기본값을 채웠습니다: {items}.",
        ),
        "defaults_kept": Text("Kept your own {items}.", "직접 정하신 {items} 값은 유지했습니다."),
        "defaults_need_model": Text(
            "The defaults depend on the framework, so I need the model first.",
            "기본값은 프레임워크마다 달라서 먼저 모델을 정해야 합니다.",
        ),
        "undo_done": Text("Undone: {items}.", "되돌렸습니다: {items}."),
        "dataset_changed": Text(
            "{path} has changed since it was inspected; I restored what was seen then. Give "
            "the path again to use the folder as it is now.",
            "{path} 폴더가 검사한 뒤로 바뀌었습니다. 그때 확인한 내용으로 되돌렸습니다. 지금 "
            "상태로 쓰려면 경로를 다시 알려 주세요.",
        ),
        "undo_empty": Text("There is nothing to undo.", "되돌릴 변경이 없습니다."),
        "reset_done": Text(
            "Started over: the configuration is empty (say 'undo' to get it back).",
            "처음부터 다시 시작합니다. 설정을 비웠습니다 ('되돌리기'로 복구할 수 있습니다).",
        ),
        "not_understood": Text(
            "I didn't find a setting in that.", "말씀하신 내용에서 설정값을 찾지 못했습니다."
        ),
        "not_ready": Text(
            "Not ready to start yet: {items} still missing.",
            "아직 시작할 수 없습니다. {items}이(가) 필요합니다.",
        ),
        "blocked": Text(
            "I can't start this job: {problem} Change the model or the dataset first.",
            "이 작업은 시작할 수 없습니다: {problem} 먼저 모델이나 데이터셋을 바꾸세요.",
        ),
        "declined": Text(
            "No problem — I won't start it, and the configuration is kept as it is. Tell me what "
            "to change, or say yes when you want to start.",
            "알겠습니다. 시작하지 않고 설정은 그대로 두겠습니다. 무엇을 바꿀지 말씀해 주시거나, "
            "시작하려면 '네'라고 해 주세요.",
        ),
        "confirm_ask": Text(
            "Shall I start training with this? Say yes to confirm, or tell me what to change.",
            "이 설정으로 학습을 시작할까요? 확정하려면 '네', 바꿀 것이 있으면 말씀해 주세요.",
        ),
        "summary_title": Text("Configuration:", "설정 요약:"),
        "summary_rest": Text(
            "Everything else uses the {framework} defaults.",
            "나머지는 {framework} 기본값을 씁니다.",
        ),
        "summary_rest_unknown": Text(
            "Everything else uses the framework's defaults.",
            "나머지는 프레임워크 기본값을 씁니다.",
        ),
        "config_title": Text("Current configuration:", "현재 설정:"),
        "config_empty": Text("Nothing is set yet.", "아직 설정된 값이 없습니다."),
        "config_missing": Text("Still needed: {items}.", "아직 필요한 항목: {items}."),
        "already": Text(
            "{items} — already set, nothing changed.", "{items} — 이미 그렇게 설정되어 있습니다."
        ),
        "relative_set": Text("Changed {items}.", "{items}(으)로 바꿨습니다."),
        "relative_unset": Text(
            '{name} is not set yet, so "{amount}" has nothing to start from. What {name} '
            "should I use?",
            "{name} 값이 아직 없어서 '{amount}'의 기준이 없습니다. {name}을(를) 얼마로 할까요?",
        ),
        "ambiguous": Text(
            "Did you mean {options}? I changed nothing yet.",
            "{options} 중 어느 쪽인가요? 아직 아무것도 바꾸지 않았습니다.",
        ),
        "option_or": Text(" or ", " 아니면 "),
        "ask_amount_up": Text(
            "By how much should {name} go up{now}? Give the new value, or an amount or factor "
            "(e.g. 'double it'). I changed nothing yet.",
            "{name}을(를) 얼마나 늘릴까요{now}? 새 값이나 늘릴 양·배수(예: '두 배로')를 알려 주세요. "
            "아직 아무것도 바꾸지 않았습니다.",
        ),
        "ask_amount_down": Text(
            "By how much should {name} go down{now}? Give the new value, or an amount or factor "
            "(e.g. 'halve it'). I changed nothing yet.",
            "{name}을(를) 얼마나 줄일까요{now}? 새 값이나 줄일 양·배수(예: '반으로')를 알려 주세요. "
            "아직 아무것도 바꾸지 않았습니다.",
        ),
        "option_relative": Text("{amount} (→ {result})", "{amount} (→ {result})"),
        "option_absolute": Text("{name} = {value}", "{name} = {value}"),
        "option_unset_base": Text("{amount}", "{amount}"),
        "fractional_result": Text(
            "{name} {old} {op} gives {result}, which is not a whole number.",
            "{name} {old}에 {op}하면 {result}(으)로 정수가 아닙니다.",
        ),
        "dataset_misfit_ways": Text(
            "To go on, either pick a model that fits this dataset ({task}: {models}), or give "
            "another dataset that has {needed}.",
            "계속하려면 이 데이터셋에 맞는 모델({task}: {models})을 고르거나, {needed}이(가) 있는 "
            "다른 데이터셋을 알려 주세요.",
        ),
        "dataset_misfit_other": Text(
            "To go on, give another dataset that fits {task}, or pick another model.",
            "계속하려면 {task}에 맞는 다른 데이터셋을 알려 주거나 다른 모델을 고르세요.",
        ),
        "other_domain": Text(
            "{name} is {what}, not a vision model, so trainchat cannot train it. What I can "
            "train instead: {offers}.",
            "{name}은(는) {what}이며 비전 모델이 아니라서 trainchat으로 학습할 수 없습니다. "
            "대신 학습할 수 있는 모델: {offers}.",
        ),
        "other_domain_language": Text(
            "a large language model (it reads and writes text)",
            "대규모 언어 모델(텍스트를 읽고 쓰는 모델)",
        ),
        "other_domain_image_generation": Text(
            "an image-generation model (it makes images from text)",
            "이미지 생성 모델(텍스트로 이미지를 만드는 모델)",
        ),
        "other_domain_speech": Text(
            "a speech model (it turns audio into text)", "음성 모델(음성을 텍스트로 바꾸는 모델)"
        ),
        "other_domain_multimodal": Text(
            "a multimodal chat model (text in and out)", "멀티모달 대화 모델(텍스트 입출력)"
        ),
        "new_job_carried": Text(
            "Starting a new job. Kept from the last one: the dataset {path} (say another path to "
            "change it); the hyperparameters start empty because they were chosen for the "
            "previous model.",
            "새 작업을 시작합니다. 이전 작업에서 데이터셋 {path}은(는) 그대로 가져왔고(바꾸려면 "
            "다른 경로를 말씀하세요), 하이퍼파라미터는 이전 모델에 맞춘 값이라 비워 두었습니다.",
        ),
        "not_set": Text("(not set)", "(미설정)"),
        "done": Text(
            "Confirmed. The job is ready and this configuration is now frozen.",
            "확정했습니다. 작업이 준비되었고 이 설정은 이제 고정됩니다.",
        ),
        "command": Text("Command: {command}", "실행 명령: {command}"),
        "frozen": Text(
            "This job is already confirmed and frozen, so I won't change it. "
            "Say 'new' (or 'start over') to configure a new job.",
            "이 작업은 이미 확정되어 고정되었으므로 바꿀 수 없습니다. "
            "새 작업을 설정하려면 '새로'(또는 '처음부터')라고 말씀해 주세요.",
        ),
        "new_config": Text("Starting a new configuration.", "새 설정을 시작합니다."),
        "compat": Text("Note: {problem}", "참고: {problem}"),
        "compat_blocking": Text("Problem: {problem}", "문제: {problem}"),
        # questions
        "help": Text(
            "I set up a training job with you: a model (e.g. resnet18, yolov8n), a dataset "
            "folder, and hyperparameters (epochs, batch size, learning rate — or 'use the "
            "defaults'). Say several at once, correct anything ('actually use efficientnet_b0'), "
            "'undo', 'start over', or ask 'what's left?'.",
            "모델(예: resnet18, yolov8n), 데이터셋 폴더, 하이퍼파라미터(에폭, 배치 크기, 학습률 — "
            "또는 '기본값')를 함께 정해 학습 작업을 만듭니다. 여러 값을 한 번에 말하거나, "
            "고치거나('efficientnet_b0로 바꿔줘'), '되돌리기', '처음부터', '뭐가 남았어?'라고 "
            "물어보세요.",
        ),
        "remaining": Text("Still needed: {items}.", "아직 필요한 항목: {items}."),
        "remaining_none": Text("Everything required is set.", "필요한 항목이 모두 설정되었습니다."),
        "explain_unknown": Text("I can explain: {items}.", "설명할 수 있는 항목: {items}."),
        "other_question": Text(
            "I'm not sure what you're asking. Say 'help' to see what I can do.",
            "질문을 이해하지 못했습니다. '도움말'이라고 하시면 할 수 있는 일을 알려 드립니다.",
        ),
        "models_found": Text("Models{filter}: {items}.", "모델{filter}: {items}."),
        "models_none": Text("I found no models{filter}.", "조건{filter}에 맞는 모델이 없습니다."),
        "model_unknown": Text(
            "I don't know '{name}'.{hint}", "'{name}' 모델을 찾지 못했습니다.{hint}"
        ),
        "models_for_task": Text("For {task}: {items}.", "{task}에 맞는 모델: {items}."),
        "recommend": Text(
            "For {task} I'd suggest {items} — small, pretrained models that fine-tune well on "
            "little data.",
            "{task}에는 {items}을(를) 추천합니다. 작고 사전학습되어 적은 데이터로도 잘 학습됩니다.",
        ),
        "question_no_change": Text(
            "(Nothing in the configuration changed.)", "(설정은 바뀌지 않았습니다.)"
        ),
    }
)
"""Every message key and its English and Korean text (``str.format`` placeholders)."""


def shown(value: Any) -> str:
    """A value as a reply writes it: floats without trailing noise (``0.001``, ``1e-05``),
    anything else as text."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def say(key: str, lang: str, **values: Any) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in."""
    return MESSAGES[key].in_(lang).format(**values)


def detect_language(text: str, previous: Literal["en", "ko"]) -> Literal["en", "ko"]:
    """Korean when the message has Hangul, English when it has English words, else unchanged.

    A bare path or number says nothing about the language, so it keeps the previous one.
    """
    if any("\uac00" <= char <= "\ud7a3" or "\u3131" <= char <= "\u318e" for char in text):
        return "ko"
    words = [
        token
        for token in text.split()
        if token.strip(".,!?'\"").isalpha() and not any(mark in token for mark in "/\\~:")
    ]
    return "en" if words else previous
