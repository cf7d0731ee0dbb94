"""Chapter 4 (classification): reading images with an RNN and looking inside.

- :mod:`~rnntutor.classification.analysis`: probabilities, hidden states, accuracy after
  k rows, PCA, confusion matrix, confident errors.
- :mod:`~rnntutor.classification.cnn`: the CNN the RNN is compared with.
- :mod:`~rnntutor.classification.converge`: training to convergence on a validation
  set, and the RNN-versus-CNN comparison.
- :mod:`~rnntutor.classification.labelling`: labelling every column of a canvas of digits.
- :mod:`~rnntutor.classification.plots`, :mod:`~rnntutor.classification.widgets`: the
  chapter's figures and its row stepper.

The classifier itself is :class:`rnntutor.nn.SequenceClassifier` (core).
"""
