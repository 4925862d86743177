"""Import every module that registers architectures and custom Keras objects."""

from zoo.registry import architectures

architectures()
