"""Running a step script as its SageMaker container would: paths, environment, exit codes and failure reasons."""

from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

from mlopsctl.local.emulators.pipelines.container import ContainerAccess, container_path, run_script

ACCESS = ContainerAccess(region="eu-west-1", user_agent_extra="marker")


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "code" / "step.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_container_paths_map_below_the_jobs_directory(tmp_path: Path) -> None:
    assert container_path("/opt/ml/model", tmp_path) == str(tmp_path / "model")
    assert container_path("/opt/mlx", tmp_path) == "/opt/mlx"


def test_a_script_gets_mapped_arguments_environment_and_processing_root(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import logging, os, sys
        from pathlib import Path
        PROCESSING_ROOT = "/opt/ml/processing"
        def main(argv):
            out = Path(argv[0])
            out.write_text("|".join([PROCESSING_ROOT, os.environ["SM_MODEL_DIR"], os.environ["AWS_REGION"]]))
            logging.getLogger("step").info("wrote %s", out.name)
            return 0
        """,
    )
    (tmp_path / "output").mkdir()
    level = logging.getLogger().level

    result = run_script(
        path, ["/opt/ml/output/seen.txt"], root=tmp_path, access=ACCESS, environment={"SM_MODEL_DIR": "/opt/ml/model"}
    )

    assert result.exit_code == 0
    assert (tmp_path / "output" / "seen.txt").read_text() == f"{tmp_path / 'processing'}|{tmp_path / 'model'}|eu-west-1"
    assert result.logs == ("INFO step: wrote seen.txt",)
    assert "SM_MODEL_DIR" not in os.environ
    assert logging.getLogger().level == level


def test_a_non_zero_exit_fails_with_the_last_error_logged(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import logging
        def main(argv):
            logging.getLogger("step").error("preprocess failed: need at least 2 classes")
            return 1
        """,
    )
    result = run_script(path, [], root=tmp_path, access=ACCESS)
    assert result.exit_code == 1
    assert result.failure_reason == "AlgorithmError: preprocess failed: need at least 2 classes"


def test_the_training_failure_file_is_the_reason_when_present(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        from pathlib import Path
        def main(argv):
            Path("/opt/ml/output/failure".replace("/opt/ml", argv[0])).write_text("only one class")
            return 1
        """,
    )
    (tmp_path / "output").mkdir()
    result = run_script(path, [str(tmp_path)], root=tmp_path, access=ACCESS)
    assert result.failure_reason == "AlgorithmError: only one class"


def test_a_crashing_script_fails_with_its_exception_and_no_main_is_an_error(tmp_path: Path) -> None:
    crash = script(tmp_path, "def main(argv):\n    raise KeyError('label')\n")
    assert run_script(crash, [], root=tmp_path, access=ACCESS).failure_reason == "AlgorithmError: KeyError: 'label'"
    no_main = script(tmp_path, "x = 1\n")
    assert "has no main(argv)" in str(run_script(no_main, [], root=tmp_path, access=ACCESS).failure_reason)
