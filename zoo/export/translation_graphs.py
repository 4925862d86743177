"""The two networks a translation model exports to ONNX and LiteRT: encoder and decoder step.

Beam search does not fit these formats well (ONNX and LiteRT would need a loop over a
dynamic beam with top-k and gathers inside), so they hold the networks and the search runs in
numpy (:mod:`zoo.translation.numpy_search`), exactly as :mod:`zoo.translation.decode` does it:

- encoder: ``source_ids`` int32 ``(B, Ts)`` (SentencePiece ids ending in eos, 0-padded) ->
  ``annotations (B, Ts, 2 units)``, ``keys (B, Ts, attention units)`` (``U h``, computed once
  per sentence), ``state (B, units)`` (the decoder's initial state). Each GRU direction is
  one ``while`` loop over the time steps (:func:`_gru`) with Keras' GRU cell and masking: a
  padded step keeps the state, so the backward direction starts at each sentence's last real
  word. (Keras' own loop writes a TensorList whose element shape depends on the batch, which
  the LiteRT converter cannot lower to builtin ops; this loop carries plain tensors.)
- decoder step: ``prev_ids`` int32 ``(N,)``, ``state (N, units)``, ``keys``, ``annotations``,
  ``mask`` float32 ``(N, Ts)`` (1 for real source words) -> ``log_probs (N, V)`` (log-softmax
  of the logits), ``new_state (N, units)``, ``attention (N, Ts)``.

Example:
    >>> fn, spec, network = encoder_function(zoo.load("rnnsearch-multi30k-en-de"))  # doctest: +SKIP
"""

from __future__ import annotations

import tensorflow as tf


def _gru(cell, inputs, mask, reverse: bool):
    """A Keras ``GRUCell`` (``reset_after``) run over time-major ``inputs (T, B, E)`` with
    ``mask (T, B)``: ``(outputs (T, B, U), last state (B, U))``; 0 at padded outputs."""
    steps, batch = tf.shape(inputs)[0], tf.shape(inputs)[1]
    projected = tf.matmul(inputs, cell.kernel) + cell.bias[0]
    positions = tf.range(steps)

    def body(i, h, outputs):
        t = steps - 1 - i if reverse else i
        x_z, x_r, x_h = tf.split(tf.gather(projected, t), 3, axis=-1)
        r_z, r_r, r_h = tf.split(tf.matmul(h, cell.recurrent_kernel) + cell.bias[1], 3, axis=-1)
        z = tf.sigmoid(x_z + r_z)
        r = tf.sigmoid(x_r + r_r)
        new = z * h + (1.0 - z) * tf.tanh(x_h + r * r_h)
        real = tf.gather(mask, t)[:, None]
        here = tf.equal(positions, t)[:, None, None]
        outputs = tf.where(here, tf.where(real, new, 0.0)[None], outputs)
        return i + 1, tf.where(real, new, h), outputs

    init = (tf.constant(0), tf.zeros([batch, cell.units]), tf.zeros([steps, batch, cell.units]))
    _, last, outputs = tf.while_loop(lambda i, *_: i < steps, body, init)
    return outputs, last


def encoder_function(model, batch: int | None = None):
    """``(fn, input_signature, network)`` of the encoder (module docstring)."""
    enc = model.encoder

    def encode(source_ids):
        mask = tf.transpose(tf.not_equal(source_ids, 0))
        x = tf.transpose(enc.embedding(source_ids), (1, 0, 2))
        forward, _ = _gru(enc.rnn.forward_layer.cell, x, mask, reverse=False)
        backward, last = _gru(enc.rnn.backward_layer.cell, x, mask, reverse=True)
        annotations = tf.transpose(tf.concat([forward, backward], -1), (1, 0, 2))
        state = enc.init_state(last)
        keys = model.decoder.precompute_keys(annotations)
        return {"annotations": annotations, "keys": keys, "state": state}

    return encode, [tf.TensorSpec([batch, None], tf.int32, name="source_ids")], model


def decoder_step_function(model):
    """``(fn, input_signature, network)`` of one decoder step (module docstring)."""
    dec = model.decoder
    units, context, attention = dec.units, dec.context_dim, dec.attention.units

    def step(prev_ids, state, keys, annotations, mask):
        logits, new_state, weights = dec.step(prev_ids, state, keys, annotations, mask > 0.5)
        log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32), axis=-1)
        return {"log_probs": log_probs, "new_state": new_state, "attention": weights}

    spec = [
        tf.TensorSpec([None], tf.int32, name="prev_ids"),
        tf.TensorSpec([None, units], tf.float32, name="state"),
        tf.TensorSpec([None, None, attention], tf.float32, name="keys"),
        tf.TensorSpec([None, None, context], tf.float32, name="annotations"),
        tf.TensorSpec([None, None], tf.float32, name="mask"),
    ]
    return step, spec, model
