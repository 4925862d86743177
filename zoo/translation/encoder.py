"""The RNNsearch encoder: source embedding + bidirectional GRU + initial decoder state.

The annotation of source word ``j`` is ``h_j = [forward h_j; backward h_j]``; the decoder
starts from ``s_0 = tanh(W_s backward h_1)``, the backward GRU's state after reading the whole
(unpadded) sentence. Source id 0 is padding and is masked in the GRUs.

Example:
    >>> import numpy as np
    >>> enc = BiGRUEncoder(vocab_size=100, embedding_dim=16, units=32, decoder_units=24)
    >>> h, s0, mask = enc(np.array([[5, 6, 3, 0]]))   # (1, 4, 64), (1, 24), (1, 4)
"""

from __future__ import annotations

import keras
from keras import ops

from zoo.blocks.config import attributes
from zoo.translation.tokenizer import PAD_ID


@keras.saving.register_keras_serializable(package="zoo")
class BiGRUEncoder(keras.layers.Layer):
    """Embed source ids, run a bidirectional GRU and compute the decoder's initial state.

    Args:
        vocab_size: number of source ids.
        embedding_dim: word embedding size (paper: 620).
        units: GRU units per direction (paper: 1000); annotations have ``2 * units``.
        decoder_units: size of the decoder state ``s_0``.
        dropout: dropout rate on the embeddings while training.

    ``call(src_ids)`` returns ``(annotations, initial_state, mask)``.
    """

    CONFIG = ("vocab_size", "embedding_dim", "units", "decoder_units", "dropout")

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 620,
        units: int = 1000,
        decoder_units: int = 1000,
        dropout: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = int(vocab_size)
        self.embedding_dim = int(embedding_dim)
        self.units = int(units)
        self.decoder_units = int(decoder_units)
        self.dropout = float(dropout)
        self.embedding = keras.layers.Embedding(
            self.vocab_size,
            self.embedding_dim,
            embeddings_initializer="glorot_uniform",
            name="embedding",
        )
        gru = keras.layers.GRU(
            self.units, return_sequences=True, return_state=True, reset_after=True, name="gru"
        )
        self.rnn = keras.layers.Bidirectional(gru, merge_mode="concat", name="bigru")
        self.init_state = keras.layers.Dense(self.decoder_units, activation="tanh", name="init")
        self.embedding_dropout = keras.layers.Dropout(self.dropout)

    def build(self, input_shape=None):
        self.embedding.build((None, None))
        self.rnn.build((None, None, self.embedding_dim))
        self.init_state.build((None, self.units))
        self.built = True

    @property
    def annotation_dim(self) -> int:
        """Size of an annotation ``h_j`` (both directions)."""
        return 2 * self.units

    def call(self, src_ids, training=None):
        src_ids = ops.cast(src_ids, "int32")
        mask = ops.not_equal(src_ids, PAD_ID)
        x = self.embedding_dropout(self.embedding(src_ids), training=training)
        annotations, _, backward_state = self.rnn(x, mask=mask, training=training)
        return annotations, self.init_state(backward_state), mask

    def compute_mask(self, src_ids, mask=None):
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), **attributes(self, self.CONFIG)}
