"""Where fixtures and the manifest live, in a checkout and in an installed wheel."""

import os
from pathlib import Path

from .model import Case

ENV_DIR = "ITWIN_CONFORMANCE_IMAGES"
_CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "generated_images"
_PACKAGED_MANIFEST = Path(__file__).resolve().parents[1] / "_data" / "manifest.json"
_CACHE_DIR = Path.home() / ".cache" / "itwin-image-conformance" / "generated_images"


def in_checkout() -> bool:
    """True when running from a source checkout (its generated_images/ holds the manifest)."""
    return (_CHECKOUT_DIR / "manifest.json").is_file()


def default_fixture_dir() -> Path:
    """$ITWIN_CONFORMANCE_IMAGES, else the checkout's generated_images/, else a user cache."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    return _CHECKOUT_DIR if in_checkout() else _CACHE_DIR


def manifest_path() -> Path:
    """The committed manifest, or the copy the wheel build puts in conformance/_data/."""
    return _CHECKOUT_DIR / "manifest.json" if in_checkout() else _PACKAGED_MANIFEST


def checkout_manifest_path() -> Path:
    """Where `write_manifest` writes by default: the checkout's committed manifest."""
    return _CHECKOUT_DIR / "manifest.json"


def fixture_path(case: Case, directory: Path | str | None = None) -> Path:
    """The file a case is built into."""
    return Path(directory or default_fixture_dir()) / case.filename

