"""The command: help for every subcommand, clear configuration errors, honest placeholders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance import cli as cli_module
from conformance.cli import EXIT_UNREACHABLE, EXIT_USAGE, main

SUBCOMMANDS = ("run", "mock", "images", "fidelity", "cleanup")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args],
                          capture_output=True, text=True, timeout=60)


class TestHelp:
    def test_top_level_lists_every_subcommand(self) -> None:
        result = cli("--help")
        assert result.returncode == 0
        for name in SUBCOMMANDS:
            assert name in result.stdout

    @pytest.mark.parametrize("name", SUBCOMMANDS)
    def test_each_subcommand_has_help(self, name: str) -> None:
        result = cli(name, "--help")
        assert result.returncode == 0, result.stderr
        assert f"usage: itwin-conformance {name}" in result.stdout


class TestConfigurationErrors:
    def test_missing_env_variable_exits_2_naming_it(self, tmp_path: Path) -> None:
        target = tmp_path / "t.toml"
        target.write_text('base_url = "http://127.0.0.1:9/itwins"\n'
                          '[personas.org_admin]\ntoken = "${NO_SUCH_VAR_FOR_TEST}"\n')
        result = cli("run", "--target", str(target))
        assert result.returncode == EXIT_USAGE
        assert "NO_SUCH_VAR_FOR_TEST" in result.stderr
        assert "Traceback" not in result.stderr

    def test_missing_target_file_exits_2(self, tmp_path: Path) -> None:
        result = cli("run", "--target", str(tmp_path / "none.toml"))
        assert result.returncode == EXIT_USAGE
        assert "does not exist" in result.stderr

    def test_production_host_needs_allow_production(self, tmp_path: Path) -> None:
        target = tmp_path / "t.toml"
        target.write_text('base_url = "https://api.bentley.com/itwins"\n')
        result = cli("run", "--target", str(target))
        assert result.returncode == EXIT_USAGE
        assert "--allow-production" in result.stderr


class TestUnreachableTarget:
    @pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
    def test_exits_3(self, tmp_path: Path, workers: list[str]) -> None:
        target = tmp_path / "t.toml"
        # Port 9 (discard) on loopback: nothing listens there on these machines.
        target.write_text('base_url = "http://127.0.0.1:9/itwins"\ndestructive = true\n'
                          '[personas.org_admin]\ntoken = "t"\n')
        result = cli("run", "--target", str(target), "--", "-k", "TestUnknownITwin", *workers)
        assert result.returncode == EXIT_UNREACHABLE, result.stdout[-2000:]
        assert "target unreachable" in result.stdout + result.stderr


class TestMissingSubcommandModule:
    def test_says_not_implemented_and_exits_2(self, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
        monkeypatch.setitem(cli_module._DELEGATED, "fidelity",
                            ("conformance.not_there.command", "a subcommand whose module "
                             "is missing"))
        assert main(["fidelity"]) == EXIT_USAGE
        assert "not implemented yet" in capsys.readouterr().err


class TestRunOptions:
    """--report, --known-deviations and --max-failures go to pytest (the suite's plugin and
    --maxfail); listed in `run --help` so nobody has to know they are pytest options."""

    def test_they_are_in_the_help(self) -> None:
        result = cli("run", "--help")
        for option in ("--report DIR", "--known-deviations FILE", "--max-failures N"):
            assert option in result.stdout

    def test_they_are_passed_to_pytest(self, monkeypatch: pytest.MonkeyPatch) -> None:
        seen: list[list[str]] = []
        monkeypatch.setattr(pytest, "main", lambda args: seen.append(list(args)) or 0)
        assert main(["run", "--report", "out", "--known-deviations", "d.toml",
                     "--max-failures", "3", "--", "-k", "auth"]) == 0
        (args,) = seen
        assert args[-2:] == ["-k", "auth"] and "--" not in args
        for expected in (["--report", "out"], ["--known-deviations", "d.toml"]):
            at = args.index(expected[0])
            assert args[at:at + 2] == expected
        assert "--maxfail=3" in args

    def test_separator_after_a_plugin_option_is_dropped(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        seen: list[list[str]] = []
        monkeypatch.setattr(pytest, "main", lambda args: seen.append(list(args)) or 0)
        assert main(["run", "--record", "rec", "--", "-n", "2"]) == 0
        assert seen[0][-4:] == ["--record", "rec", "-n", "2"]

    @pytest.mark.parametrize("value", ["0", "-1", "many"])
    def test_max_failures_must_be_a_positive_number(
            self, value: str, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as caught:
            main(["run", "--max-failures", value])
        assert caught.value.code == EXIT_USAGE
        assert "--max-failures" in capsys.readouterr().err

    def test_max_failures_stops_the_run_and_still_exits_1(self, tmp_path: Path) -> None:
        from conformance.mock import MockSettings, serve_in_thread
        from tests.reporting.report_runs import static_target

        with serve_in_thread(MockSettings(max_ratio=6)) as broken:  # 6:1 and 1:6 both fail
            target = tmp_path / "t.toml"
            target.write_text(static_target(broken))
            result = cli("run", "--target", str(target), "--max-failures", "1", "--",
                         "-p", "no:randomly", "-k", "ratio-6x1 or ratio-1x6")
        assert result.returncode == 1, result.stdout[-2000:]
        assert "stopping after 1 failures" in result.stdout
        assert "1 failed" in result.stdout and "2 failed" not in result.stdout
