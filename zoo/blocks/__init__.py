"""Shared building blocks: conv-BN-activation, bilinear upsampling, attention, preprocessing."""
