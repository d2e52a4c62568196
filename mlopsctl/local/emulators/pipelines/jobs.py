"""The processing and training jobs a pipeline step runs, as records in moto's SageMaker (emulated).

The runner creates each job through the API (``CreateProcessingJob`` / ``CreateTrainingJob`` with the step's
arguments), as SageMaker Pipelines does. moto marks every job ``Completed`` at once and invents training metrics, so
once the step's script has really run, the job's record is corrected here: ``Failed`` with the script's failure
reason, and the metrics the job's ``MetricDefinitions`` find in the script's logs
(:func:`mlopsctl.local.moto_patches.backends.record_job_outcome` writes them).

Also here: a job's working directory (standing for ``/opt/ml``), where its script is, and the ``SM_*`` environment
of a script-mode training job.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mlopsctl.local.emulators.pipelines.container import container_path
from mlopsctl.local.errors import StepFailedError

_PYTHONS = ("python", "python3")


def metrics_from_logs(
    definitions: Sequence[Mapping[str, Any]], logs: Iterable[str], at: datetime
) -> list[dict[str, Any]]:
    """``FinalMetricDataList``: the last value each metric definition's regex finds in the logs.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> found = metrics_from_logs([{"Name": "f1", "Regex": "f1=([0-9.]+)"}], ["f1=0.5", "f1=0.75"], datetime.now(UTC))
    >>> [(m["MetricName"], m["Value"]) for m in found]
    [('f1', 0.75)]
    """
    lines = list(logs)
    found: list[dict[str, Any]] = []
    for definition in definitions:
        pattern = re.compile(str(definition["Regex"]))
        values = [m.group(1) for line in lines if (m := pattern.search(line)) and m.groups()]
        if values:
            try:
                found.append({"MetricName": str(definition["Name"]), "Value": float(values[-1]), "Timestamp": at})
            except ValueError:
                continue
    return found


@contextlib.contextmanager
def job_directory(parent: Path | None) -> Iterator[Path]:
    """A temporary directory standing for the container's ``/opt/ml``, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="mlops-job-", dir=parent) as name:
        yield Path(name)


def training_environment(channels: list[str], hyperparameters: Mapping[str, str], module: str) -> dict[str, str]:
    """The ``SM_*`` variables the SageMaker training toolkit gives a script-mode training script."""
    env = {
        "SM_MODEL_DIR": "/opt/ml/model",
        "SM_OUTPUT_DIR": "/opt/ml/output",
        "SM_OUTPUT_DATA_DIR": "/opt/ml/output/data",
        "SM_INPUT_DIR": "/opt/ml/input",
        "SM_CHANNELS": json.dumps(sorted(channels)),
        "SM_HPS": json.dumps(dict(hyperparameters), sort_keys=True),
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_NUM_GPUS": "0",
        "SM_MODULE_NAME": module,
    }
    for channel in channels:
        env[f"SM_CHANNEL_{channel.upper()}"] = f"/opt/ml/input/data/{channel}"
    for key, value in hyperparameters.items():
        env[f"SM_HP_{key.upper()}"] = value
    return env


def python_script(entry: list[Any], root: Path) -> Path:
    """The script of a ``[python3, <script>]`` entry point, in the job's directory."""
    if len(entry) != 2 or Path(str(entry[0])).name not in _PYTHONS:
        raise StepFailedError(f"ClientError: entry point {entry!r} is not emulated; only [python3, <script>] is")
    script = Path(container_path(str(entry[1]), root))
    if not script.is_file():
        raise StepFailedError(
            f"AlgorithmError: {entry[1]} not found in the container (is the step's code input there?)"
        )
    return script


def training_script(hyperparameters: Mapping[str, str], root: Path) -> Path:
    """The script-mode training script (``sagemaker_program`` in ``sagemaker_submit_directory``)."""
    program, submit = hyperparameters.get("sagemaker_program"), hyperparameters.get("sagemaker_submit_directory")
    if not program or not submit or not submit.startswith("/opt/ml/"):
        raise StepFailedError(
            "ClientError: only script mode with sagemaker_program and a local sagemaker_submit_directory is emulated"
        )
    script = Path(container_path(submit, root)) / program
    if not script.is_file():
        raise StepFailedError(f"AlgorithmError: {program} not found in {submit} (is the code channel there?)")
    return script
