"""voiceassist: an offline, voice-driven symptom assistant."""

from .assistant import Assistant, Conversation, Reply
from .content import KnowledgeBase
from .errors import VoiceAssistError
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Assistant",
    "Conversation",
    "KnowledgeBase",
    "Reply",
    "Settings",
    "VoiceAssistError",
    "__version__",
]
