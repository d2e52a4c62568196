"""The step-script bundle: which files the pipeline runs, and the content-addressed S3 prefix they live under.

The pipeline definition names its code as ``s3://<ArtifactsBucket>/pipelines/code/<digest>/<file>``, where
``<digest>`` is a hash of the step scripts. Editing a step script changes the digest, so the committed
``pipelines/pipeline.json`` no longer matches (``make pipeline-check`` fails) until it is regenerated, and a
pipeline execution never runs code other than the code its definition was generated with.

Deploying: upload every file of :data:`STEP_FILES` from ``pipelines/models/text/`` to ``code_prefix()`` in the
artifacts bucket before (or with) the stack update, e.g.::

    aws s3 cp pipelines/models/text/ "s3://$BUCKET/$(python -m pipelines.bundle)" --recursive \\
        --exclude "*" --include "preprocess.py" --include "train.py" --include "evaluate.py" --include "inference.py"
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

STEPS_DIR = Path(__file__).resolve().parent / "models" / "text"
STEP_FILES: tuple[str, ...] = ("evaluate.py", "inference.py", "preprocess.py", "train.py")
"""Files the pipeline's jobs need: processing runs preprocess/evaluate, training runs train (+ ships inference)."""
CODE_ROOT = "pipelines/code"
DIGEST_LENGTH = 16


def code_digest(steps_dir: Path = STEPS_DIR) -> str:
    """Hex digest of the step scripts (names and bytes, in a fixed order), :data:`DIGEST_LENGTH` characters."""
    digest = hashlib.sha256()
    for name in STEP_FILES:
        content = (steps_dir / name).read_bytes().replace(b"\r\n", b"\n")
        digest.update(name.encode() + b"\0" + len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()[:DIGEST_LENGTH]


def code_prefix(steps_dir: Path = STEPS_DIR) -> str:
    """S3 key prefix of this version of the step scripts, e.g. ``pipelines/code/0123456789abcdef/``."""
    return f"{CODE_ROOT}/{code_digest(steps_dir)}/"


def main() -> int:
    """Print the key prefix the step scripts must be uploaded to."""
    sys.stdout.write(code_prefix() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
