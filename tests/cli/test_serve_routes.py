"""`copilot serve` mounts the routes the project's app declares, and only those: the template's
name in pyproject.toml picks nothing (a project called a code assistant whose app declares no
/v1/code serves none, and its own route is served)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import free_port

PING_ROUTE = '''

def ping(copilot: object) -> APIRouter:
    """The project's own endpoint, given the copilot like every route factory."""
    router = APIRouter(prefix="/v1/ping")

    @router.get("")
    def answer() -> dict[str, str]:
        return {"pong": type(copilot).__name__}

    return router
'''


def declare_only_ping(project: Path) -> None:
    app = project / "src" / "lumenbot" / "app.py"
    text = app.read_text().replace(
        "from scaffolder.kit.app import",
        "from fastapi import APIRouter\nfrom scaffolder.kit.app import",
    )
    declared = "compose(root, Settings.load(root, **options), skills"
    text = text.replace(f"{declared})", f"{declared}, routes=[ping])")
    assert "routes=[ping]" in text
    app.write_text(text + PING_ROUTE)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"qa-rag"', '"code-assistant"'))


def status_of(url: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_mounts_the_routes_the_project_declares(qa_project: Path) -> None:
    declare_only_ping(qa_project)
    port = free_port()
    copilot = Path(sys.executable).with_name("copilot")
    server = subprocess.Popen(
        [str(copilot), "serve", "--port", str(port)],
        cwd=qa_project,
        env={**os.environ, "COPILOT_PROVIDER": "offline"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        assert server.poll() is None, server.communicate()[0].decode()[-2000:]
        base = f"http://127.0.0.1:{port}"
        status, body = status_of(f"{base}/v1/ping")
        assert (status, json.loads(body)) == (200, {"pong": "Copilot"})
        code_status, _ = status_of(f"{base}/v1/code/explain", b'{"code": "x = 1"}')
        assert code_status == 404
    finally:
        server.terminate()
        server.wait(timeout=15)
