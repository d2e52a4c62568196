"""A model's step-script bundle: which files the pipeline runs, and the content-addressed S3 prefix they live under.

The pipeline definition names its code as ``s3://<ArtifactsBucket>/pipelines/code/<digest>/<file>``, where
``<digest>`` is a hash of the model's step scripts. Editing a step script changes the digest, so the generated
definition (``pipelines/generated/<model>.json``) and the template's copy of it no longer match
(``make pipeline-check`` fails) until ``make pipeline`` regenerates them, and a pipeline execution never runs code
other than the code its definition was generated with.

Deploying: upload the model's step files from ``pipelines/models/<model>/`` to ``code_prefix(model)`` in the
artifacts bucket before (or with) the stack update, e.g.::

    aws s3 cp pipelines/models/text/ "s3://$BUCKET/$(python -m pipelines.bundle text)" --recursive \\
        --exclude "*" --include "preprocess.py" --include "train.py" --include "evaluate.py" --include "inference.py"
"""

from __future__ import annotations

import hashlib
import sys
from typing import TYPE_CHECKING

from pipelines.spec import MODELS_DIR, Steps, load_spec, model_dir

if TYPE_CHECKING:
    from pathlib import Path

STEP_FILES: tuple[str, ...] = Steps().files()
"""The default step files: processing runs preprocess/evaluate, training runs train (+ ships inference)."""
CODE_ROOT = "pipelines/code"
DIGEST_LENGTH = 16
__all__ = ["CODE_ROOT", "MODELS_DIR", "STEP_FILES", "code_digest", "code_files", "code_prefix", "model_dir"]


def step_files(model: str, models_dir: Path = MODELS_DIR) -> tuple[str, ...]:
    """The files of ``model``'s bundle (its ``model.json``'s steps)."""
    return load_spec(model, models_dir).steps.files()


def code_digest(model: str = "text", models_dir: Path = MODELS_DIR) -> str:
    """Hex digest of the model's step scripts (names and bytes, in a fixed order), :data:`DIGEST_LENGTH` characters."""
    digest = hashlib.sha256()
    for name in step_files(model, models_dir):
        content = (model_dir(model, models_dir) / name).read_bytes().replace(b"\r\n", b"\n")
        digest.update(name.encode() + b"\0" + len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()[:DIGEST_LENGTH]


def code_prefix(model: str = "text", models_dir: Path = MODELS_DIR) -> str:
    """S3 key prefix of this version of the model's step scripts, e.g. ``pipelines/code/0123456789abcdef/``."""
    return f"{CODE_ROOT}/{code_digest(model, models_dir)}/"


def code_files(model: str = "text", models_dir: Path = MODELS_DIR) -> dict[str, bytes]:
    """``{S3 key: bytes}`` of the model's step scripts under their content-addressed prefix (what to upload)."""
    prefix = code_prefix(model, models_dir)
    folder = model_dir(model, models_dir)
    return {f"{prefix}{name}": (folder / name).read_bytes() for name in step_files(model, models_dir)}


def main(argv: list[str] | None = None) -> int:
    """Print the key prefix a model's step scripts must be uploaded to (``python -m pipelines.bundle [MODEL]``)."""
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(code_prefix(args[0] if args else "text") + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
