"""Regenerate everything derived from ``pipelines/`` (``make pipeline``), or check it is current (``pipeline-check``).

Writes, all deterministic (sorted keys, two-space indent, trailing newline):

* ``pipelines/generated/<model>.json`` for every model of ``pipelines/models/``: its SageMaker pipeline definition,
  with ``${…}`` placeholders (:mod:`pipelines.placeholders`) instead of any account-, region- or stack-specific value;
* ``pipelines/sklearn-image-accounts.json``: region → account of the scikit-learn image registry
  (``SklearnImageAccount``), from the SDK's own image table, for the template's ``Mappings``;
* ``template.yaml``'s generated block (:mod:`pipelines.template_block`): the selected model's definition as
  ``TrainingPipeline``'s ``PipelineDefinitionBody``. The model is ``--model``, else the one the block names now.

Needs the SageMaker SDK (``.venv-tools/pipelines``); it runs in :func:`pipelines.offline.offline_environment`, so it
reaches no network and reads no local AWS or SDK configuration. About 3 s per model.

Examples
--------
::

    python -m pipelines.build                  # regenerate every file (template: the model it holds now)
    python -m pipelines.build --model tabular  # ... and put the tabular model's definition in the template
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

from pipelines.bundle import MODELS_DIR, code_digest, code_prefix
from pipelines.offline import offline_environment
from pipelines.placeholders import (
    SENTINEL_DEFAULT_BUCKET,
    SENTINEL_REGION,
    SKLEARN_FRAMEWORK_VERSION,
    replace_sentinels,
)
from pipelines.spec import SpecError, load_spec, model_names
from pipelines.template_block import TemplateBlockError, current_model, replace_block

if TYPE_CHECKING:
    from collections.abc import Sequence

PIPELINES_DIR = Path(__file__).resolve().parent
ROOT = PIPELINES_DIR.parent
TEMPLATE_FILE = "template.yaml"
ACCOUNTS_FILE = "pipelines/sklearn-image-accounts.json"


def definition_file(model: str) -> str:
    """Where ``model``'s generated definition lives, relative to the repository root."""
    return f"pipelines/generated/{model}.json"


def to_json(document: Any) -> str:
    """The one stable JSON rendering used for every generated file."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _quiet_sdk() -> None:
    """Silence the SDK's chatter and stub its telemetry sender (it would try to reach AWS)."""
    warnings.filterwarnings("ignore", module=r"sagemaker(\..*)?")
    from sagemaker.core.telemetry import telemetry_logging  # noqa: PLC0415 - SDK only inside the offline environment

    telemetry_logging._send_telemetry_request = lambda *_args, **_kwargs: None
    names = [n for n in logging.root.manager.loggerDict if n.startswith(("sagemaker", "botocore", "boto3"))]
    for name in ("sagemaker", "sagemaker.config", "botocore", "boto3", *names):
        logging.getLogger(name).setLevel(logging.ERROR)  # the SDK sets levels on its own loggers as it loads


def generate(models_dir: Path = MODELS_DIR) -> dict[str, str]:
    """Build every model's definition and the image-account table; return ``{path from the root: content}``."""
    with offline_environment():
        _quiet_sdk()
        import boto3  # noqa: PLC0415
        from sagemaker.core import image_uris  # noqa: PLC0415
        from sagemaker.core.workflow.pipeline_context import PipelineSession  # noqa: PLC0415

        from pipelines.definition import build_pipeline  # noqa: PLC0415

        _quiet_sdk()

        session = PipelineSession(
            boto_session=boto3.Session(region_name=SENTINEL_REGION), default_bucket=SENTINEL_DEFAULT_BUCKET
        )
        session._default_bucket = SENTINEL_DEFAULT_BUCKET
        files = {}
        for model in model_names(models_dir):
            _quiet_sdk()  # building a trainer resets the SDK's log levels
            spec = load_spec(model, models_dir)
            pipeline = build_pipeline(session, spec, code_prefix(model, models_dir), code_digest(model, models_dir))
            files[definition_file(model)] = replace_sentinels(to_json(json.loads(pipeline.definition())))
        accounts = image_accounts(image_uris.config_for_framework("sklearn"))
    return {**files, ACCOUNTS_FILE: to_json(accounts)}


def with_template(files: dict[str, str], root: Path, model: str | None = None) -> tuple[str, dict[str, str]]:
    """The selected model (``model``, else the template's), and ``files`` plus the template with its definition."""
    template = (root / TEMPLATE_FILE).read_text(encoding="utf-8")
    selected = model or current_model(template)
    definition = files.get(definition_file(selected))
    if definition is None:
        known = sorted(p.removeprefix("pipelines/generated/").removesuffix(".json") for p in files if "generated/" in p)
        raise TemplateBlockError(f"no model {selected!r} in pipelines/models/ (models: {', '.join(known)})")
    return selected, {**files, TEMPLATE_FILE: replace_block(template, selected, definition)}


def image_accounts(config: dict[str, Any]) -> dict[str, str]:
    """Region → registry account of the scikit-learn image, where training and inference images both exist."""
    training = config["training"]["versions"][SKLEARN_FRAMEWORK_VERSION]["registries"]
    inference = config["inference"]["versions"][SKLEARN_FRAMEWORK_VERSION]["registries"]
    return {region: account for region, account in sorted(training.items()) if inference.get(region) == account}


def write(files: dict[str, str], directory: Path) -> None:
    """Write the generated files (paths relative to ``directory``, the repository root); drop stale definitions."""
    generated = directory / "pipelines" / "generated"
    generated.mkdir(parents=True, exist_ok=True)
    for old in generated.glob("*.json"):
        if old.relative_to(directory).as_posix() not in files:
            old.unlink()
    for name, content in files.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")


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
    generated = directory / "pipelines" / "generated"
    for old in sorted(generated.glob("*.json")) if generated.is_dir() else []:
        name = old.relative_to(directory).as_posix()
        if name not in files:
            diffs.append(f"{name}: no model of that name in pipelines/models/ (delete it)\n")
    return diffs


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: regenerate, or with ``--check`` report stale files and exit 1."""
    parser = argparse.ArgumentParser(description="Generate or check everything derived from pipelines/.")
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    parser.add_argument("--model", help="the model whose definition the template holds (default: the one it holds)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository root (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        model, files = with_template(generate(args.root / "pipelines" / "models"), args.root, args.model)
    except (TemplateBlockError, SpecError, OSError) as exc:
        sys.stderr.write(f"pipelines.build: error: {exc}\n")
        return 2
    if not args.check:
        write(files, args.root)
        prefix = code_prefix(model, args.root / "pipelines" / "models")
        sys.stdout.write(f"wrote {', '.join(sorted(files))} (template: model {model}, step code {prefix})\n")
        return 0
    diffs = stale(files, args.root)
    if diffs:
        sys.stderr.write("".join(diffs))
        sys.stderr.write(f"Generated files are stale: run `make pipeline MODEL={model}` and commit the result.\n")
        return 1
    sys.stdout.write(f"{', '.join(sorted(files))} up to date (template: model {model})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
