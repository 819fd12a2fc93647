"""Image fixtures for the iTwins image API: a catalogue of cases, deterministic recipes,
a committed manifest, and the self-proof run before every upload.

It sits just above the contract: of the project it imports only `conformance.contract`
(the evidence levels of its expectations) and `conformance.files` (atomic writes, the build
lock); besides those, the standard library, Pillow and (in `strategies`) Hypothesis.
"""

from .build import build_bytes
from .catalogue import CASES, case
from .fixtures import ensure_fixtures
from .gallery import write_gallery
from .manifest import Problem, build_manifest, check_fixtures, load_manifest, write_manifest
from .model import Case, Expectation
from .paths import default_fixture_dir, fixture_path, manifest_path
from .proof import FixtureMismatch, Properties, read_properties, verify, verify_once
from .signature import TOLERANCE, mean_rgb, signature_mismatch

__all__ = [
    "CASES", "TOLERANCE", "Case", "Expectation",
    "FixtureMismatch", "Problem", "Properties", "build_bytes", "build_manifest", "case",
    "check_fixtures", "default_fixture_dir", "ensure_fixtures", "fixture_path", "load_manifest",
    "manifest_path", "mean_rgb", "read_properties", "signature_mismatch", "verify",
    "verify_once", "write_gallery", "write_manifest",
]
