"""Worker task templates for the built-in task types, used when no ``LABELING_UI_TEMPLATE_S3_URI`` is configured.

``CreateLabelingJob`` for text classification, image classification and bounding boxes needs a worker task
template in S3 (``UiTemplateS3Uri``); ``HumanTaskUiArn`` exists only for named-entity, 3D point cloud and video
tasks. These follow the templates of the Ground Truth developer guide: Liquid, with the crowd HTML elements, the
data object in ``task.input.taskObject`` and the label categories in ``task.input.labels`` (both filled in by the
built-in pre-annotation Lambda). Nothing in them comes from the data, so no escaping is needed here.

With ``source-ref`` manifests a text task's ``taskObject`` is an S3 URI, so its template shows the object through
a short-lived read-only link (``grant_read_access``); with ``source`` manifests the text is shown inline.
"""

from __future__ import annotations

from mlops_core.ingest.manifest import ManifestMode
from mlops_core.labeling.jobs import TaskType

_HEAD = '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n'

_TEXT_INLINE = """<crowd-form>
  <crowd-classifier name="crowd-classifier" categories="{{ task.input.labels | to_json | escape }}"
                    header="Which category fits this text best?">
    <classification-target style="white-space: pre-wrap">{{ task.input.taskObject }}</classification-target>
    <full-instructions header="Instructions">
      <ol><li>Read the text carefully.</li><li>Choose the one category that fits it best.</li></ol>
    </full-instructions>
    <short-instructions><p>Choose the one category that fits the text best.</p></short-instructions>
  </crowd-classifier>
</crowd-form>
"""

_TEXT_REFERENCE = """<crowd-form>
  <crowd-classifier name="crowd-classifier" categories="{{ task.input.labels | to_json | escape }}"
                    header="Which category fits this text best?">
    <classification-target>
      <iframe title="Text to classify" src="{{ task.input.taskObject | grant_read_access }}"
              style="width: 100%; height: 24em; border: 1px solid #ccc"></iframe>
    </classification-target>
    <full-instructions header="Instructions">
      <ol><li>Read the text carefully.</li><li>Choose the one category that fits it best.</li></ol>
    </full-instructions>
    <short-instructions><p>Choose the one category that fits the text best.</p></short-instructions>
  </crowd-classifier>
</crowd-form>
"""

_IMAGE = """<crowd-form>
  <crowd-image-classifier name="crowd-image-classifier" src="{{ task.input.taskObject | grant_read_access }}"
                          header="Which category fits this image best?"
                          categories="{{ task.input.labels | to_json | escape }}">
    <full-instructions header="Instructions">
      <ol><li>Inspect the image.</li><li>Choose the one category that fits it best.</li></ol>
    </full-instructions>
    <short-instructions><p>Choose the one category that fits the image best.</p></short-instructions>
  </crowd-image-classifier>
</crowd-form>
"""

_BOUNDING_BOX = """<crowd-form>
  <crowd-bounding-box name="boundingBox" src="{{ task.input.taskObject | grant_read_access }}"
                      header="Draw a box around each object of the listed categories"
                      labels="{{ task.input.labels | to_json | escape }}">
    <full-instructions header="Instructions">
      <ol><li>Inspect the image.</li><li>Draw a tight box around every object of each listed category.</li>
      <li>Leave out shadows; boxes of objects cut off by the edge stop at the edge.</li></ol>
    </full-instructions>
    <short-instructions><p>Draw a tight box around every object of each listed category.</p></short-instructions>
  </crowd-bounding-box>
</crowd-form>
"""


def default_ui_template(task: TaskType, mode: ManifestMode = ManifestMode.SOURCE_REF) -> str:
    """The worker task template (Liquid HTML) for a built-in task type and manifest mode."""
    if task is TaskType.TEXT_CLASSIFICATION:
        body = _TEXT_INLINE if mode is ManifestMode.SOURCE else _TEXT_REFERENCE
    elif task is TaskType.IMAGE_CLASSIFICATION:
        body = _IMAGE
    else:
        body = _BOUNDING_BOX
    return _HEAD + body
