"""The `itwin-conformance images` subcommand."""

import argparse

from conformance.images import command
from conformance.images.manifest import Problem


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(argv)


class TestCommand:
    def test_options(self, tmp_path):
        args = parse("--dir", str(tmp_path), "--check", "--gallery", "x.html", "--write-manifest")
        assert (args.dir, args.check, str(args.gallery), args.write_manifest) == (
            tmp_path, True, "x.html", True)

    def test_builds_and_checks(self, built_dir, capsys, monkeypatch):
        monkeypatch.setattr(command, "check_fixtures", lambda directory: [
            Problem("type-gif", "warning", "library drift")])
        assert command.run(parse("--dir", str(built_dir), "--check")) == 0
        out = capsys.readouterr().out
        assert "warning: type-gif: library drift" in out and "0 errors, 1 warnings" in out

    def test_errors_fail_the_check(self, built_dir, capsys, monkeypatch):
        monkeypatch.setattr(command, "check_fixtures", lambda directory: [
            Problem("ratio-1x6", "error", "width is 2, declared 1")])
        assert command.run(parse("--dir", str(built_dir), "--check")) == 1
        assert "error: ratio-1x6: width is 2" in capsys.readouterr().err

    def test_gallery(self, built_dir, tmp_path, monkeypatch):
        written = []
        monkeypatch.setattr(command, "write_gallery", lambda path, d: written.append(path) or path)
        args = parse("--dir", str(built_dir), "--gallery", str(tmp_path / "g.html"))
        assert command.run(args) == 0
        assert written == [tmp_path / "g.html"]
