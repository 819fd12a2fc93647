"""`python -m conformance.mock`: the same as `itwin-conformance mock`."""

from .command import main

raise SystemExit(main())
