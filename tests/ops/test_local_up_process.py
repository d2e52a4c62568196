"""``python -m mlopsctl local up`` as a user runs it: a real process, a client in another, signals to stop it.

A client process (``python -c`` with boto3: the AWS CLI is not installed here) uses the environment the command
prints; what it sees is the system's reaction to its request. Waits are polls with a bounded real-time deadline.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90.0

#: A user's script: find the stack by its outputs, drop data under incoming/, wait for the labeling job it starts.
CLIENT = textwrap.dedent(
    """
    import json, time, boto3
    cloudformation, s3, sagemaker = (boto3.client(s) for s in ("cloudformation", "s3", "sagemaker"))
    stack = cloudformation.describe_stacks(StackName="mlops-local")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    s3.put_object(Bucket=outputs["DataBucketName"], Key="incoming/batch-1/a.txt", Body=b"some raw data")
    deadline, jobs = time.monotonic() + 60, []
    while not jobs and time.monotonic() < deadline:
        jobs = sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
        time.sleep(0.1)
    names = [job["LabelingJobName"] for job in jobs]
    print(json.dumps({"status": stack["StackStatus"], "outputs": outputs, "jobs": names}))
    """
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(**extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "layers" / "mlops_core"), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path, **extra}


@dataclass
class _Running:
    """A ``mlopsctl local up`` process: its standard output read on a thread (line by line), its standard error in a
    file."""

    process: subprocess.Popen[str]
    err_file: IO[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def follow(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def banner(self) -> dict[str, str]:
        """The ``export NAME=VALUE`` lines the command prints, read until its outputs table (bounded)."""
        exports: dict[str, str] = {}
        deadline = time.monotonic() + STARTUP_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                exports[name] = value
            elif "OutputKey" in line:
                return exports
        raise AssertionError(f"mlopsctl local up did not print its banner: {exports} {self.stderr()}")

    def stderr(self) -> str:
        self.err_file.seek(0)
        return self.err_file.read()


@contextmanager
def _local_up(port: int) -> Iterator[tuple[_Running, dict[str, str]]]:
    command = [sys.executable, "-m", "mlopsctl", "local", "up", "--port", str(port), "--speed", "600"]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err_file:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            command, cwd=ROOT, env=_environment(), stdout=subprocess.PIPE, stderr=err_file, text=True
        )
        running = _Running(process, err_file)
        reader = threading.Thread(target=running.follow, daemon=True)
        reader.start()
        try:
            yield running, running.banner()
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            reader.join(timeout=30)


def _stops_cleanly(running: _Running, number: signal.Signals, port: int) -> None:
    running.process.send_signal(number)
    running.process.wait(timeout=60)
    err = running.stderr()
    assert running.process.returncode == 0, err
    assert "Traceback" not in err, err
    assert "error" not in err.lower(), err
    assert "mlopsctl local up: stopped after" in err.splitlines()[-1]
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))  # nobody serves it any more
    with socket.socket() as again:  # and a server can take it again (connections it closed may linger in TIME_WAIT)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
        again.listen()


def test_a_user_in_another_process_finds_the_stack_drops_data_and_sigterm_stops_it() -> None:
    port = _free_port()
    with _local_up(port) as (running, exports):
        assert exports["AWS_ENDPOINT_URL"] == exports["MLOPS_ENDPOINT_URL"] == f"http://127.0.0.1:{port}"
        assert exports["MLOPS_STACK"] == "mlops-local"
        client = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-c", CLIENT],
            env=_environment(**exports),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert client.returncode == 0, client.stderr
        seen = json.loads(client.stdout)
        assert seen["status"] == "CREATE_COMPLETE"
        assert seen["outputs"]["DataBucketName"] == "mlops-local-databucket"
        assert len(seen["jobs"]) == 1  # the data arrived: DataArrival started one labeling job for the batch
        _stops_cleanly(running, signal.SIGTERM, port)


def test_ctrl_c_stops_it_cleanly_and_frees_the_port() -> None:
    port = _free_port()
    with _local_up(port) as (running, _):
        _stops_cleanly(running, signal.SIGINT, port)


def test_a_port_in_use_is_one_line_and_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "mlopsctl", "local", "up", "--port", str(port)]
        done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            command, cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=STARTUP_SECONDS, check=False
        )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"mlopsctl local up: error: port {port} on 127.0.0.1 is in use: is another local stack running? "
        "(choose one with --port)"
    ]
