"""Step scripts. Each is self-contained: SageMaker runs it alone in the scikit-learn container."""
