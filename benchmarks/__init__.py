"""Performance measurements of the fixtures, the mock and the suite (not tests).

Run `python benchmarks/run.py`; see docs/performance.md for what is measured and why.
Nothing here is collected by pytest: the modules are named `bench_*.py`, and the root
pytest configuration only looks in conformance/suite and tests.
"""
