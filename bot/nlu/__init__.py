"""The language layer: Khmer-aware text handling and the Rasa components built on it."""
