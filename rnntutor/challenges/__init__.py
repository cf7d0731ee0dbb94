"""Chapter 5 (challenges): vanishing and exploding gradients, long tasks, memory.

- :mod:`~rnntutor.challenges.gradients`: spectral radius, Jacobians, gradient norms over
  time, the Pascanu bound, truncated back-propagation, memory of a layer.
- :mod:`~rnntutor.challenges.tasks`: the adding problem and the copy task, baselines.
- :mod:`~rnntutor.challenges.mingru`: minGRU and its parallel scan.
- :mod:`~rnntutor.challenges.plots`, :mod:`~rnntutor.challenges.widgets`: the chapter's
  figures and its spectral-radius explorer.
"""
