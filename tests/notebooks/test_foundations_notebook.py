"""Execute notebooks/foundations.ipynb with nbclient and check the numbers it reports.

The notebook needs no shared data (scikit-learn ships its Iris and digits sets). It is a
``model`` test, so ``tools/test.sh`` runs it under the TensorFlow and the JAX backend: the
kernel inherits ``KERAS_BACKEND``, and the autodiff checks use that backend's gradients.
"""

from __future__ import annotations

import os
import re

import pytest

OPTIMIZERS = ["SGD", "momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"]
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax"]
NUMBER = r"([-+0-9.e]+)"


def find(pattern: str, text: str) -> list[tuple[str, ...]]:
    """Every match of ``pattern`` in ``text``, failing when there is none."""
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert found, f"no line matching {pattern!r} in the notebook's output"
    return [f if isinstance(f, tuple) else (f,) for f in found]


@pytest.mark.slow
@pytest.mark.model
def test_foundations_notebook(run_notebook):
    text, images = run_notebook("foundations")  # CellExecutionError, naming the cell, on error
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    assert f"backend {backend}" in text

    # perceptron: converges on the separable pair within Novikoff's bound, never on XOR
    runs = find(
        r"(raw|centred) inputs: converged in (\d+) epochs, (\d+) updates, (\d+) training errors "
        r"of 100; Novikoff bound .*= " + NUMBER,
        text,
    )
    assert sorted(r[0] for r in runs) == ["centred", "raw"]
    for _, _, updates, errors, bound in runs:
        assert int(errors) == 0 and 0 < int(updates) <= float(bound)
    ((xor_mistakes,),) = find(r"perceptron on XOR: (\d+) mistakes still", text)
    assert int(xor_mistakes) > 0

    # activation derivatives against autodiff (float32) and finite differences (float64)
    checks = find(r"(\w+) +vs autodiff ([0-9.e+-]+) +vs finite differences ([0-9.e+-]+)", text)
    assert [c[0] for c in checks] == ACTIVATIONS
    for name, autodiff, finite in checks:
        assert float(autodiff) < 1e-5 and float(finite) < 1e-7, name

    # backpropagation against autodiff, and the trained network's accuracy
    grads = find(r"^  (W1|b1|W2|b2) +\([0-9, ]*\) +([0-9.e+-]+)$", text)
    assert [g[0] for g in grads] == ["W1", "b1", "W2", "b2"]
    assert all(float(g[1]) < 1e-5 for g in grads), grads
    ((train_acc, test_acc),) = find(
        r"two-layer network, .*train accuracy ([0-9.]+), test accuracy ([0-9.]+)", text
    )
    assert float(train_acc) > 0.97 and float(test_acc) > 0.94

    # each numpy optimizer matches keras.optimizers, and trains the network
    parity = find(r"^  (\w+) +([0-9.]+e[-+]\d+)$", text)
    assert [p[0] for p in parity] == OPTIMIZERS
    assert all(float(p[1]) < 1e-4 for p in parity), parity
    trained = find(
        r"(\w+) +lr [0-9.e-]+ +final training loss ([0-9.]+), test accuracy ([0-9.]+)", text
    )
    assert [t[0] for t in trained] == OPTIMIZERS
    for name, loss, accuracy in trained:
        assert float(loss) < 0.1 and float(accuracy) > 0.93, name

    # learning-rate sweep: the smallest rate barely trains, the best one trains well
    for name in ["SGD", "Adam"]:
        sweep = rf"{name}: training loss after 5 epochs by learning rate: 0.0001: {NUMBER},"
        ((first,),) = find(sweep, text)
        ((best,),) = find(rf"{name}: best learning rate [0-9.e-]+ \(loss {NUMBER}\)", text)
        assert float(first) > 1.0 and float(best) < 0.1, name

    assert len(images) == 4  # perceptron, activations, optimizer curves, learning-rate sweep
