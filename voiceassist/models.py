"""Finding Vosk models. Downloading them lives in ``download.py``."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ModelError
from .settings import PROJECT_MODELS_DIR, user_data_dir


def model_dirs() -> list[Path]:
    """Where models are looked for, in order: the project's models/, then the user's."""
    return [PROJECT_MODELS_DIR, user_data_dir() / "models"]


def is_vosk_model(path: Path) -> bool:
    return (path / "am" / "final.mdl").is_file() and (path / "conf").is_dir()


def installed_models() -> list[Path]:
    found = []
    for folder in model_dirs():
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.is_dir() and is_vosk_model(p))
    return found


def find_vosk_model(explicit: Path | None) -> Path | None:
    """--model or VOICEASSIST_MODEL (which must exist), else the first installed model."""
    chosen = explicit or env_model()
    if chosen is not None:
        if not chosen.is_dir():
            raise ModelError(f"{chosen}: model folder not found")
        return chosen
    models = installed_models()
    return models[0] if models else None


def env_model() -> Path | None:
    value = os.environ.get("VOICEASSIST_MODEL")
    return Path(value) if value else None
