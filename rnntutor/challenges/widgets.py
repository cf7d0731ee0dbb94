"""The widget of Chapter 5: the spectral radius of W_hh against the gradient norms."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt


def spectral_radius_explorer(
    *, hidden_size: int = 32, steps: int = 60, seed: int = 0
) -> widgets.interactive:
    """Explore vanishing and exploding gradients of a tanh RNN: choose the spectral radius ``ρ`` of ``W_hh``.

    Shows ``‖∂h_T/∂h_t‖₂`` against the lag (log scale) for one random sequence, next to
    the bound ``σ_max(W_hh)^lag`` of Pascanu et al. (2013). ``input scale`` multiplies
    the inputs: larger inputs saturate tanh and shrink the gradients further.
    """
    import numpy as np
    import torch
    from IPython.display import display

    from rnntutor import nn as rnn
    from rnntutor.challenges import gradients
    from rnntutor.challenges.plots import plot_gradient_norms

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    base = rnn.RNN(4, hidden_size)
    x0 = torch.randn(steps, 4, generator=generator)  # (T, I)
    rho = widgets.FloatSlider(
        value=1.0,
        min=0.2,
        max=2.0,
        step=0.1,
        description="ρ(W_hh)",
        continuous_update=False,
    )
    scale = widgets.FloatSlider(value=0.5, min=0.0, max=3.0, step=0.25, description="input scale",
                                continuous_update=False)  # fmt: skip

    def show(rho: float, scale: float) -> None:
        layer = rnn.RNN(4, hidden_size)
        layer.load_state_dict(base.state_dict())
        gradients.set_spectral_radius_(layer, rho)
        norms = gradients.state_gradient_norms(layer, scale * x0)
        bound = gradients.pascanu_bound(
            layer.weight_hh_l0, np.arange(1, steps + 1)
        )
        sigma = bound[0]
        label = f"tanh RNN, ρ = {rho:.1f} (σ_max = {sigma:.2f})"
        fig = plot_gradient_norms({label: norms}, bounds={label: bound})
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, rho=rho, scale=scale)
