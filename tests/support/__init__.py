"""What the tests, the benchmarks (bench/) and the artifact smoke test
(scripts/smoke_artifact.py) share: the accounts, the one WordPress stand-in,
API Gateway events, the API client, the v1.0.x databases, the writer
processes, the engine and environment plugins, the scratch PostgreSQL
database. No test module is imported by another: what two of them share is here
(fixtures are in the conftest.py files)."""
