"""Secrets of the offline checks."""

# The function refuses to start with serverless.yml's placeholder SECRET_KEY
# (registry_api/checks.py): a deploy passes its own, and so do the offline
# checks (this smoke test, serverless-offline, the benchmarks).
OFFLINE_SECRET_KEY = "offline-checks-only-secret-key-not-for-any-deployment-0123456789"
