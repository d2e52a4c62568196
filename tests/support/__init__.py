"""Helpers shared by the whole suite; no test module imports another (``tests/unit/test_suite_layout.py``).

- ``files``: where the project's files are, and the loader of the JSON event files;
- ``fakes/``: in-memory fakes of the ports, one module per feature, the only home of fakes shared by test modules;
- ``deploy/``: the deployment feature's builders, real-shaped events, task runners and Step Functions harness;
- ``handlers``: a function's ``app.py`` loaded as Lambda loads it, and its context;
- ``template_queries``, ``template_rules``, ``template_copies``: queries over a template (read by the local stack's
  reader, :func:`mlopsctl.local.template.loader.read_yaml`), ``template.yaml`` checked, and copied with a grant taken
  out;
- ``deploy_flow``, ``data_arrival_flow``, ``training_flow``, ``stack_queries``, ``pipeline_roles``,
  ``labeling_roles``, ``demo``, ``untrusted_events``, ``execution_faults``: driving the local stack (and failing its
  executions) and reading what happened on it;
- ``tables``, ``moto_endpoints``, ``limits``, ``pipeline_runs``, ``aws_corpus``: moto tables, SageMaker endpoints,
  the limits stack, the pipeline's step scripts, the corpus of real AWS events;
- ``iam_usage``: which test used which IAM statement, for the IAM report.

Fixtures live in ``conftest.py`` files, where pytest finds them.
"""
