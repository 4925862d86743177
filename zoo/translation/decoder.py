"""The RNNsearch decoder: attention + GRU + deep maxout output (Bahdanau et al., 2015, A.2.2).

At target position ``i``, with ``y_{i-1}`` the previous word and ``s_{i-1}`` the state:

* context ``c_i = sum_j a_ij h_j`` with ``a_i = softmax_j(v^T tanh(W s_{i-1} + U h_j))``
  (``U h`` is computed once per sentence, padded source words get zero weight);
* GRU state ``s_i = GRU([E y_{i-1}; c_i], s_{i-1})`` with the reset gate applied before the
  recurrent product, as in the paper;
* ``t~_i = U_o s_i + V_o E y_{i-1} + C_o c_i``, ``t_i = max`` over adjacent pairs of ``t~_i``
  (maxout), ``logits_i = W_o t_i`` (``W_o`` = the target embedding when tied).

``call`` runs the teacher-forced recurrence over all positions with ``keras.ops.scan``
(everything that does not depend on the state is computed outside the loop); ``step`` runs one
position for search.

Example:
    >>> import numpy as np
    >>> dec = AttentionGRUDecoder(100, context_dim=8, embedding_dim=6, units=10,
    ...                           attention_units=7, maxout_units=5)
    >>> h = np.zeros((2, 4, 8), "float32"); mask = np.ones((2, 4), bool)
    >>> logits, att = dec(np.ones((2, 3), "int32"), h, mask, np.zeros((2, 10), "float32"))
"""

from __future__ import annotations

import keras
from keras import ops

from zoo.blocks.attention import AdditiveAttention
from zoo.blocks.config import attributes
from zoo.errors import ZooError

# the decoder's sizes and options that RNNSearch passes on as they are
DEEP_OUTPUT = (
    "embedding_dim", "units", "attention_units", "maxout_units", "dropout", "tie_embeddings",
)  # fmt: skip


