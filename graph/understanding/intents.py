"""What a message *does* beyond stating values: confirm, decline, undo, reset, ask, use defaults.

Every rule here is conservative on purpose: a wrong "undo" or "start over" throws away what the
user said, so these intents need the message to be about little else ("취소" alone is undo,
"에폭 설정 취소하고 20으로" is not). Questions win over values because answering changes
nothing, while a misread question would change the configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from graph.patch import QuestionTopic

__all__ = [
    "QuestionReading",
    "read_question",
    "read_yes_no",
    "asks_undo",
    "asks_reset",
    "asks_defaults",
    "asks_cancel",
    "asks_another_job",
    "words_of",
]

_WORD = re.compile(r"[A-Za-z']+|[\uac00-\ud7a3\u3131-\u318e]+|\d+")


def words_of(text: str) -> list[str]:
    """Lower-case words (Latin, Hangul, digits); punctuation and emoji are dropped."""
    return [word.lower() for word in _WORD.findall(text)]


@dataclass(frozen=True)
class QuestionReading:
    """A question and what it is about."""

    topic: QuestionTopic
    """The kind of question (see ``graph.patch.QuestionTopic``)."""
    subjects: tuple[str, ...]
    """Field names, model names, or a task type and size word for "models"."""


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


_HELP = (
    r"^\W*(?:help|도움말|도움|도와줘|도와주세요|사용법|\?)\W*$|what can you do|how does this work"
    r"|how do i use|뭘 할 수 있|무엇을 할 수 있|뭐 할 수 있|어떻게 써|어떻게 사용"
)
_REMAINING = (
    r"what(?:'s| is) (?:left|missing|remaining)|what else|what do you (?:still )?need"
    r"|anything (?:else|left)|\bremaining\b|남았|남은|뭐가 더 필요|더 필요한|빠진|진행 상황"
)
# "Show me the settings" wants every value, not only what is missing.
_SHOW_CONFIG = (
    r"\b(?:show|list|print|display|give|tell)(?: me)? (?:the |my |all |all the |your )?"
    r"(?:current |whole |full |entire )?(?:config|configuration|settings|setup|summary|status)\b"
    r"|what(?:'s| is| are) (?:the |my )?(?:current )?(?:config|configuration|settings|setup)\b"
    r"|\b(?:current|full) (?:config|configuration|settings)\b|what (?:have|did) (?:we|i|you) set"
    r"|^\W*(?:summary|status|config|settings|configuration)\W*$"
    r"|설정\s*(?:좀\s*)?(?:보여|알려|확인|목록|전체)|현재\s*설정|지금\s*설정|전체\s*설정|요약|설정\s*(?:은|이)?\s*(?:뭐|어떻게)"
)
_COMPARE = r"\bcompare\b|\bvs\.?\b|\bversus\b|difference between|비교|차이"
_RECOMMEND = (
    r"\brecommend|\bsuggest|which model should|what model should|best model|좋은 모델|추천"
    r"|어떤 모델(?:을|이)? (?:써야|쓰는 게|좋)"
)
_MODELS = (
    r"(?:what|which|any|list(?: of)?|available|other) (?:\w+ ){0,2}models?\b|models? (?:do you have"
    r"|are there|are available|can i use|for)|\bsomething (?:small|smaller|tiny|fast|faster|light"
    r"|lightweight|big|bigger|large|accurate)|어떤 모델|무슨 모델|모델 목록|모델 리스트|모델.{0,4}뭐"
    r"|모델.{0,3}있(?:어|나|니|을까|습니까)"
)
_MODEL_INFO = r"tell me (?:more )?about|what(?:'s| is) (?:a |an |the )?\S+\s*\?|에 대해|알려|뭐(?:야|예요|에요|지|죠)|무엇"
_EXPLAIN = (
    r"what does .+ mean|what(?:'s| is| are) (?:a |an |the )?|\bexplain|meaning of|\bmeans?\b"
    r"|뭐(?:야|예요|에요|지|죠|니|냐)|무엇|뜻|의미|란\s*\?|이란|설명"
)
_INTERROGATIVE_START = r"^\W*(?:what|which|why|how|when|where|who)\b"
# "is/do/should …" open a question only with a question mark: "do it" is an instruction.
_AUXILIARY_START = r"^\W*(?:is|are|does|do|should|shall|am|was|were|did|can|could|would|will)\b"
_REQUEST_START = r"^\W*(?:can|could|would|will) you\b|^\W*please\b"
# "I want a model for detection" states the task; "a model for detection?" asks for candidates.
_WANT = r"\bi (?:want|need|'d like|would like)\b|\btrain(?:ing)?\b|\bbuild\b|하고 싶|할래|학습"
_SUGGESTION = r"^\W*(?:what|how) about\b"  # "how about efficientnet_b0?" proposes, not asks
_SIZE_WORDS = r"\b(small|smaller|tiny|fast|faster|light|lightweight|big|bigger|large|accurate)\b"
_KOREAN_SIZES = {
    "작은": "small",
    "가벼운": "light",
    "빠른": "fast",
    "큰": "large",
    "정확한": "accurate",
}


def read_question(
    text: str,
    *,
    models: tuple[str, ...],
    fields: tuple[str, ...],
    task: str | None,
    has_values: bool,
    names_a_model: bool = False,
) -> QuestionReading | None:
    """The question ``text`` asks, or ``None`` when it is not a question.

    ``models`` are the model names found, ``fields`` the field words, ``task`` a task word,
    ``has_values`` whether the message states values — "can you set epochs to 10?" is a request,
    not a question — and ``names_a_model`` whether it names a known model, so "use yolov8n model
    for detection" is a choice while "a model for detection" asks for candidates.
    """
    if _has(_HELP, text):
        return QuestionReading("help", ())
    if _has(_SHOW_CONFIG, text) and not has_values:
        return QuestionReading("show_config", ())
    if _has(_REMAINING, text) and not has_values:
        return QuestionReading("remaining", ())
    if _has(_COMPARE, text) and models:
        return QuestionReading("compare", models)
    if _has(_RECOMMEND, text):
        return QuestionReading("recommend", ((task,) if task else ()) + models)
    asked = text.rstrip().endswith("?") or _has(_INTERROGATIVE_START, text)
    if names_a_model and _has(_SUGGESTION, text):
        return None
    if _has(_MODELS, text) and (asked or not (has_values or names_a_model or _has(_WANT, text))):
        size = re.search(_SIZE_WORDS, text, re.IGNORECASE)
        size_word = size.group(1).lower() if size else None
        size_word = size_word or next((en for ko, en in _KOREAN_SIZES.items() if ko in text), None)
        subjects = ((task,) if task else ()) + ((size_word,) if size_word else ())
        return QuestionReading("models", subjects)
    if len(models) >= 2 and asked:
        return QuestionReading("compare", models)  # "which is better, resnet18 or resnet50?"
    requested = _has(_REQUEST_START, text)
    if models and not fields and _has(_MODEL_INFO, text) and (asked or not has_values):
        return QuestionReading("model_info", models)
    if fields and _has(_EXPLAIN, text) and not (has_values and requested):
        return QuestionReading("explain", fields)
    if fields and not has_values and re.fullmatch(r"[^?]{1,40}\?\s*", text):
        return QuestionReading("explain", fields)  # "batch size?"
    # A question that carries a value is a hedge ("could we do batch 32?", "30 epochs would be
    # ok?", "배치 16 괜찮을까?"): the value is what the user wants, so it is set, not "answered".
    if asked and not requested and not has_values:
        return QuestionReading("other", models or fields)
    return None


_YES_EXACT = frozenset((
    "yes", "y", "yeah", "yep", "yup", "ya", "ok", "okay", "k", "kk", "sure", "start", "go",
    "confirm", "confirmed", "correct", "right", "fine", "proceed", "begin", "lgtm", "네", "예",
    "응", "어", "넵", "넹", "네네", "그래", "그래요", "오케이", "ㅇㅇ", "ㅇㅋ", "콜", "좋아", "좋아요", "좋습니다", "시작",
    "확인", "진행", "맞아", "맞아요", "맞습니다",
))  # fmt: skip
_YES_STEMS = ("시작", "좋아", "좋습", "진행", "확인", "맞아", "맞습", "그렇게")
# Praise counts as yes only when the message is nothing else ("sounds good!", not "good morning").
_SOFT_YES = frozenset(("good", "great", "perfect", "awesome", "nice", "cool", "excellent"))
_NO_STEMS = ("아니", "아직", "싫", "잠깐")
_EMOJI_VOTES = str.maketrans({"👍": " yes ", "👌": " ok ", "✅": " yes ", "🆗": " ok ", "👎": " no ",
                              "❌": " no "})  # fmt: skip
_NO_EXACT = frozenset((
    "no", "n", "nope", "nah", "not", "yet", "don't", "dont", "stop", "wait", "cancel", "아니요",
    "아니", "아니오", "아뇨", "아니에요", "아직", "싫어", "싫어요", "안돼", "안", "돼", "잠깐", "잠깐만", "노", "ㄴㄴ", "멈춰",
))  # fmt: skip
_FILLER = frozenset((
    "please", "thanks", "thank", "you", "it", "the", "training", "train", "now", "let's",
    "lets", "let", "us", "do", "that's", "that", "is", "looks", "sounds", "good", "great",
    "all", "set", "everything", "perfect", "go", "ahead", "sir", "a", "bit", "ahead", "주세요",
    "해주세요", "해줘", "해", "해요", "합시다", "하자", "할게요", "학습", "훈련", "이제", "지금", "그럼", "그걸로", "이대로",
    "그대로", "요", "감사합니다", "고마워",
))  # fmt: skip
_BUT = r"\b(?:but|however|except|change|instead|wait)\b|그런데|근데|하지만|바꿔|변경|말고|대신"


def _is_yes(word: str) -> bool:
    return word in _YES_EXACT or word.startswith(_YES_STEMS)


def _is_no(word: str) -> bool:
    return word in _NO_EXACT or word.startswith(_NO_STEMS)


def read_yes_no(text: str) -> Literal["confirm", "decline"] | None:
    """Confirm for "yes"/"네"/"start", decline for "no"/"not yet"/"아니요", else ``None``.

    The whole message must be yes/no words and politeness, or start with one and carry no
    "but"/"change" clause; the first yes-or-no word decides ("no, not yet" declines).
    """
    text = text.translate(_EMOJI_VOTES)
    words = words_of(text)
    if not words or len(words) > 12:
        return None
    first_vote: Literal["confirm", "decline"] | None = None
    only_votes = True
    praised = False
    for word in words:
        vote: Literal["confirm", "decline"] | None = (
            "decline" if _is_no(word) else "confirm" if _is_yes(word) else None
        )
        if vote is not None and first_vote is None:
            first_vote = vote
        praised = praised or word in _SOFT_YES
        if vote is None and word not in _FILLER and word not in _SOFT_YES:
            only_votes = False
    if first_vote is None:
        do_it = re.fullmatch(r"\W*(?:let'?s\s+)?(?:just\s+)?do\s+it\W*", text, re.IGNORECASE)
        return "confirm" if only_votes and (praised or do_it) else None
    if only_votes:
        return first_vote
    opening = words[0]
    leading: Literal["confirm", "decline"] | None = (
        "decline" if _is_no(opening) else "confirm" if _is_yes(opening) else None
    )
    if leading is None or _has(_BUT, text) or "?" in text:
        return None
    return leading


_UNDO = r"\bundo\b|\brevert\b|\bgo back\b|되돌려|되돌리|원래대로|이전으로|취소"
# "start over" cannot mean anything else; "reset"/"초기화" can ("reset the learning rate").
_RESET_ALWAYS = (
    r"\bstart (?:over|again|from scratch|afresh)\b|\bbegin again\b|\bfrom scratch\b"
    r"|\bnew (?:configuration|config|conversation)\b|처음부터|다시 시작|새로 시작"
)
_RESET_BARE = r"\brestart\b|\breset\b|초기화|리셋"
_DEFAULTS = (
    r"\bdefaults?\b(?!\s+(?:\w+\s+)?(?:dataset|datasets|data|model|models|path|folder))"
    r"|기본\s*값|디폴트|기본\s*설정|기본\s*하이퍼\s*파라미터|기본\s*파라미터|기본으로"
)


def asks_undo(text: str, *, has_other_content: bool) -> bool:
    """Whether "undo", "되돌려" or "취소" is the whole point of a short message."""
    return not has_other_content and len(words_of(text)) <= 8 and _has(_UNDO, text)


def asks_reset(text: str, *, mentions_fields: bool) -> bool:
    """Whether the user asks to start over with an empty configuration.

    "start over" and "처음부터" always do; "reset" and "초기화" only when no field is named, so
    "reset the learning rate" is not a request to empty the configuration.
    """
    return _has(_RESET_ALWAYS, text) or (not mentions_fields and _has(_RESET_BARE, text))


def asks_defaults(text: str) -> bool:
    """Whether defaults are asked for ("use the defaults", "기본값으로"), not "기본 데이터셋"."""
    return _has(_DEFAULTS, text)


_CANCEL = (
    r"^\W*(?:cancel|cancel it|cancel that|stop|never ?mind|forget it|abort|don'?t start|do not start"
    r"|not now|취소|취소해|취소해줘|취소할게|그만|그만해|그만둘래|그만하자|관둬|관둘래|됐어|하지 마|시작하지 마)"
    r"(?:\s+(?:it|please|that|the job|training|for now|요|해요|해주세요|할게요))*\W*$"
)


def asks_cancel(text: str) -> bool:
    """Whether the message only says "cancel" / "취소" / "그만" (at confirm: do not start).

    Kept apart from undo on purpose: at the confirm step these decline to start and keep the
    configuration; elsewhere "취소" keeps meaning undo.
    """
    return _has(_CANCEL, text)


_ANOTHER_JOB = (
    r"\banother (?:job|one|model|config(?:uration)?)\b(?!\s+(?:run|time))"
    r"|\bone more\b(?!\s+(?:run|time|training|epoch))|\bnew job with\b"
    r"|\bnext (?:job|one)\b|\bthis time\b|\bsame (?:data|dataset)\b"
    r"|하나\s*더|한\s*개\s*더|이번엔|이번에는|또\s*하나|다른\s*모델로"
)


def asks_another_job(text: str) -> bool:
    """Whether the message asks for another job ("another one with yolo11n", "하나 더, 이번엔
    resnet50") rather than an empty start over; only meaningful after a confirmed job."""
    return _has(_ANOTHER_JOB, text)
