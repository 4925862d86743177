"""Tests of the foundation: weights, registry and API, blocks, backbones, FCN, CLI, training."""
