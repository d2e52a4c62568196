"""Generate the pipeline definition offline (``make pipeline``) or check the committed one (``make pipeline-check``).

Writes two files, both deterministic (sorted keys, two-space indent, trailing newline):

* ``pipelines/pipeline.json``: the SageMaker pipeline definition, with ``${…}`` placeholders
  (:mod:`pipelines.placeholders`) instead of any account-, region- or stack-specific value;
* ``pipelines/sklearn-image-accounts.json``: region → account of the scikit-learn image registry
  (``SklearnImageAccount``), from the SDK's own image table, for the template's ``Mappings``.

Needs the SageMaker SDK (``.venv-tools/pipelines``); it runs in :func:`pipelines.offline.offline_environment`, so it
reaches no network and reads no local AWS or SDK configuration. About 3 s.

Examples
--------
::

    python -m pipelines.build                  # regenerate both files
    python -m pipelines.build --check          # exit 1 and show a diff if a committed file is stale
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.bundle import code_digest, code_prefix
from pipelines.offline import offline_environment
from pipelines.placeholders import (
    SENTINEL_DEFAULT_BUCKET,
    SENTINEL_REGION,
    SKLEARN_FRAMEWORK_VERSION,
    replace_sentinels,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

PIPELINES_DIR = Path(__file__).resolve().parent
DEFINITION_FILE = "pipeline.json"
ACCOUNTS_FILE = "sklearn-image-accounts.json"


def to_json(document: Any) -> str:
    """The one stable JSON rendering used for every generated file."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _quiet_sdk() -> None:
    """Silence the SDK's chatter and stub its telemetry sender (it would try to reach AWS)."""
    warnings.filterwarnings("ignore", module=r"sagemaker(\..*)?")
    from sagemaker.core.telemetry import telemetry_logging  # noqa: PLC0415 - SDK only inside the offline environment

    telemetry_logging._send_telemetry_request = lambda *_args, **_kwargs: None
    for name in ("sagemaker", "sagemaker.config", "botocore", "boto3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def generate() -> dict[str, str]:
    """Build the definition and the image-account table; return ``{file name: content}``."""
    with offline_environment():
        _quiet_sdk()
        import boto3  # noqa: PLC0415
        from sagemaker.core import image_uris  # noqa: PLC0415
        from sagemaker.core.workflow.pipeline_context import PipelineSession  # noqa: PLC0415

        from pipelines.definition import build_pipeline  # noqa: PLC0415

        session = PipelineSession(
            boto_session=boto3.Session(region_name=SENTINEL_REGION), default_bucket=SENTINEL_DEFAULT_BUCKET
        )
        session._default_bucket = SENTINEL_DEFAULT_BUCKET
        pipeline = build_pipeline(session, code_prefix(), code_digest())
        definition = replace_sentinels(to_json(json.loads(pipeline.definition())))
        accounts = image_accounts(image_uris.config_for_framework("sklearn"))
    return {DEFINITION_FILE: definition, ACCOUNTS_FILE: to_json(accounts)}


def image_accounts(config: dict[str, Any]) -> dict[str, str]:
    """Region → registry account of the scikit-learn image, where training and inference images both exist."""
    training = config["training"]["versions"][SKLEARN_FRAMEWORK_VERSION]["registries"]
    inference = config["inference"]["versions"][SKLEARN_FRAMEWORK_VERSION]["registries"]
    return {region: account for region, account in sorted(training.items()) if inference.get(region) == account}


def write(files: dict[str, str], directory: Path) -> None:
    """Write the generated files."""
    for name, content in files.items():
        (directory / name).write_text(content, encoding="utf-8")


def stale(files: dict[str, str], directory: Path) -> list[str]:
    """Unified diffs between the committed files and freshly generated ones (empty when all are current)."""
    diffs = []
    for name, fresh in files.items():
        path = directory / name
        committed = path.read_text(encoding="utf-8") if path.is_file() else ""
        if committed != fresh:
            diff = difflib.unified_diff(
                committed.splitlines(keepends=True), fresh.splitlines(keepends=True), f"{name} (committed)", name
            )
            diffs.append("".join(diff) or f"{name}: missing\n")
    return diffs


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: regenerate, or with ``--check`` report stale files and exit 1."""
    parser = argparse.ArgumentParser(description="Generate or check the SageMaker pipeline definition.")
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    parser.add_argument("--dir", type=Path, default=PIPELINES_DIR, help="where the generated files live")
    args = parser.parse_args(argv)
    files = generate()
    if not args.check:
        write(files, args.dir)
        sys.stdout.write(f"wrote {', '.join(sorted(files))} (step code: {code_prefix()})\n")
        return 0
    diffs = stale(files, args.dir)
    if diffs:
        sys.stderr.write("".join(diffs))
        sys.stderr.write("The committed pipeline definition is stale: run `make pipeline` and commit the result.\n")
        return 1
    sys.stdout.write(f"{', '.join(sorted(files))} up to date (step code: {code_prefix()})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
