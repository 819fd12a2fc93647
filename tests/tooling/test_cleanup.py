"""`itwin-conformance cleanup`: deletes the leftovers of crashed runs, and only those.

Cleanup finds leftovers through the iTwins list (`GET /itwins/`), which the mock serves
like the real API (`$search`, `$top`, `$skip`, `_links.next`). `listing_mock` asks for pages
of two so that next links are followed; a target without the list is shown by a mock whose
list route answers 405.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance import cleanup
from conformance.cli import main
from conformance.client import ApiClient
from conformance.control_client import MockControl
from conformance.exitcodes import FAILURES, OK, UNREACHABLE, USAGE
from conformance.mock import serve_in_thread
from conformance.mock.choices import METHOD_NOT_ALLOWED
from conformance.plugin import SCRATCH_PREFIX
from conformance.targets import load_target

NOW = dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC)
LONG_AGO = "2020-01-01T00:00:00.000Z"
PAGE = 2


def hours_ago(hours: float) -> str:
    """A createdDateTime as the mock writes it, `hours` before now."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def no_list(request: Request) -> JSONResponse:
    """A list route that is not there: the mock's own 405 for GET."""
    return JSONResponse(METHOD_NOT_ALLOWED.body(method="GET"), status_code=405)


@pytest.fixture
def plain_mock(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    with serve_in_thread() as mock:
        target = tmp_path / "mock.toml"
        mock.write_target(target)
        yield mock, target


@pytest.fixture
def listing_mock(plain_mock: tuple[Any, Path],
                 monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Path]:
    monkeypatch.setattr(cleanup, "PAGE_SIZE", PAGE)
    return plain_mock


class World:
    """iTwins made through the API, then aged by setting their createdDateTime."""

    def __init__(self, mock: Any, target: Path) -> None:
        self.mock = mock
        self.target = load_target(target)
        self.clients: dict[str, ApiClient] = {}

    def client(self, persona: str) -> ApiClient:
        if persona not in self.clients:
            found = self.target.persona(persona)
            assert found is not None
            self.clients[persona] = ApiClient(self.target.base_url, found.access_token,
                                              persona=persona)
        return self.clients[persona]

    def make(self, name: str, created: str | None = None, persona: str = "org_admin") -> str:
        response = self.client(persona).create_itwin(name)
        assert response.status_code == 201, response.text
        itwin_id = str(response.json()["iTwin"]["id"])
        if created is not None:
            self.mock.state.world.itwins[itwin_id].created = created
        return itwin_id

    def exists(self, itwin_id: str) -> bool:
        return itwin_id in self.mock.state.world.itwins

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture
def world(listing_mock: tuple[Any, Path]) -> Iterator[World]:
    made = World(*listing_mock)
    yield made
    made.close()


def run(target: Path, *args: str) -> int:
    return main(["cleanup", "--target", str(target), *args])


class TestWhatIsDeleted:
    def test_only_prefixed_itwins_older_than_the_age(self, world: World, listing_mock: Any,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
        old = [world.make(f"itwin-conformance-dead{i}-test_auth", LONG_AGO) for i in range(3)]
        young = world.make("itwin-conformance-live0001-test_auth")  # created just now
        recent = world.make("itwin-conformance-live0002-test_x", hours_ago(3))
        foreign = world.make("Bridge survey 2019", LONG_AGO)
        unprefixed = world.make("itwin-conformance", LONG_AGO)  # the prefix needs its dash
        shared = world.target.itwins["shared"]
        world.mock.state.world.itwins[shared].created = LONG_AGO
        assert run(listing_mock[1], "--older-than", "4h") == OK
        gone = [i for i in (*old, young, recent, foreign, unprefixed, shared)
                if not world.exists(i)]
        assert sorted(gone) == sorted(old)
        out = capsys.readouterr().out
        assert out.count("deleted ") == 3 + 1  # three lines and the summary
        assert "deleted 3 scratch iTwin(s) older than 4:00:00" in out

    def test_the_age_is_the_boundary(self, world: World, listing_mock: Any) -> None:
        recent = world.make("itwin-conformance-abcd0001-m", hours_ago(3))
        assert run(listing_mock[1], "--older-than", "3h30m") == OK
        assert world.exists(recent)
        assert run(listing_mock[1], "--older-than", "2h30m") == OK
        assert not world.exists(recent)

    def test_itwins_the_admin_cannot_see_are_not_touched(self, world: World,
                                                          listing_mock: Any) -> None:
        theirs = world.make("itwin-conformance-other001-m", persona="other_org_admin")
        world.mock.state.world.itwins[theirs].created = LONG_AGO
        assert run(listing_mock[1]) == OK
        assert world.exists(theirs)

    def test_dry_run_lists_and_deletes_nothing(self, world: World, listing_mock: Any,
                                               capsys: pytest.CaptureFixture[str]) -> None:
        old = [world.make(f"itwin-conformance-dry{i:05d}-m", LONG_AGO) for i in range(5)]
        assert run(listing_mock[1], "--dry-run") == OK
        assert all(world.exists(i) for i in old)
        out = capsys.readouterr().out
        assert sum(line.startswith("would delete") for line in out.splitlines()) == 5
        assert "would delete 5" in out  # found across three pages of two

    def test_a_failed_deletion_exits_1_and_the_rest_go_on(self, world: World,
                                                          listing_mock: Any) -> None:
        old = [world.make(f"itwin-conformance-fail{i:04d}-m", LONG_AGO) for i in range(2)]
        control = MockControl(listing_mock[0].control_url, listing_mock[0].control_secret)
        try:
            control.inject_fault(status=503, count=1, method="DELETE",
                                 path_prefix=f"/itwins/{old[0]}")
            assert run(listing_mock[1]) == FAILURES
        finally:
            control.close()
        assert world.exists(old[0]) and not world.exists(old[1])


class TestRefusals:
    def test_a_target_without_the_list_deletes_nothing(self, plain_mock: tuple[Any, Path],
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
        mock, target = plain_mock
        mock.app.router.routes.insert(0, Route("/itwins/", no_list, methods=["GET"]))
        old = World(mock, target)
        try:
            leftover = old.make("itwin-conformance-dead0000-m", LONG_AGO)
            assert run(target) == USAGE
            assert old.exists(leftover)
        finally:
            old.close()
        err = capsys.readouterr().err
        assert "does not list iTwins" in err and "405" in err and "nothing was deleted" in err

    def test_the_production_host_needs_allow_production(self, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
        target = tmp_path / "prod.toml"
        target.write_text('base_url = "https://api.bentley.com/itwins"\ndestructive = true\n'
                          '[personas.org_admin]\ntoken = "t"\n')
        assert run(target) == USAGE
        assert "production host" in capsys.readouterr().err

    def test_a_target_that_is_not_destructive_is_only_listed(self, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
        target = tmp_path / "t.toml"
        target.write_text('base_url = "http://127.0.0.1:9/itwins"\n'
                          '[personas.org_admin]\ntoken = "t"\n')
        assert run(target) == USAGE
        assert "not destructive = true" in capsys.readouterr().err

    def test_org_admin_is_required(self, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
        target = tmp_path / "t.toml"
        target.write_text('base_url = "http://127.0.0.1:9/itwins"\ndestructive = true\n')
        assert run(target) == USAGE
        assert "no org_admin persona" in capsys.readouterr().err

    def test_an_unreachable_target_exits_3(self, tmp_path: Path) -> None:
        target = tmp_path / "t.toml"
        target.write_text('base_url = "http://127.0.0.1:9/itwins"\ndestructive = true\n'
                          '[personas.org_admin]\ntoken = "t"\n')
        assert run(target) == UNREACHABLE

    def test_a_missing_target_file_exits_2(self, tmp_path: Path) -> None:
        assert run(tmp_path / "none.toml") == USAGE


class TestAge:
    @pytest.mark.parametrize(("text", "seconds"), [
        ("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400),
        (" 2H ", 7200)])
    def test_accepted(self, text: str, seconds: int) -> None:
        assert cleanup.parse_age(text) == dt.timedelta(seconds=seconds)

    @pytest.mark.parametrize("text", ["", "2", "2 h", "h", "-2h", "0s", "2w", "1h-30m", "2hours"])
    def test_refused(self, text: str) -> None:
        with pytest.raises(argparse.ArgumentTypeError):
            cleanup.parse_age(text)

    def test_the_default_is_two_hours(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit):
            main(["cleanup", "--help"])
        assert "default 2h" in capsys.readouterr().out


class TestSelection:
    def itwin(self, name: Any, created: Any = LONG_AGO, itwin_id: str = "1") -> dict[str, Any]:
        return {"id": itwin_id, "displayName": name, "createdDateTime": created}

    def test_reasons_for_keeping(self) -> None:
        chosen, kept = cleanup.select([
            self.itwin("itwin-conformance-a-m"), self.itwin("other"), self.itwin(None),
            self.itwin("itwin-conformance-b-m", None), self.itwin("itwin-conformance-c-m", "x"),
            self.itwin("itwin-conformance-d-m", "2025-06-15T11:00:00Z"),
            self.itwin("itwin-conformance-e-m", itwin_id="shared")],
            NOW, dt.timedelta(hours=2), protected={"shared"})
        assert [c.display_name for c in chosen] == ["itwin-conformance-a-m"]
        assert kept == {"not scratch iTwins": 2, "without createdDateTime": 2, "too young": 1,
                        "protected or without id": 1}

    def test_exactly_the_age_is_not_older(self) -> None:
        created = (NOW - dt.timedelta(hours=2)).isoformat()
        chosen, _ = cleanup.select([self.itwin("itwin-conformance-a-m", created)], NOW,
                                   dt.timedelta(hours=2))
        assert chosen == []

    def test_a_time_without_zone_is_utc(self) -> None:
        chosen, _ = cleanup.select([self.itwin("itwin-conformance-a-m", "2025-06-15T09:59:59")],
                                   NOW, dt.timedelta(hours=2))
        assert len(chosen) == 1

    def test_the_prefix_is_the_plugins(self) -> None:
        assert f"{SCRATCH_PREFIX}-" == cleanup.PREFIX
