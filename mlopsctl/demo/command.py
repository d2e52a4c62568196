"""``mlopsctl demo``: the whole lifecycle on this machine; exit 0 only when every check ends as expected.

``mlopsctl demo --data DIR`` runs your own labeled files instead (:mod:`mlopsctl.demo.own_data`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mlopsctl.demo import own_data
from mlopsctl.demo.examples import EXAMPLES, Example, example_template
from mlopsctl.demo.report import DemoReport, render_step, summary_table
from mlopsctl.demo.scenarios import Drops
from mlopsctl.demo.session import DemoStack, Installed, emulator_factories
from mlopsctl.local.errors import LocalStackError, TemplateError
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack
from mlopsctl.local.template.loader import read_yaml
from pipelines.template_block import TemplateBlockError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
INTRO = (
    "mlopsctl demo: the whole lifecycle on this machine. AWS is moto; our handlers, state machines and EventBridge "
    "rules are real;\nSageMaker jobs, Ground Truth workers and CloudWatch metrics are emulated in virtual time "
    "(the pipeline's step scripts really run)."
)


@dataclass(frozen=True)
class DemoOptions:
    """What the demo runs on.

    Attributes
    ----------
    template
        The SAM template (default: the project's).
    tickets
        Tickets per data drop.
    timeline
        Print each step's timeline (else only its checks).
    verbose
        Show the handlers' and the stack's logs on standard error.
    example
        ``text`` (support tickets through Ground Truth) or ``tabular`` (labelled CSV, the tabular model).
    """

    template: Path = DEFAULT_TEMPLATE
    tickets: int = 150
    timeline: bool = True
    verbose: bool = False
    example: str = "text"


def register(subparsers: Any) -> None:
    """Add ``demo`` to the ``mlopsctl`` parser."""
    parser = subparsers.add_parser(
        "demo",
        help="run the whole lifecycle locally (no AWS account, no Docker) and check every end state",
        description=__doc__,
    )
    parser.add_argument(
        "--example",
        choices=sorted(EXAMPLES),
        default="text",
        help="text: support tickets, labeled by the emulated Ground Truth workforce; tabular: labelled CSV, the "
        "tabular model of pipelines/models/tabular (default: %(default)s)",
    )
    parser.add_argument("--tickets", type=int, default=150, help="tickets per data drop (default: %(default)s)")
    parser.add_argument(
        "--template", type=Path, default=DEFAULT_TEMPLATE, help="the SAM template (default: %(default)s)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the checks and the summary, no timelines")
    parser.add_argument("--verbose", action="store_true", help="show the handlers' logs on standard error")
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="run your own labeled CSV / JSON-lines files (uploaded under labeled/) to a deployed endpoint instead",
    )
    parser.add_argument("--label-column", metavar="C", help="with --data: the label column (default: label)")
    parser.add_argument(
        "--feature-columns", metavar="A,B", help="with --data: the feature columns, comma-separated (default: text)"
    )
    parser.set_defaults(handler=_main)


def _main(args: argparse.Namespace) -> int:
    if args.data is not None:
        return own_data.main(args, quiet)
    if args.label_column or args.feature_columns:
        sys.stderr.write("mlopsctl demo: error: --label-column and --feature-columns need --data DIR\n")
        return EXIT_USAGE
    if args.tickets < 30:
        sys.stderr.write("mlopsctl demo: error: --tickets must be at least 30 (every class needs test examples)\n")
        return EXIT_USAGE
    options = DemoOptions(
        template=args.template,
        tickets=args.tickets,
        timeline=not args.quiet,
        verbose=args.verbose,
        example=args.example,
    )
    report = run_demo(options, sys.stdout)
    return EXIT_OK if report.ok else EXIT_FAILED


def run_demo(
    options: DemoOptions, out: IO[str] | None = None, *, inspect: Callable[[DemoStack], None] | None = None
) -> DemoReport:
    """Run every scenario on a fresh local stack; print as it goes to ``out``; return the report.

    ``inspect`` is called with the demo's stack after the last step, before the stack stops (tests read the end
    states through it).
    """
    write = (out or sys.stdout).write
    write(INTRO + "\n\n")
    started = time.perf_counter()
    example = EXAMPLES[options.example]
    drops = example.drops(options.tickets)
    installed = Installed()
    labels = example.labeling and _declares(options.template, "LabelingLabels")
    parameters = {"LabelingLabels": ",".join(drops.first.labels)} if labels else {}
    parameters.update(example.parameters)
    with quiet(verbose=options.verbose), contextlib.ExitStack() as exit_stack:
        try:
            template = exit_stack.enter_context(example_template(options.template, example.model))
            booting = time.perf_counter()
            stack = LocalStack(
                template,
                parameters=parameters,
                emulators=emulator_factories({**drops.first.gold, **drops.second.gold}, installed),
            )
            with stack:
                if installed.runner is None:
                    raise LocalStackError("the SageMaker emulator did not start")
                demo = DemoStack(stack, installed.runner, installed.alarm)
                _run_steps(demo, example, drops, options, write, startup=time.perf_counter() - booting)
                if inspect is not None:
                    inspect(demo)
                report = demo.report
                report.virtual_seconds = stack.clock.elapsed().total_seconds()
        except (LocalStackError, TemplateBlockError) as exc:
            write(f"mlopsctl demo: the local stack could not start: {exc}\n")
            return DemoReport(wall_seconds=time.perf_counter() - started)
    report.wall_seconds = time.perf_counter() - started
    write("\n".join(summary_table(report)) + "\n")
    return report


def _declares(template: Path, parameter: str) -> bool:
    """Whether the template declares ``parameter`` (the labels are the data set's only where it does)."""
    try:
        return parameter in (read_yaml(template.resolve()).get("Parameters") or {})
    except (OSError, TemplateError):
        return False


def _run_steps(
    demo: DemoStack, example: Example, drops: Drops, options: DemoOptions, write: Any, *, startup: float
) -> None:
    """Run the steps in order (a step whose prerequisites did not end as expected is skipped); print each."""
    for spec in example.steps:
        failed = [need for need in spec.needs if not demo.passed(need)]
        if failed:
            result = demo.skip(spec.key, spec.scenario, spec.title, ", ".join(failed))
        else:
            with demo.step(spec.key, spec.scenario, spec.title) as result:
                spec.run(demo, result, drops)
            if spec.key == example.steps[0].key:
                result.wall_seconds += startup  # the stack came up (from template.yaml) as part of deploying
        write("\n".join(render_step(result, timeline=options.timeline)) + "\n\n")


class Discard(io.TextIOBase):
    """A text sink that is never closed: Powertools loggers keep the stream they first saw, across stacks."""

    def writable(self) -> bool:
        """Always."""
        return True

    def write(self, text: str) -> int:
        """Drop ``text``."""
        return len(text)


DISCARD = Discard()


@contextlib.contextmanager
def quiet(*, verbose: bool = False) -> Iterator[None]:
    """Handlers print their structured logs to stdout, as in Lambda; the demo shows them only with --verbose."""
    loggers = [logging.getLogger(name) for name in ("mlopsctl.local", "moto")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO if verbose else logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(sys.stderr if verbose else DISCARD):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
