"""Machine translation with RNNsearch (Bahdanau, Cho & Bengio, 2015): data, model, decoding."""
