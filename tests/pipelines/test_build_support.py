"""SDK-free parts of the definition build: placeholders, the code bundle, the offline guard, the SDK boundary."""

from __future__ import annotations

import ast
import os
import shutil
import socket
from pathlib import Path

import pytest

from pipelines import bundle
from pipelines.offline import NetworkAccessError, offline_environment
from pipelines.placeholders import (
    SENTINEL_DEFAULT_BUCKET,
    SENTINEL_ROLE_ARN,
    PlaceholderError,
    render,
    replace_sentinels,
)

ROOT = Path(__file__).resolve().parents[2]
# Modules allowed to import the SageMaker SDK: build-time only, run in the SDK's own virtual environment.
SDK_MODULES = {ROOT / "pipelines" / name for name in ("definition.py", "parameters.py", "build.py")}


def imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if ".aws-sam" not in p.parts)


def test_the_sagemaker_sdk_is_imported_only_by_the_build_time_definition() -> None:
    files = python_files("functions", "layers", "mlopsctl", "pipelines")
    offenders = [
        str(p.relative_to(ROOT)) for p in files if p not in SDK_MODULES and "sagemaker" in imported_top_level_modules(p)
    ]
    assert files
    assert offenders == []


def test_the_sdk_modules_do_import_it_so_the_boundary_check_is_looking_at_the_right_files() -> None:
    assert all("sagemaker" in imported_top_level_modules(p) for p in SDK_MODULES)


def test_replacing_sentinels_leaves_only_placeholders() -> None:
    definition = f'{{"RoleArn": "{SENTINEL_ROLE_ARN}", "Env": {{"SAGEMAKER_REGION": "us-east-1"}}}}'
    assert (
        replace_sentinels(definition)
        == '{"RoleArn": "${SageMakerExecutionRoleArn}", "Env": {"SAGEMAKER_REGION": "${AWS::Region}"}}'
    )


@pytest.mark.parametrize(
    ("definition", "reason"),
    [
        (f'{{"Bucket": "s3://{SENTINEL_DEFAULT_BUCKET}/x"}}', "sentinel values left"),
        ('{"Uri": "s3://b/us-east-1/x"}', "sentinel values left"),
        ('{"Image": "123.dkr.ecr.${Region}"}', r"unknown placeholders in the definition: \['Region'\]"),
    ],
)
def test_definitions_with_leftover_or_unknown_values_are_refused(definition: str, reason: str) -> None:
    with pytest.raises(PlaceholderError, match=reason):
        replace_sentinels(definition)


def test_render_refuses_to_leave_a_placeholder_unfilled() -> None:
    with pytest.raises(PlaceholderError, match=r"no value for placeholders: \['ArtifactsBucketName'\]"):
        render('"s3://${ArtifactsBucketName}/${AWS::Region}"', {"AWS::Region": "eu-west-1"})


def test_code_digest_follows_the_content_of_the_step_scripts(tmp_path: Path) -> None:
    shutil.copytree(bundle.model_dir("text"), tmp_path / "m")
    for name in bundle.STEP_FILES:
        (tmp_path / "m" / name).write_text(f"# {name}\n", encoding="utf-8")
    before = bundle.code_digest("m", tmp_path)
    assert bundle.code_digest("m", tmp_path) == before
    (tmp_path / "m" / "train.py").write_text("# changed\n", encoding="utf-8")
    assert bundle.code_digest("m", tmp_path) != before
    assert bundle.code_prefix("m", tmp_path) == f"pipelines/code/{bundle.code_digest('m', tmp_path)}/"
    assert set(bundle.code_files("m", tmp_path)) == {
        f"{bundle.code_prefix('m', tmp_path)}{n}" for n in bundle.STEP_FILES
    }


def test_code_digest_ignores_windows_line_endings(tmp_path: Path) -> None:
    shutil.copytree(bundle.model_dir("text"), tmp_path / "m")
    for name in bundle.STEP_FILES:
        (tmp_path / "m" / name).write_bytes(b"a = 1\nb = 2\n")
    unix = bundle.code_digest("m", tmp_path)
    for name in bundle.STEP_FILES:
        (tmp_path / "m" / name).write_bytes(b"a = 1\r\nb = 2\r\n")
    assert bundle.code_digest("m", tmp_path) == unix


def test_every_bundled_file_exists_and_nothing_else_is_needed() -> None:
    scripts = bundle.model_dir("text").glob("*.py")
    assert sorted(p.name for p in scripts if p.name != "__init__.py") == sorted(bundle.STEP_FILES)


def test_offline_environment_refuses_any_connection_and_hides_local_aws_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone")
    with offline_environment():
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["SAGEMAKER_VALIDATE_ROLE"] == "false"
        assert Path(os.environ["AWS_CONFIG_FILE"]).read_text(encoding="utf-8") == ""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkAccessError):
            sock.connect(("127.0.0.1", 9))
    assert os.environ["AWS_PROFILE"] == "someone"
    assert "SAGEMAKER_VALIDATE_ROLE" not in os.environ


def test_offline_environment_restores_the_socket_even_after_an_error() -> None:
    connect = socket.socket.connect
    with pytest.raises(RuntimeError, match="boom"), offline_environment():
        raise RuntimeError("boom")
    assert socket.socket.connect is connect
