"""Sentence embeddings: the packaged model's backends (ONNX, torch), a fake for tests, and the vector store."""
