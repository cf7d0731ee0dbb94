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


def input_projection(
    x: Tensor, weight_ih: Tensor, bias: Tensor | None
) -> Tensor:
    """``x_t W_ih^T + b`` for every step in one product: ``x (T, B, I)`` -> ``(T, B, G*H)``."""
    T, B, In = x.shape
    x2 = x.reshape(T * B, In)
    xp = (
        x2 @ weight_ih.t()
        if bias is None
        else torch.addmm(bias, x2, weight_ih.t())
    )
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


def lstm_scratch(
    x: Tensor, h0: Tensor, c0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None
):
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
    """One LSTM layer (one direction) over a chunk of steps, with a hand-written backward.

    Takes the ``torch.nn`` parameters as they are: ``x (T, B, I)``, ``w_ih (4H, I)``,
    ``w_hh (4H, H)``, the summed bias ``b = b_ih + b_hh (4H)`` or ``None``, and the states
    ``h0, c0 (H, B)``. Returns ``hs (T, H, B)``, ``h_T, c_T (H, B)``.

    Everything inside is **transposed** (hidden units in rows, batch in columns), and the
    gate blocks are reordered from ``torch.nn``'s ``i, f, g, o`` to ``o, i, f, g``: then the
    three sigmoid gates are one contiguous block of rows, the tanh gate another, and the
    elementwise operations run on contiguous memory (strided slices are slower on a CPU).
    The bias joins ``W_ih`` as one more column that multiplies a constant input 1,
    ``[W_ih | b] [x_t; 1] = W_ih x_t + b``, so the input projection is a single product
    and its backward gives ``∂L/∂b`` together with ``∂L/∂W_ih``. The reordering and the
    extra column happen in here, out of autograd's sight: they cost no graph nodes.

    Forward: first the input projection ``a_t = W_ih x_t + b`` of *all* steps, one batched
    product into the gate buffer ``a (T, 4H, B)``. Then per step one ``addmm_`` adds
    ``W_hh h_{t-1}`` in place, and six elementwise operations apply the equations of
    :func:`rnntutor.nn.cells.lstm_step`::

        o, i, f = σ(a_t[o, i, f])     g = tanh(a_t[g])
        c_t = i ⊙ g + f ⊙ c_{t-1}      h_t = o ⊙ tanh(c_t)

    Each result is written (``out=``, or in place) into storage allocated before the loop,
    whose per-step views are made once: the loop allocates nothing. The storage is laid
    out so that pairs of products are one operation: ``[i; f]`` are adjacent rows of
    ``a_t`` and ``[g_t; c_{t-1}]`` adjacent rows of ``v``, so one ``mul`` gives
    ``[i ⊙ g; f ⊙ c_{t-1}]``. Values needed only within a step live in two small buffers
    used in turn, which stay in cache; only what the backward pass keeps gets storage for
    every step. The hidden states are stored as ``(H, T + 1, B)``, so that ``h_0 ... h_{T-1}`` side by side
    are one ``(H, T*B)`` matrix without a copy.

    Backward, with ``δh_t`` the total gradient reaching ``h_t`` and ``δc_t`` the one
    reaching ``c_t``::

        δc_t  += δh_t ⊙ k_t                    k_t = o_t ⊙ (1 - tanh²(c_t))
        δa_o = δh_t ⊙ q_o    q_o = tanh(c_t) ⊙ o_t(1-o_t) = h_t ⊙ (1-o_t)
        δa_i = δc_t ⊙ q_i    q_i = g_t ⊙ i_t(1-i_t)       = (i_t ⊙ g_t) ⊙ (1-i_t)
        δa_f = δc_t ⊙ q_f    q_f = c_{t-1} ⊙ f_t(1-f_t)   = (f_t ⊙ c_{t-1}) ⊙ (1-f_t)
        δa_g = δc_t ⊙ q_g    q_g = i_t ⊙ (1-g_t²)
        δc_{t-1} = δc_t ⊙ f_t                  δh_{t-1} = ∂L/∂h_{t-1} + W_hh^T δa_t

    ``q`` and ``k`` do not depend on the gradient: the forward pass computes them while
    the step's values are still in cache (the right-hand forms reuse the products it
    already has), and it writes ``q_t`` over the gates ``a_t``, which are not needed any
    more (``f_t`` is kept). The backward loop is then 5 small operations per step.
    ``∂L/∂W_hh = Σ_t δa_t h_{t-1}^T`` is *one* product after the loop, over the gate
    gradients of all steps stored side by side as ``(4H, T*B)``; so are ``∂L/∂W_ih``
    (with ``∂L/∂b``) and ``∂L/∂x``.
    """

    @staticmethod
    def forward(
        ctx,
        x: Tensor,
        w_ih: Tensor,
        w_hh: Tensor,
        b: Tensor | None,
        h0: Tensor,
        c0: Tensor,
        need_grad: bool,
    ):
        T, B, _ = x.shape
        G, H = w_hh.shape
        w_hh = _oifg(w_hh)  # (4H, H)
        w_x = _oifg(
            w_ih if b is None else torch.cat([w_ih, b.unsqueeze(1)], dim=1)
        )  # [W_ih | b]
        if b is not None:
            x = torch.cat(
                [x, x.new_ones(T, B, 1)], dim=2
            )  # [x_t; 1] (T, B, I + 1)
        a = x.new_empty(
            T, G, B
        )  # a_t = [o; i; f; g]; overwritten with q_t = [q_o; q_i; q_f; q_g]
        hs = x.new_empty(H, T + 1, B)  # h_t at [:, t]
        kf = x.new_empty(
            T if need_grad else 0, 2 * H, B
        )  # [k_t; f_t], kept for the backward pass
        v = x.new_empty(
            2, 2 * H, B
        )  # [g_t; c_{t-1}] in v[t % 2], c_t goes to v[(t + 1) % 2]
        r = x.new_empty(2 * H, B)  # [i_t ⊙ g_t; f_t ⊙ c_{t-1}]
        tc = x.new_empty(H, B)  # tanh(c_t)
        hs[:, 0] = h0
        v[0, H:] = c0
        torch.bmm(
            w_x.expand(T, G, -1), x.transpose(1, 2), out=a
        )  # W_ih x_t + b, all t at once
        vs, gs, cs = v.unbind(0), v[:, :H].unbind(0), v[:, H:].unbind(0)
        ig, fc = r[:H], r[H:]
        steps = zip(  # the views of every step, made once
            a.unbind(0),  # a_t
            a[:, : 3 * H].unbind(0),  # [o; i; f]
            a[:, :H].unbind(0),  # o
            a[:, H : 2 * H].unbind(0),  # i
            a[:, H : 3 * H].unbind(0),  # [i; f]
            a[:, 2 * H : 3 * H].unbind(0),  # f
            a[:, 3 * H :].unbind(0),  # the g block: pre-activation, later q_g
            hs[:, :T].unbind(1),  # h_{t-1}
            hs[:, 1:].unbind(1),  # h_t
            kf[:, :H].unbind(0) if need_grad else [None] * T,  # k_t
            kf[:, H:].unbind(0) if need_grad else [None] * T,  # f_t
            [vs[t % 2] for t in range(T)],  # [g_t; c_{t-1}]
            [gs[t % 2] for t in range(T)],  # g_t
            [cs[(t + 1) % 2] for t in range(T)],  # c_t
            strict=True,
        )
        tanh, mul, add, addcmul = (
            torch.tanh,
            torch.mul,
            torch.add,
            torch.addcmul,
        )
        for (
            a_t,
            oif,
            o,
            i,
            i_f,
            f,
            a_g,
            h_prev,
            h_t,
            k_t,
            f_keep,
            v_t,
            g,
            c_t,
        ) in steps:
            a_t.addmm_(
                w_hh, h_prev
            )  # a_t += W_hh h_{t-1}: all four gates in one product
            oif.sigmoid_()  # o, i, f
            tanh(a_g, out=g)  # g
            mul(i_f, v_t, out=r)  # [i ⊙ g; f ⊙ c_{t-1}]
            add(ig, fc, out=c_t)  # c_t = i ⊙ g + f ⊙ c_{t-1}
            tanh(c_t, out=tc)
            mul(o, tc, out=h_t)  # h_t = o ⊙ tanh(c_t)
            if (
                need_grad
            ):  # the factors of the backward pass; q_t replaces the gates a_t
                addcmul(
                    o, h_t, tc, value=-1, out=k_t
                )  # k = o (1 - tanh²c) = o - h ⊙ tanh(c)
                f_keep.copy_(f)
                addcmul(
                    i, ig, g, value=-1, out=a_g
                )  # q_g = i (1 - g²) = i - (i ⊙ g) ⊙ g
                addcmul(
                    r, r, i_f, value=-1, out=i_f
                )  # [q_i; q_f] = [i ⊙ g; f ⊙ c_{t-1}] ⊙ (1 - [i; f])
                addcmul(h_t, h_t, o, value=-1, out=o)  # q_o = h ⊙ (1 - o)
        if need_grad:
            ctx.save_for_backward(x, w_x, w_hh, a, kf, hs)
            ctx.has_bias = b is not None
        return hs[:, 1:].transpose(0, 1), hs[:, T].clone(), cs[T % 2].clone()

    @staticmethod
    def backward(ctx, d_hs: Tensor, d_hT: Tensor, d_cT: Tensor):
        x, w_x, w_hh, q, kf, hs = ctx.saved_tensors
        T, G, B = q.shape
        H = G // 4
        d_a = q.new_empty(
            G, T, B
        )  # gate gradients δa_t at [:, t], laid out like (4H, T*B)
        d_a4 = d_a.view(4, H, T, B)
        w_hh_t = w_hh.t().contiguous()  # (H, 4H)
        steps = zip(  # the views of every step, made once
            kf[:, :H].unbind(0),  # k_t
            kf[:, H:].unbind(0),  # f_t
            q[:, :H].unbind(0),  # q_o
            q[:, H:].view(T, 3, H, B).unbind(0),  # q_i, q_f, q_g
            d_a.unbind(1),  # δa_t
            d_a4[0].unbind(1),  # δa_o
            d_a4[1:].unbind(2),  # δa_i, δa_f, δa_g
            [None, *d_hs[:-1].unbind(0)],  # ∂L/∂h_{t-1}
            strict=True,
        )
        mul, addmm = torch.mul, torch.addmm
        dh = d_hs[T - 1] + d_hT
        dc = d_cT.clone()
        for k_t, f_t, q_o, q_ifg, da_t, da_o, da_ifg, d_hprev in reversed(
            list(steps)
        ):
            dc.addcmul_(dh, k_t)  # δc_t += δh_t ⊙ k_t
            mul(dh, q_o, out=da_o)
            mul(dc, q_ifg, out=da_ifg)  # δa_i, δa_f, δa_g
            dc.mul_(f_t)  # δc_{t-1}
            dh = (
                w_hh_t @ da_t
                if d_hprev is None
                else addmm(d_hprev, w_hh_t, da_t)
            )  # δh_{t-1}
        d_a2 = d_a.view(G, T * B)
        need = ctx.needs_input_grad
        In = w_x.shape[1] - ctx.has_bias
        d_x = (
            (w_x[:, :In].t() @ d_a2).view(In, T, B).permute(1, 2, 0)
            if need[0]
            else None
        )  # (T, B, I)
        d_w_x = (
            _ifgo(d_a2 @ x.reshape(T * B, -1)) if need[1] or need[3] else None
        )  # (4H, I [+ 1])
        d_w_hh = (
            _ifgo(d_a2 @ hs[:, :T].reshape(H, T * B).t()) if need[2] else None
        )  # one product, all steps
        d_w_ih = d_w_x[:, :In] if need[1] else None
        d_b = d_w_x[:, In] if need[3] else None
        return d_x, d_w_ih, d_w_hh, d_b, dh, dc, None


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
            dh = (
                torch.addmm(d_hs[t - 1], d_a[t], w_hh)
                if t > 0
                else d_a[t] @ w_hh
            )
        h_prev = torch.cat([h0.unsqueeze(0), hs[:-1]]).view(T * B, H)
        d_w_hh = d_a.view(T * B, H).t() @ h_prev
        return d_a, d_w_hh, dh


