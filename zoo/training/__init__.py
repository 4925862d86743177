"""Training support shared by the applications: recipes, checkpoints, callbacks."""
