"""The tabular example: a CSV classifier (histogram gradient boosting). Each script is self-contained: SageMaker runs
it alone in the scikit-learn container."""
