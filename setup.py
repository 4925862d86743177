"""Packaging glue: ships ``weights/``, the apps' recipes and ``zoo serve``'s page inside the wheel.

``weights/`` becomes ``zoo._weights`` and ``apps/<app>/recipes`` becomes ``zoo._recipes.<app>``,
so an installed ``zoo`` finds its default models and fine-tuning recipes.

Everything else is in pyproject.toml; setuptools reads both.
"""

from setuptools import find_packages, setup

APPS = ("segmentation", "detection", "translation")
RECIPES = {f"zoo._recipes.{app}": f"apps/{app}/recipes" for app in APPS}

setup(
    packages=[*find_packages(include=["zoo", "zoo.*"]), "zoo._weights", *RECIPES],
    package_dir={"zoo._weights": "weights", **RECIPES},
    package_data={
        "zoo._weights": ["*.keras", "*.json"],
        "zoo.serve": ["static/*"],  # the page of `zoo serve`
        **{p: ["*.toml"] for p in RECIPES},
    },
)
