"""Run one cell over a whole sequence (one layer, one direction), in two ways.

Every function here is **time-major**: ``x (T, B, I)``, outputs ``hs (T, B, H)`` (the
layers in :mod:`rnntutor.nn.layers` transpose from and to the batch-first layout).

``scratch``
    One readable step per time step: ``rnn_step``/``lstm_step``/``gru_step`` from
    :mod:`rnntutor.nn.cells`, autograd does the backward pass.
``fused``
    The input projection ``x_t W_ih^T + b`` of *all* time steps is hoisted out of the loop
    into one large matrix product; inside the loop one ``addmm`` per step computes all
    gates. For the LSTM and the RNN the backward pass is written by hand
    (a ``torch.autograd.Function``): it walks back through time computing only the
    gate gradients ``δ_t``, and afterwards forms ``∂L/∂W_hh = Σ_t δ_t^T h_{t-1}`` with a
    *single* matrix product over all steps, instead of one small product per step.
    That is how a Python loop gets close to the fused kernels of ``torch.nn``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnntutor.nn.cells import gru_step, lstm_step, rnn_step


def input_projection(x: Tensor, weight_ih: Tensor, bias: Tensor | None) -> Tensor:
    """``x_t W_ih^T + b`` for every step in one product: ``x (T, B, I)`` -> ``(T, B, G*H)``."""
    T, B, In = x.shape
    x2 = x.reshape(T * B, In)
    xp = x2 @ weight_ih.t() if bias is None else torch.addmm(bias, x2, weight_ih.t())
    return xp.view(T, B, -1)


def _sum_bias(bias_ih, bias_hh):
    if bias_ih is None:
        return None
    return bias_ih + bias_hh


# ------------------------------------------------------------------ scratch (readable)


def rnn_scratch(x: Tensor, h0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None):
    """Vanilla RNN over ``x (T, B, I)`` from ``h0 (B, H)``; returns ``(hs (T, B, H), h_T)``."""
    h, hs = h0, []
    for x_t in x:  # x_t (B, I)
        h = rnn_step(x_t, h, w_ih, w_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), h


def lstm_scratch(x: Tensor, h0: Tensor, c0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None):
    """LSTM over ``x (T, B, I)``; returns ``(hs (T, B, H), h_T, c_T)``."""
    h, c, hs = h0, c0, []
    for x_t in x:
        h, c = lstm_step(x_t, h, c, w_ih, w_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), h, c


def gru_scratch(x: Tensor, h0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None):
    """GRU over ``x (T, B, I)``; returns ``(hs (T, B, H), h_T)``."""
    h, hs = h0, []
    for x_t in x:
        h = gru_step(x_t, h, w_ih, w_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), h


# ------------------------------------------------------------------ fused (fast)


class _LSTMRecurrence(torch.autograd.Function):
    """The recurrent part of an LSTM layer with a hand-written, time-batched backward.

    Everything inside is **transposed** (hidden units in rows, batch in columns), and the
    gate blocks are reordered to ``o, i, f, g``: then the three sigmoid gates are one
    contiguous block of rows, the tanh gate another, and the elementwise operations run
    on contiguous memory (strided slices are about twice as slow on a CPU).

    Inputs: ``xp (4H, T, B)`` the hoisted pre-activations ``W_i* x_t + b_i* + b_h*`` and
    ``w_hh (4H, H)``, both in the ``o, i, f, g`` order; ``h0, c0 (H, B)``.
    Forward, per step: ``a_t = xp_t + W_hh h_{t-1}`` (one ``addmm``), the gate
    nonlinearities and the cell update of :func:`rnntutor.nn.cells.lstm_step`.
    Returns ``hs (H, T, B)``, ``h_T, c_T (H, B)``.

    Backward, with ``δh_t`` the total gradient reaching ``h_t`` and ``δc_t`` the one
    reaching ``c_t``::

        δc_t  += δh_t ⊙ k_t                    k_t = o_t ⊙ (1 - tanh²(c_t))
        δa_o = δh_t ⊙ q_o    q_o = tanh(c_t) ⊙ o_t(1-o_t)
        δa_i = δc_t ⊙ q_i    q_i = g_t ⊙ i_t(1-i_t)
        δa_f = δc_t ⊙ q_f    q_f = c_{t-1} ⊙ f_t(1-f_t)
        δa_g = δc_t ⊙ q_g    q_g = i_t ⊙ (1-g_t²)
        δc_{t-1} = δc_t ⊙ f_t                  δh_{t-1} = ∂L/∂h_{t-1} + W_hh^T δa_t

    ``q`` and ``k`` do not depend on the gradient: the forward pass computes them while
    the step's values are still in cache, so the backward loop is 5 small operations per
    step. ``∂L/∂W_hh = Σ_t δa_t h_{t-1}^T`` is *one* product after the loop, over the
    gate gradients of all steps, stored side by side as ``(4H, T*B)``.
    """

    @staticmethod
    def forward(ctx, xp: Tensor, w_hh: Tensor, h0: Tensor, c0: Tensor, need_grad: bool = True):
        G, T, B = xp.shape
        H = G // 4
        hs = xp.new_empty(H, T + 1, B)  # h_{t} at [:, t + 1]; h_0 at [:, 0]
        hs[:, 0] = h0
        a = xp.new_empty(G, B)  # one step's gates o, i, f, g
        tc = xp.new_empty(H, B)  # tanh(c_t)
        if need_grad:
            q = xp.new_empty(T, G, B)  # (T, 4H, B) factors q_o, q_i, q_f, q_g
            k = xp.new_empty(T, H, B)  # (T, H, B)
            fs = xp.new_empty(T, H, B)  # forget gates f_t
        c = c0
        for t in range(T):
            torch.addmm(xp[:, t], w_hh, hs[:, t], out=a)  # (4H, B) pre-activations
            a[: 3 * H].sigmoid_()  # o, i, f
            a[3 * H :].tanh_()  # g
            o, i, f, g = a[:H], a[H : 2 * H], a[2 * H : 3 * H], a[3 * H :]
            ig = i * g
            c_new = torch.addcmul(ig, f, c)  # c_t = f ⊙ c_{t-1} + i ⊙ g
            torch.tanh(c_new, out=tc)
            h_t = hs[:, t + 1]
            torch.mul(o, tc, out=h_t)  # h_t = o ⊙ tanh(c_t)
            if need_grad:
                q_t = q[t]
                torch.addcmul(a[: 3 * H], a[: 3 * H], a[: 3 * H], value=-1, out=q_t[: 3 * H])  # σ(1-σ)
                q_t[:H].mul_(tc)
                q_t[H : 2 * H].mul_(g)
                q_t[2 * H : 3 * H].mul_(c)
                torch.addcmul(i, ig, g, value=-1, out=q_t[3 * H :])  # i (1 - g²)
                torch.addcmul(o, h_t, tc, value=-1, out=k[t])  # o (1 - tanh²c)
                fs[t] = f
            c = c_new
        if need_grad:
            ctx.save_for_backward(q, k, fs, hs, w_hh)
        return hs[:, 1:], hs[:, T].clone(), c

    @staticmethod
    def backward(ctx, d_hs: Tensor, d_hT: Tensor, d_cT: Tensor):
        q, k, fs, hs, w_hh = ctx.saved_tensors
        T, G, B = q.shape
        H = G // 4
        d_a = q.new_empty(G, T, B)  # gate gradients δa_t at [:, t], laid out like xp
        w_hh_t = w_hh.t()
        dh = d_hs[:, T - 1] + d_hT
        dc = d_cT
        for t in range(T - 1, -1, -1):
            dc = torch.addcmul(dc, dh, k[t])
            q_t, da_t = q[t], d_a[:, t]
            torch.mul(dh, q_t[:H], out=da_t[:H])
            torch.mul(dc.unsqueeze(0), q_t[H:].view(3, H, B), out=da_t[H:].view(3, H, B))
            dc = dc * fs[t]
            dh = torch.addmm(d_hs[:, t - 1], w_hh_t, da_t) if t > 0 else w_hh_t @ da_t
        h_prev = hs[:, :T].reshape(H, T * B)  # a view: h_0 ... h_{T-1}
        d_w_hh = d_a.view(G, T * B) @ h_prev.t()  # (4H, H), one product for all steps
        return d_a, d_w_hh, dh, dc, None


class _RNNRecurrence(torch.autograd.Function):
    """Recurrent part of a vanilla RNN layer with a time-batched backward.

    Forward ``h_t = tanh(xp_t + h_{t-1} W_hh^T)``. Backward ``δa_t = δh_t ⊙ (1 - h_t²)``,
    ``δh_{t-1} = ∂L/∂h_{t-1} + δa_t W_hh`` and ``∂L/∂W_hh = Σ_t δa_t^T h_{t-1}``.
    """

    @staticmethod
    def forward(ctx, xp: Tensor, w_hh: Tensor, h0: Tensor):
        T = xp.shape[0]
        hs = torch.empty_like(xp)  # (T, B, H)
        w_t = w_hh.t()
        h = h0
        for t in range(T):
            torch.addmm(xp[t], h, w_t, out=hs[t])
            hs[t].tanh_()
            h = hs[t]
        ctx.save_for_backward(hs, w_hh, h0)
        return hs, h.clone()

    @staticmethod
    def backward(ctx, d_hs: Tensor, d_hT: Tensor):
        hs, w_hh, h0 = ctx.saved_tensors
        T, B, H = hs.shape
        k = 1 - hs * hs  # (T, B, H) tanh'
        d_a = torch.empty_like(hs)
        dh = d_hs[T - 1] + d_hT
        for t in range(T - 1, -1, -1):
            torch.mul(dh, k[t], out=d_a[t])
            dh = torch.addmm(d_hs[t - 1], d_a[t], w_hh) if t > 0 else d_a[t] @ w_hh
        h_prev = torch.cat([h0.unsqueeze(0), hs[:-1]]).view(T * B, H)
        d_w_hh = d_a.view(T * B, H).t() @ h_prev
        return d_a, d_w_hh, dh


_OIFG = (3, 0, 1, 2)  # torch's blocks i, f, g, o  ->  o, i, f, g


def _oifg(w: Tensor) -> Tensor:
    """Reorder the four gate blocks (rows) of an LSTM weight or bias from i, f, g, o to o, i, f, g."""
    blocks = w.chunk(4, dim=0)
    return torch.cat([blocks[k] for k in _OIFG])


CHUNK = 64
"""The fused LSTM hoists the input projection over chunks of at most this many steps.

