"""The command: help for every subcommand, clear configuration errors, options passed on."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.cli import EXIT_UNREACHABLE, EXIT_USAGE, main
from tests.suite.suite_runs import run_command

SUBCOMMANDS = ("run", "mock", "images", "fidelity", "cleanup")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_command(*args, timeout=60)


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


class TestMistakesInTheTargetFile:
    """Each misspelt key of the issue, through the command: one line naming it, exit 2."""

    @pytest.mark.parametrize(("text", "said"), [
        ("destuctive = true\n", "unknown key 'destuctive' (did you mean 'destructive'?)"),
        ("[profle]\noversize_status = 413\n", "unknown key 'profle' (did you mean 'profile'?)"),
        ("[itwins]\nshard = \"abc\"\n",
         "itwins: unknown key 'shard' (did you mean 'shared'?)"),
        ("[personas.org_admin]\ntokn = \"t\"\n",
         "personas.org_admin: unknown key 'tokn' (did you mean 'token'?)"),
    ], ids=["destuctive", "profle", "shard", "persona-key"])
    def test_one_line_and_exit_2(self, tmp_path: Path, text: str, said: str) -> None:
        target = tmp_path / "t.toml"
        target.write_text('base_url = "http://127.0.0.1:9/itwins"\n' + text)
        result = cli("run", "--target", str(target))
        assert result.returncode == EXIT_USAGE, result.stdout[-2000:]
        (line,) = [x for x in result.stderr.splitlines() if x]
        assert line.startswith(f"itwin-conformance: not run: {target}: {said}")
        assert "no tests ran" in result.stdout


class TestMistypedOrMisplacedOptions:
    """Options of ours, mistyped or in the wrong place: our one line, exit 2."""

    @pytest.mark.parametrize(("args", "said"), [
        (["run", "--targte", "t.toml"], "ERROR: unknown option --targte (did you mean --target?)"),
        (["run", "--", "-n", "2", "--reprot", "out"],
         "ERROR: unknown option --reprot (did you mean --report?)"),
        (["run", "--max-failure", "3"],  # no abbreviations: pytest takes none either
         "ERROR: unknown option --max-failure (did you mean --max-failures?)"),
        (["--target", "t.toml", "run"],
         "itwin-conformance: --target is an option of 'itwin-conformance run': write it after "
         "the subcommand (itwin-conformance run --target ...)"),
        (["mock", "--report", "out"],
         "itwin-conformance: --report is an option of 'itwin-conformance run', not of "
         "'itwin-conformance mock'"),
        (["cleanup", "--target", "t.toml", "--olderthan", "2h"],
         "itwin-conformance: cleanup: unknown argument --olderthan (did you mean "
         "--older-than?)"),
    ], ids=["mistyped", "mistyped-after-separator", "mistyped-run-option", "before-subcommand",
            "other-subcommand", "mistyped-elsewhere"])
    def test_one_line_and_exit_2(self, args: list[str], said: str) -> None:
        result = cli(*args)
        assert result.returncode == EXIT_USAGE, result.stdout[-2000:]
        assert [x for x in result.stderr.splitlines() if x] == [said]
        assert "usage:" not in result.stdout + result.stderr

    def test_pytest_options_are_not_taken_for_mistypes(self) -> None:
        """`--maxfail` is close to our `--max-failures` but is pytest's own: it works. (The
        check looks only at what pytest does not know; of pytest's 122 options in this
        environment, --maxfail is the only one that close to one of ours.)"""
        result = cli("run", "--", "--maxfail", "1", "-k", "TestUnknownITwin", "-q")
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr
        assert "3 passed" in result.stdout


class TestNoWarningOnEveryRun:
    def test_no_assertion_rewrite_warning(self) -> None:
        """The command imports only the subcommand it runs: a module imported before pytest
        starts (the mock's Starlette, and so anyio's pytest plugin) cannot be rewritten."""
        result = cli("run", "--", "-k", "TestUnknownITwin")
        assert result.returncode == 0, result.stdout[-2000:]
        assert "PytestAssertRewriteWarning" not in result.stdout + result.stderr
        assert "warning" not in result.stdout.splitlines()[-1]


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


def recorder(seen: list[list[str]]) -> Callable[[list[str]], int]:
    """A stand-in for pytest.main that records its arguments and passes."""
    def main(args: list[str]) -> int:
        seen.append(list(args))
        return 0
    return main


class TestRunOptions:
    """--report, --known-deviations and --max-failures go to pytest (the suite's plugin and
    --maxfail); listed in `run --help` so nobody has to know they are pytest options."""

    def test_they_are_in_the_help(self) -> None:
        result = cli("run", "--help")
        for option in ("--report DIR", "--known-deviations FILE", "--max-failures N"):
            assert option in result.stdout

    def test_they_are_passed_to_pytest(self, monkeypatch: pytest.MonkeyPatch) -> None:
        seen: list[list[str]] = []
        monkeypatch.setattr(pytest, "main", recorder(seen))
        assert main(["run", "--report", "out", "--known-deviations", "d.toml",
                     "--max-failures", "3", "--", "-k", "auth"]) == 0
        (args,) = seen
        assert args[-2:] == ["-k", "auth"] and "--" not in args
        for expected in (["--report", "out"], ["--known-deviations", "d.toml"]):
            at = args.index(expected[0])
            assert args[at:at + 2] == expected
        at = args.index("--max-failures")  # the plugin's option, which sets --maxfail
        assert args[at:at + 2] == ["--max-failures", "3"]

    def test_separator_after_a_plugin_option_is_dropped(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        seen: list[list[str]] = []
        monkeypatch.setattr(pytest, "main", recorder(seen))
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
