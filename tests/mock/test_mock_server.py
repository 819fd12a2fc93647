"""Serving: `serve_in_thread`, the target file, and the command in its own process."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from conformance.contract import PERSONAS
from conformance.mock import MockSettings, serve_in_thread
from conformance.mock.command import add_arguments, main, settings_from
from conformance.mock.server import bind

ROOT = Path(__file__).resolve().parents[2]

CLIENT_SCRIPT = textwrap.dedent("""
    import sys, tomllib, httpx, io
    target = tomllib.load(open(sys.argv[1], "rb"))
    persona = target["personas"]["member_modify"]
    token = httpx.post(persona["token_url"], data={
        "grant_type": "client_credentials", "client_id": persona["client_id"],
        "client_secret": persona["client_secret"], "scope": persona["scope"]}
    ).raise_for_status().json()["access_token"]
    auth = {"Authorization": "Bearer " + token}
    url = target["base_url"] + "/" + target["itwins"]["shared"] + "/image"
    body = bytes.fromhex(sys.argv[2])
    image = httpx.put(url, content=body, headers=auth | {"Content-Type": "image/png"}
                      ).raise_for_status().json()["image"]
    assert httpx.get(image["largeImageUrl"]).content == body
    assert httpx.get(image["smallImageUrl"]).status_code == 200
    assert httpx.delete(url, headers=auth).status_code == 204
    assert httpx.get(url, headers=auth).status_code == 404
    print("client ok")
