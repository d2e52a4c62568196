"""The text example: a support-ticket topic classifier (TF-IDF + logistic regression). Each script is self-contained:
SageMaker runs it alone in the scikit-learn container."""
