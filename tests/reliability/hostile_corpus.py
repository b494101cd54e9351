"""The fixed corpus of hostile messages and thread ids, shared by the hostile-input tests."""

from __future__ import annotations

__all__ = ["MESSAGES", "ODD_THREAD_IDS", "BAD_THREAD_IDS", "GOOD_THREAD_IDS"]

MESSAGES: tuple[str, ...] = (
    "",
    " ",
    "\t\n\r  \n",
    "\x00",
    "epochs 5\x00; batch size 8",
    "\x01\x02\x07\x08\x1b[31mred\x1b[0m\x7f",
    "\u200b\u200c\u200d\ufeff",
    "\u202eepochs 9\u202c",
    "🚀🔥 use resnet18 😀👩‍👩‍👧‍👦",
    "درّب النموذج resnet18 لمدة 10 حقبة",
    "אימון resnet18 עם 10 אפוקים",
    "レスネット resnet18 で 에폭 12 эпохи 3 𝔢𝔭𝔬𝔠𝔥𝔰",
    "e\u0301" * 2000,
    "'; DROP TABLE trainchat_checkpoints; --",
    "epochs 5; DELETE FROM trainchat_blobs WHERE 1=1; --",
    'batch size 8" OR "1"="1',
    "the dataset is at ../../../../../../etc/passwd",
    "the dataset is at /proc/self/fd/0",
    "the dataset is at /dev/zero",
    "the dataset is at \\\\?\\C:\\..\\..\\Windows\\System32",
    "the dataset is at ~/../../root/.ssh",
    "the dataset is at " + "a/" * 3000,
    "epochs NaN, learning rate inf, batch size -0",
    "learning rate 1e309",
    "epochs 99999999999999999999999999999999999999999",
    "batch size 0x20",
    "{{ config.__class__.__init__.__globals__ }}",
    "${jndi:ldap://example.invalid/a}",
    "<script>alert(1)</script>",
    "%s%s%s%n%x",
    "\ud7ff\ue000\uffff\U0010ffff",
    "x" * 19_000,
    "에폭 20 배치 크기 64 학습률 0.0005",
)
"""Messages that must never crash a turn or remove a field the user set."""

ODD_THREAD_IDS: tuple[str, ...] = (
    "x'; DROP TABLE trainchat_checkpoints; --",
    "alice/../bob",
    "%00",
    "スレッド-1",
    "사용자:42",
    "emoji-🚀",
    "a" * 128,
)
"""Unusual thread ids that are still reasonable: each is its own conversation."""

BAD_THREAD_IDS: tuple[str, ...] = (
    "",
    "   ",
    "tab\tid",
    "nul\x00id",
    "new\nline",
    "a" * 129,
    "a" * 5000,
)
"""Thread ids the proposed rule refuses with a clear ``ValueError`` (finding 3)."""

GOOD_THREAD_IDS: tuple[str, ...] = ("alice-1", "user@example.com", "team.a:run_7", "A/B+C=D")
"""Ordinary ids the rule must keep accepting."""
