"""zoo: an application-focused model zoo in Keras 3.

FCN semantic segmentation, a YOLO-family detector that reads Darknet models, and RNNsearch
translation, with the project's own trained weights.

Example:
    >>> import zoo
    >>> model = zoo.load("fcn8s-camvid")  # doctest: +SKIP
    >>> zoo.list_models("fcn*")           # doctest: +SKIP
"""

from zoo.api import create_model, load
from zoo.registry import list_models

__version__ = "0.1.0"
__all__ = ["__version__", "create_model", "list_models", "load"]
