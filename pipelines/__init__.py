"""The SageMaker training pipeline: step scripts, generated data set, and the build-time SDK definition."""
