"""Model download against an HTTP server on 127.0.0.1: checksum, resume, safe unpacking."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceassist.download import ModelSpec, download_model
from voiceassist.errors import ModelError
from voiceassist.models import installed_models

from .conftest import RunCli


def model_zip(name: str = "vosk-model-test", evil: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(f"{name}/am/final.mdl", b"m" * 50_000)
        bundle.writestr(f"{name}/conf/model.conf", b"--sample-frequency=16000\n")
        bundle.writestr(f"{name}/graph/HCLG.fst", b"g" * 50_000)
        if evil:
            bundle.writestr(evil, b"gotcha")
    return buffer.getvalue()


class Server:
    """Serves one archive; honours Range; can drop the connection part-way."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.cut_after: int | None = None
        self.ranges: list[str | None] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                header = self.headers.get("Range")
                server.ranges.append(header)
                start = int(header.split("=")[1].rstrip("-")) if header else 0
                body = server.payload[start:]
                self.send_response(206 if header else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.cut_after is not None:
                    body = body[: server.cut_after]
                    server.cut_after = None
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.zip"

    def spec(self, name: str = "vosk-model-test") -> ModelSpec:
        return ModelSpec(name, self.url, hashlib.sha256(self.payload).hexdigest())


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server(model_zip())
    yield s
    s.httpd.shutdown()


def test_download_installs_a_complete_model(server: Server, tmp_path: Path) -> None:
    path = download_model(server.spec(), tmp_path, progress=False)
    assert path == tmp_path / "vosk-model-test" and (path / "am" / "final.mdl").is_file()
    assert not list((tmp_path / ".downloads").iterdir())


def test_checksum_mismatch_leaves_nothing_installed(server: Server, tmp_path: Path) -> None:
    wrong = ModelSpec("vosk-model-test", server.url, "0" * 64)
    with pytest.raises(ModelError, match="checksum mismatch"):
        download_model(wrong, tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".downloads"]
    assert not list((tmp_path / ".downloads").iterdir())


def test_interrupted_download_resumes_where_it_stopped(server: Server, tmp_path: Path) -> None:
    server.cut_after = 30_000
    with pytest.raises(ModelError, match="run the same command again to resume"):
        download_model(server.spec(), tmp_path, progress=False)
    assert not (tmp_path / "vosk-model-test").exists()
    download_model(server.spec(), tmp_path, progress=False)
    resumed_from = int((server.ranges[-1] or "bytes=0-").split("=")[1].rstrip("-"))
    assert 20_000 <= resumed_from <= 30_000
    assert (tmp_path / "vosk-model-test" / "graph" / "HCLG.fst").is_file()


def test_archive_paths_cannot_escape_the_folder(tmp_path: Path) -> None:
    evil = Server(model_zip(evil="../../escaped.txt"))
    try:
        with pytest.raises(ModelError, match="unsafe path"):
            download_model(evil.spec(), tmp_path / "models", progress=False)
    finally:
        evil.httpd.shutdown()
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "models" / "vosk-model-test").exists()


def test_models_list_shows_an_installed_model(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    download_model(server.spec(), tmp_path, progress=False)
    monkeypatch.setattr("voiceassist.models.model_dirs", lambda: [tmp_path])
    assert [p.name for p in installed_models()] == ["vosk-model-test"]


def test_cli_download_with_a_mirror_url(server: Server, run_cli: RunCli, tmp_path: Path) -> None:
    spec = server.spec()
    result = run_cli(
        "models",
        "download",
        "vosk-model-test",
        "--url",
        spec.url,
        "--sha256",
        spec.sha256,
        "--dir",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert f"Installed vosk-model-test in {tmp_path / 'vosk-model-test'}" in result.stdout
