"""The demo's examples: which model the stack is deployed with, its data drops, and its steps.

``text`` (the default) is the support-ticket classifier the template holds; ``tabular`` is the CSV classifier of
``pipelines/models/tabular/``. For an example whose model the template does not hold, :func:`example_template`
deploys the template as ``make pipeline MODEL=<model>`` would have written it: the same file with its generated block
holding ``pipelines/generated/<model>.json`` (:mod:`pipelines.template_block`), in a temporary folder whose other
entries link to the template's own (so every relative path of the template still resolves). Nothing in the
repository is written.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlopsctl.demo.artifacts import ticket_objects
from mlopsctl.demo.scenarios import STEPS, Drops, StepSpec
from mlopsctl.demo.tabular_scenarios import TABULAR_STEPS, csv_drop
from pipelines.data.tabular import FEATURES
from pipelines.spec import MODELS_DIR
from pipelines.template_block import TemplateBlockError, current_model, replace_block

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

GENERATED_DIR = MODELS_DIR.parent / "generated"
FIRST_SEED, SECOND_SEED = 20240611, 7
TABULAR_ROWS = 1000


@dataclass(frozen=True)
class Example:
    """One example: its model (a folder of ``pipelines/models/``), its data drops, its steps."""

    model: str
    drops: Callable[[int], Drops]
    steps: tuple[StepSpec, ...]
    labeling: bool
    """Whether its data goes through Ground Truth (the template's ``LabelingLabels`` are then the data's)."""
    parameters: Mapping[str, str] = field(default_factory=dict)
    """Stack parameters the example's data needs (the columns the arrival check and the pipeline read)."""


def _ticket_drops(tickets: int) -> Drops:
    return Drops(ticket_objects(tickets, FIRST_SEED), ticket_objects(tickets, SECOND_SEED, start=tickets))


def _csv_drops(_tickets: int) -> Drops:
    return Drops(
        csv_drop(TABULAR_ROWS, FIRST_SEED, name="customers-1.csv"),
        csv_drop(TABULAR_ROWS, SECOND_SEED, name="customers-2.csv", start=TABULAR_ROWS),
    )


EXAMPLES: dict[str, Example] = {
    "text": Example("text", _ticket_drops, STEPS, labeling=True),
    "tabular": Example(
        "tabular", _csv_drops, TABULAR_STEPS, labeling=False, parameters={"FeatureColumns": ",".join(FEATURES)}
    ),
}


@contextlib.contextmanager
def example_template(template: Path, model: str) -> Iterator[Path]:
    """``template``, or a temporary copy whose generated block holds ``model``'s definition (see the module).

    A template without the generated block (one under construction) is deployed as it is for the default example.
    """
    text = template.read_text(encoding="utf-8")
    try:
        held: str | None = current_model(text)
    except TemplateBlockError:
        if model != "text":
            raise
        held = None
    if held in (model, None):
        yield template
        return
    definition = (GENERATED_DIR / f"{model}.json").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix=f"mlops-demo-{model}-") as folder:
        root = Path(folder)
        for entry in template.resolve().parent.iterdir():
            if entry.name != template.name:
                (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        derived = root / template.name
        derived.write_text(replace_block(text, model, definition), encoding="utf-8")
        yield derived