Within a chunk the per-step slices are strided by ``CHUNK * B`` elements; keeping that
small keeps long sequences (pixel-MNIST, ``T = 784``) cache- and TLB-friendly."""


def lstm_fused(x: Tensor, h0: Tensor, c0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None):
    """LSTM over ``x (T, B, I)`` with the hoisted projection; returns ``(hs, h_T, c_T)``.

    The projection ``W_ih x_t + b`` of a chunk of up to :data:`CHUNK` steps is one
    ``addmm`` producing ``(4H, steps*B)``; :class:`_LSTMRecurrence` runs the loop in
    the transposed layout and hands ``(h, c)`` on to the next chunk.
    """
    T, B, In = x.shape
    w_ih_p, w_hh_p = _oifg(w_ih), _oifg(w_hh)
    bias = None if b_ih is None else _oifg(b_ih + b_hh).unsqueeze(1)  # (4H, 1)
    need_grad = torch.is_grad_enabled() and any(
        t.requires_grad for t in (x, w_ih, w_hh, h0, c0, b_ih, b_hh) if t is not None
    )
    h, c = h0.t(), c0.t()  # (H, B)
    chunks = []
    for t0 in range(0, T, CHUNK):
        xc = x[t0 : t0 + CHUNK]  # (K, B, I)
        K = xc.shape[0]
        x2t = xc.reshape(K * B, In).t()  # (I, K*B)
        xp = w_ih_p @ x2t if bias is None else torch.addmm(bias, w_ih_p, x2t)  # (4H, K*B)
        hs, h, c = _LSTMRecurrence.apply(xp.view(-1, K, B), w_hh_p, h, c, need_grad)  # hs (H, K, B)
        chunks.append(hs)
    hs = chunks[0] if len(chunks) == 1 else torch.cat(chunks, dim=1)  # (H, T, B)
    return hs.permute(1, 2, 0), h.t(), c.t()  # (T, B, H), (B, H), (B, H)


def rnn_fused(x: Tensor, h0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None):
    """Vanilla RNN over ``x (T, B, I)`` with the hoisted projection; returns ``(hs, h_T)``."""
    xp = input_projection(x, w_ih, _sum_bias(b_ih, b_hh))  # (T, B, H)
    return _RNNRecurrence.apply(xp, w_hh, h0)


def gru_fused(x: Tensor, h0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None):
    """GRU over ``x (T, B, I)`` with the hoisted projection; returns ``(hs, h_T)``.

    ``b_hh`` cannot be folded into the projection (``r_t`` multiplies ``W_hn h + b_hn``),
    so each step does one ``addmm`` for the three hidden parts; autograd does the backward.
    """
    xp = input_projection(x, w_ih, b_ih)  # (T, B, 3H) input parts a^x
    H = w_hh.shape[1]
    w_t = w_hh.t()
    h, hs = h0, []
    for t in range(x.shape[0]):
        ah = h @ w_t if b_hh is None else torch.addmm(b_hh, h, w_t)  # (B, 3H) hidden parts a^h
        ax = xp[t]
        rz = torch.sigmoid(ax[:, : 2 * H] + ah[:, : 2 * H])  # (B, 2H)
        r, z = rz[:, :H], rz[:, H:]
        n = torch.tanh(torch.addcmul(ax[:, 2 * H :], r, ah[:, 2 * H :]))
        h = torch.addcmul(n, z, h - n)  # (1 - z) n + z h
        hs.append(h)
    return torch.stack(hs), h