def _oifg(w: Tensor) -> Tensor:
    """Reorder the four gate blocks (rows) of an LSTM weight from ``torch.nn``'s i, f, g, o to o, i, f, g."""
    i, f, g, o = w.chunk(4, dim=0)
    return torch.cat([o, i, f, g])


def _ifgo(w: Tensor) -> Tensor:
    """The inverse of :func:`_oifg`: gate blocks o, i, f, g back to i, f, g, o."""
    o, i, f, g = w.chunk(4, dim=0)
    return torch.cat([i, f, g, o])


CHUNK = 64
"""The fused LSTM hoists the input projection over chunks of at most this many steps.

Within a chunk the per-step slices are strided by ``CHUNK * B`` elements; keeping that
small keeps long sequences (pixel-MNIST, ``T = 784``) cache- and TLB-friendly."""


def lstm_fused(
    x: Tensor, h0: Tensor, c0: Tensor, w_ih, w_hh, b_ih=None, b_hh=None
):
    """LSTM over ``x (T, B, I)`` with the hoisted projection.

    Returns ``(hs, h_T, c_T)``. :class:`_LSTMRecurrence` runs chunks of up to
    :data:`CHUNK` steps (each with its own hoisted projection) in the
    transposed layout and hands ``(h, c)`` on to the next chunk.
    """
    b = None if b_ih is None else b_ih + b_hh
    need_grad = torch.is_grad_enabled() and any(
        t.requires_grad for t in (x, w_ih, w_hh, b, h0, c0) if t is not None
    )
    h, c = h0.t(), c0.t()  # (H, B)
    chunks = []
    for t0 in range(0, x.shape[0], CHUNK):
        hs, h, c = _LSTMRecurrence.apply(
            x[t0 : t0 + CHUNK], w_ih, w_hh, b, h, c, need_grad
        )
        chunks.append(hs)  # (K, H, B)
    hs = chunks[0] if len(chunks) == 1 else torch.cat(chunks)  # (T, H, B)
    return hs.transpose(1, 2), h.t(), c.t()  # (T, B, H), (B, H), (B, H)


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
        ah = (
            h @ w_t if b_hh is None else torch.addmm(b_hh, h, w_t)
        )  # (B, 3H) hidden parts a^h
        ax = xp[t]
        rz = torch.sigmoid(ax[:, : 2 * H] + ah[:, : 2 * H])  # (B, 2H)
        r, z = rz[:, :H], rz[:, H:]
        n = torch.tanh(torch.addcmul(ax[:, 2 * H :], r, ah[:, 2 * H :]))
        h = torch.addcmul(n, z, h - n)  # (1 - z) n + z h
        hs.append(h)
    return torch.stack(hs), h
