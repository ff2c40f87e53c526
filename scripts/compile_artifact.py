#!/usr/bin/env python3
"""Give every module of a Lambda zip an unchecked-hash .pyc, in place.

Run by scripts/serverless-unchecked-pyc.js once `serverless package` (or
deploy) has put the service and its requirements into the zip; runs on the
Python 3.13 that serverless.yml's pythonRequirements.pythonBin names, so the
.pyc are the ones Lambda's python3.13 loads.

Why: /var/task is read-only, so a module without a usable .pyc is compiled at
every cold start, and pip's checked-hash .pyc make Python read and
hash each source file at every import. An unchecked-hash .pyc is loaded as it
is. That is safe because the zip never changes once built: the .pyc still
records its source's hash, which scripts/smoke_artifact.py checks.

The zip keeps its other entries as they were, in order; the .pyc get fixed
timestamps and the code objects `/var/task/...` file names, so a rebuild from
the same sources gives the same bytes.

Usage: python3.13 scripts/compile_artifact.py ZIP
"""

from __future__ import annotations

import os
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path

TASK_ROOT = "/var/task"  # where Lambda unpacks the zip
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold, as SOURCE_DATE_EPOCH=315532800


def compile_zip(artifact: Path) -> tuple[int, list[str]]:
    """Rewrites `artifact`; the number of .pyc written, and the modules that did not compile."""
    with tempfile.TemporaryDirectory(prefix="compile-artifact-") as tmp:
        root = Path(tmp) / "task"
        with zipfile.ZipFile(artifact) as zf:
            kept = [info for info in zf.infolist() if not info.filename.endswith(".pyc")]
            zf.extractall(root, members=kept)
        sources = sorted(path for path in root.rglob("*.py") if path.is_file())
        failed = []
        for source in sources:
            relative = source.relative_to(root).as_posix()
            try:
                py_compile.compile(
                    str(source),
                    dfile=f"{TASK_ROOT}/{relative}",
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
            except py_compile.PyCompileError:
                failed.append(relative)
        compiled = sorted(root.rglob("__pycache__/*.pyc"))
        rebuilt = artifact.with_name(artifact.name + ".tmp")
        with zipfile.ZipFile(artifact) as old, zipfile.ZipFile(rebuilt, "w") as new:
            for info in kept:
                new.writestr(info, old.read(info))
            for pyc in compiled:
                info = zipfile.ZipInfo(pyc.relative_to(root).as_posix(), FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                new.writestr(info, pyc.read_bytes())
        os.replace(rebuilt, artifact)
    return len(compiled), failed


def main() -> int:
    if sys.version_info[:2] != (3, 13):
        print(f"compile_artifact.py needs Python 3.13 (Lambda's python3.13), not {sys.version.split()[0]}")
        return 1
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1])
        return 2
    artifact = Path(sys.argv[1])
    written, failed = compile_zip(artifact)
    print(f"{artifact}: {written} unchecked-hash .pyc")
    if failed:
        print(f"{len(failed)} modules do not compile: {', '.join(failed[:10])}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
