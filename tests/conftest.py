"""Shared fixtures: the real knowledge base, the assistant, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from voiceassist.assistant import Assistant
from voiceassist.content import KnowledgeBase
from voiceassist.settings import REGIONS, Settings

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
DATA = Path(__file__).resolve().parent / "data"
SEED = ROOT.parent / "shared" / "seed" / "000_1b4d108257542cee.txt"

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session", autouse=True)
def own_settings_and_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests never see the user's own settings or downloaded models: a "slower" said
    in a manual run once slowed every spoken answer in the suite, and a test failed."""
    home = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        patch.setenv("XDG_DATA_HOME", str(home / "data"))
        for name in ("VOICEASSIST_CONFIG", "VOICEASSIST_MODEL"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_dir(CONTENT)


@pytest.fixture(scope="session")
def assistant(kb: KnowledgeBase) -> Assistant:
    return Assistant(kb, Settings(content_dir=CONTENT, region=REGIONS["US"]))


@pytest.fixture
def run_cli() -> RunCli:
    """Run ``python -m voiceassist`` as a user would, returning its output."""

    def run(
        *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "voiceassist", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            cwd=ROOT,
        )

    return run
