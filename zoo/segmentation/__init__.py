"""Semantic segmentation: data, metrics, overlays and models."""
