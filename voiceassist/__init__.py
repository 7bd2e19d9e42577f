"""voiceassist: an offline, voice-driven symptom assistant."""

from importlib.metadata import PackageNotFoundError, version

from .assistant import Assistant, Conversation, Reply
from .content import KnowledgeBase
from .errors import VoiceAssistError
from .settings import Settings

try:
    __version__ = version("voiceassist")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0"

__all__ = [
    "Assistant",
    "Conversation",
    "KnowledgeBase",
    "Reply",
    "Settings",
    "VoiceAssistError",
    "__version__",
]
