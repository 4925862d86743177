"""Dataset readers shared by the applications."""
