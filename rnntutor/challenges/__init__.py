"""Chapter 5 (challenges): vanishing and exploding gradients, long tasks, memory.

- :mod:`~rnntutor.challenges.gradients`: spectral radius, Jacobians, gradient norms over
  time, the Pascanu bound, truncated back-propagation, memory of a layer.
- :mod:`~rnntutor.challenges.tasks`: the adding problem and the copy task, baselines.
- :mod:`~rnntutor.challenges.mingru`: minGRU and its parallel scan.
- :mod:`~rnntutor.challenges.cost`: multiply-adds of a recurrent classifier and of the
  small CNN (the computation-cost section).
- :mod:`~rnntutor.challenges.experiments`: the chapter's training runs (adding problem,
  overfitting), shared with ``scripts/eval_challenges.py``, which repeats them over seeds.
- :mod:`~rnntutor.challenges.plots`, :mod:`~rnntutor.challenges.widgets`: the chapter's
  figures and its spectral-radius explorer.
"""