""")


def tiny_png() -> bytes:
    from tests.mock.mock_testkit import png

    return png(20, 10)


class TestServeInThread:
    def test_urls_and_target(self, tmp_path: Path) -> None:
        with serve_in_thread() as mock:
            assert mock.base_url == f"{mock.origin}/itwins"
            assert mock.origin.startswith("http://127.0.0.1:")
            assert mock.control_url == f"{mock.origin}/__mock__"
            target = tomllib.loads(mock.target_toml())
            assert target["base_url"] == mock.base_url
            assert target["destructive"] is True
            assert target["mock"]["control_url"] == mock.control_url
            assert target["itwins"]["shared"] == mock.state.world.seed.shared_itwin_id
            assert target["profile"] == {"max_image_bytes": 5_242_880, "oversize_status": 413,
                                         "non_member_status": 404,
                                         "admin_reads_without_membership": True,
                                         "thumbnail_max_side": 400,
                                         "thumbnail_keeps_aspect": True,
                                         "thumbnail_format": "same",
                                         "blob_content_type": "image"}
            for persona in PERSONAS:
                entry = target["personas"][persona]
                assert entry["token_url"] == f"{mock.origin}/connect/token"
                assert entry["scope"] == "itwin-platform"
                assert entry["client_id"] and entry["client_secret"]
            written = mock.write_target(tmp_path / "sub" / "t.toml")
            assert tomllib.loads(written.read_text()) == target | {
                "personas": tomllib.loads(written.read_text())["personas"]}
            assert oct(written.stat().st_mode & 0o777) == "0o600"
            url = f"{mock.base_url}/{target['itwins']['shared']}"
            for persona, status in (("expired", 401), ("no_scope", 401)):
                reply = httpx.get(url, headers={
                    "Authorization": f"Bearer {target['personas'][persona]['token']}"})
                assert reply.status_code == status
            origin = mock.origin
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{origin}/openapi.json", timeout=2)

    def test_settings_reach_the_profile(self) -> None:
        settings = MockSettings(max_image_bytes=5_000_000, oversize_status=422,
                                non_member_status=403, admin_reads_without_membership=False,
                                thumbnail_size=256, thumbnail_shape="square",
                                thumbnail_format="jpeg",
                                blob_content_type="application/octet-stream")
        with serve_in_thread(settings) as mock:
            assert tomllib.loads(mock.target_toml())["profile"] == {
                "max_image_bytes": 5_000_000, "oversize_status": 422,
                "non_member_status": 403, "admin_reads_without_membership": False,
                "thumbnail_max_side": 256, "thumbnail_keeps_aspect": False,
                "thumbnail_format": "jpeg", "blob_content_type": "application/octet-stream"}

    def test_target_loads_with_the_suite_parser(self, tmp_path: Path) -> None:
        targets = pytest.importorskip("conformance.targets")
        with serve_in_thread() as mock:
            target = targets.load_target(mock.write_target(tmp_path / "t.toml"))
            assert target.base_url == mock.base_url

    def test_two_mocks_side_by_side(self) -> None:
        with serve_in_thread() as one, serve_in_thread() as two:
            assert one.origin != two.origin
            assert one.state.world.seed.shared_itwin_id != two.state.world.seed.shared_itwin_id


class TestCommandOptions:
    @pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com"])
    def test_refuses_a_remote_host(self, host: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--host", host, "--port", "0"]) == 2
        assert "--allow-remote" in capsys.readouterr().err

    @pytest.mark.parametrize("control", [True, False])
    def test_allow_remote_says_what_it_exposes(self, control: bool,
                                               capsys: pytest.CaptureFixture[str]) -> None:
        """Said before binding: 192.0.2.1 (TEST-NET-1) is no address of this machine, so
        nothing is ever served on it."""
        args = ["--host", "192.0.2.1", "--port", "0", "--allow-remote"]
        assert main(args + ([] if control else ["--no-control"])) == 1
        err = capsys.readouterr().err
        assert err.startswith("warning: --allow-remote: the mock listens on 192.0.2.1")
        for exposed in ("plain HTTP", "every persona", "blob links"):
            assert exposed in err
        assert ("wipe all data" in err) is control
        assert "cannot listen on 192.0.2.1" in err

    def test_no_warning_on_loopback(self, capsys: pytest.CaptureFixture[str]) -> None:
        taken = bind("127.0.0.1", 0)
        try:
            assert main(["--port", str(taken.getsockname()[1]), "--allow-remote"]) == 1
        finally:
            taken.close()
        assert "warning" not in capsys.readouterr().err

    def test_bad_setting(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--port", "0", "--max-ratio", "0"]) == 2
        assert "max_ratio" in capsys.readouterr().err
        assert main(["--port", "0", "--read-timeout", "0"]) == 2
        assert "read_timeout_seconds" in capsys.readouterr().err

    def test_read_timeout_reaches_the_settings(self) -> None:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        assert settings_from(parser.parse_args(["--read-timeout", "7"])
                             ).read_timeout_seconds == 7
        assert settings_from(parser.parse_args([])).read_timeout_seconds == 60

    def test_port_in_use(self, capsys: pytest.CaptureFixture[str]) -> None:
        taken = bind("127.0.0.1", 0)
        try:
            port = taken.getsockname()[1]
            assert main(["--port", str(port)]) == 1
            assert "cannot listen" in capsys.readouterr().err
        finally:
            taken.close()


class TestCommandProcess:
    def test_target_file_is_enough_for_another_process(self, tmp_path: Path) -> None:
        target = tmp_path / "t.toml"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "conformance.mock", "--port", "0", "--write-target",
             str(target)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 20
            while not target.exists():
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "no target file"
                time.sleep(0.05)
            client = subprocess.run(
                [sys.executable, "-c", CLIENT_SCRIPT, str(target), tiny_png().hex()],
                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
            assert client.returncode == 0, client.stderr
            assert "client ok" in client.stdout
        finally:
            server.send_signal(signal.SIGINT)
            out, err = server.communicate(timeout=20)
        assert server.returncode == 0, err
        base_url = tomllib.loads(target.read_text())["base_url"]
        assert f"listening on {base_url}" in out
        assert "mock stopped" in out
        secrets = tomllib.loads(target.read_text())["personas"]["org_admin"]
        for leak in ("sig=", "Bearer", secrets["client_secret"]):
            assert leak not in out + err
