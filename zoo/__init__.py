"""zoo: an application-focused model zoo in Keras 3."""

__version__ = "0.1.0"
