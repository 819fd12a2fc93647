"""The `itwin-conformance images` subcommand: build, check and show the image fixtures."""

import argparse
import sys
import time
from pathlib import Path

from .fixtures import ensure_fixtures
from .gallery import write_gallery
from .manifest import check_fixtures, write_manifest
from .paths import default_fixture_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `itwin-conformance images`."""
    parser.add_argument("--dir", type=Path, default=None,
                        help=f"fixture directory (default: {default_fixture_dir()})")
    parser.add_argument("--check", action="store_true",
                        help="after building, compare every file with its case and the manifest;"
                             " exit 1 on errors (sha256 drift is only a warning)")
    parser.add_argument("--gallery", type=Path, metavar="FILE.html",
                        help="write an HTML contact sheet of every fixture")
    parser.add_argument("--write-manifest", action="store_true",
                        help="rebuild every case and rewrite the committed manifest")


def run(args: argparse.Namespace) -> int:
    """Build what is missing, then do what the options ask. 0 = fine, 1 = check errors."""
    if args.write_manifest:
        print(f"wrote {write_manifest()}")
    started = time.perf_counter()
    directory = ensure_fixtures(args.dir)
    print(f"fixtures ready in {directory} ({time.perf_counter() - started:.1f} s)")
    status = 0
    if args.check:
        problems = check_fixtures(directory)
        for problem in problems:
            print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
        errors = sum(problem.severity == "error" for problem in problems)
        print(f"check: {errors} errors, {len(problems) - errors} warnings")
        status = 1 if errors else 0
    if args.gallery:
        print(f"wrote {write_gallery(args.gallery, directory)}")
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand on its own: `python -m conformance.images.command`."""
    parser = argparse.ArgumentParser(prog="itwin-conformance images", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