@keras.saving.register_keras_serializable(package="zoo")
class AttentionGRUDecoder(keras.layers.Layer):
    """Bahdanau attention decoder with a maxout deep output.

    Args:
        vocab_size: number of target ids.
        context_dim: size of an encoder annotation (``2 x`` encoder units).
        embedding_dim: target word embedding size (paper: 620).
        units: GRU state size (paper: 1000).
        attention_units: alignment layer size (paper: 1000).
        maxout_units: maxout output size ``l`` (paper: 500); the pre-maxout layer has ``2 l``.
        dropout: dropout on the target embeddings and on the maxout output while training.
        tie_embeddings: use the target embedding matrix as the output projection (needs
            ``maxout_units == embedding_dim``).
    """

    CONFIG = ("vocab_size", "context_dim", *DEEP_OUTPUT)

    def __init__(
        self,
        vocab_size: int,
        context_dim: int,
        embedding_dim: int = 620,
        units: int = 1000,
        attention_units: int = 1000,
        maxout_units: int = 500,
        dropout: float = 0.0,
        tie_embeddings: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = int(vocab_size)
        self.context_dim = int(context_dim)
        self.embedding_dim = int(embedding_dim)
        self.units = int(units)
        self.attention_units = int(attention_units)
        self.maxout_units = int(maxout_units)
        self.dropout = float(dropout)
        self.tie_embeddings = bool(tie_embeddings)
        if self.tie_embeddings and self.maxout_units != self.embedding_dim:
            raise ZooError(
                f"tie_embeddings needs maxout_units == embedding_dim, got {self.maxout_units} "
                f"and {self.embedding_dim}"
            )
        self.embedding = keras.layers.Embedding(
            self.vocab_size,
            self.embedding_dim,
            embeddings_initializer="glorot_uniform",
            name="embedding",
        )
        self.attention = AdditiveAttention(self.attention_units, name="attention")
        self.embedding_dropout = keras.layers.Dropout(self.dropout)
        self.output_dropout = keras.layers.Dropout(self.dropout)

    def build(self, input_shape=None):
        u, m, c, lo = self.units, self.embedding_dim, self.context_dim, self.maxout_units
        self.embedding.build((None, None))
        self.attention.build((None, u), (None, None, c))
        glorot = "glorot_uniform"
        # GRU gates in the order [update z, reset r, candidate].
        self.input_kernel = self.add_weight(
            name="input_kernel", shape=(m, 3 * u), initializer=glorot
        )
        self.context_kernel = self.add_weight(
            name="context_kernel", shape=(c, 3 * u), initializer=glorot
        )
        self.gate_kernel = self.add_weight(
            name="gate_kernel", shape=(u, 2 * u), initializer="orthogonal"
        )
        self.candidate_kernel = self.add_weight(
            name="candidate_kernel", shape=(u, u), initializer="orthogonal"
        )
        self.gru_bias = self.add_weight(name="gru_bias", shape=(3 * u,), initializer="zeros")
        self.state_readout = self.add_weight(
            name="state_readout", shape=(u, 2 * lo), initializer=glorot
        )
        self.embedding_readout = self.add_weight(
            name="embedding_readout", shape=(m, 2 * lo), initializer=glorot
        )
        self.context_readout = self.add_weight(
            name="context_readout", shape=(c, 2 * lo), initializer=glorot
        )
        self.readout_bias = self.add_weight(
            name="readout_bias", shape=(2 * lo,), initializer="zeros"
        )
        if not self.tie_embeddings:
            self.output_kernel = self.add_weight(
                name="output_kernel", shape=(lo, self.vocab_size), initializer=glorot
            )
        self.output_bias = self.add_weight(
            name="output_bias", shape=(self.vocab_size,), initializer="zeros"
        )
        self.built = True

    # -- pieces shared by teacher forcing and search ----------------------------------------
    def _input_gates(self, embedded):
        """The state-independent part of the GRU gates, ``W [z r h] E y + b``."""
        return ops.matmul(embedded, self.input_kernel) + self.gru_bias

    def _gru(self, input_gates, context, state):
        u = self.units
        x = input_gates + ops.matmul(context, self.context_kernel)
        zr = ops.sigmoid(x[..., : 2 * u] + ops.matmul(state, self.gate_kernel))
        z, r = zr[..., :u], zr[..., u:]
        candidate = ops.tanh(x[..., 2 * u :] + ops.matmul(r * state, self.candidate_kernel))
        return z * state + (1.0 - z) * candidate

    def _readout(self, states, embedded, contexts, training=None):
        """Maxout deep output -> logits."""
        pre = (
            ops.matmul(states, self.state_readout)
            + ops.matmul(embedded, self.embedding_readout)
            + ops.matmul(contexts, self.context_readout)
            + self.readout_bias
        )
        shape = ops.shape(pre)
        pairs = ops.reshape(pre, (*shape[:-1], self.maxout_units, 2))
        t = self.output_dropout(ops.max(pairs, axis=-1), training=training)
        kernel = (
            ops.transpose(self.embedding.embeddings) if self.tie_embeddings else self.output_kernel
        )
        return ops.matmul(t, kernel) + self.output_bias

    def precompute_keys(self, annotations):
        """``U h`` for every source position; computed once per sentence."""
        return self.attention.precompute_keys(annotations)

    # -- search ------------------------------------------------------------------------------
    def step(self, prev_ids, state, keys, annotations, src_mask):
        """One decoding step: ``(logits (N, V), new state (N, units), weights (N, Ts))``."""
        embedded = self.embedding(ops.cast(prev_ids, "int32"))
        context, weights = self.attention.step(state, keys, annotations, src_mask)
        new_state = self._gru(self._input_gates(embedded), context, state)
        return self._readout(new_state, embedded, context), new_state, weights

    # -- teacher forcing ---------------------------------------------------------------------
    def call(self, tgt_in, annotations, src_mask, initial_state, training=None):
        """Teacher-forced logits ``(B, Tt, V)`` and attention weights ``(B, Tt, Ts)``."""
        embedded = self.embedding_dropout(
            self.embedding(ops.cast(tgt_in, "int32")), training=training
        )
        keys = self.precompute_keys(annotations)
        gates = ops.transpose(self._input_gates(embedded), (1, 0, 2))  # time-major
        batch = ops.shape(annotations)[0]
        init = (
            initial_state,
            ops.zeros((batch, self.context_dim), annotations.dtype),
            ops.zeros(ops.shape(src_mask), annotations.dtype),
        )

        def body(carry, input_gates):
            state = carry[0]
            context, weights = self.attention.step(state, keys, annotations, src_mask)
            new = (self._gru(input_gates, context, state), context, weights)
            return new, new  # the TF scan needs outputs shaped like the carry

        _, (states, contexts, weights) = ops.scan(body, init, gates)
        states = ops.transpose(states, (1, 0, 2))
        contexts = ops.transpose(contexts, (1, 0, 2))
        logits = self._readout(states, embedded, contexts, training=training)
        return logits, ops.transpose(weights, (1, 0, 2))

    def compute_mask(self, *args, **kwargs):
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), **attributes(self, self.CONFIG)}
