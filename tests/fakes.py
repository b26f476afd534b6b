"""Test doubles: a deterministic embedder that stands in for the real model."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class HashingEmbedder:
    """A deterministic stand-in for tests: hashed bag of word stems, so shared words mean similar vectors."""

    def __init__(self, dimensions: int = 256) -> None:
        self.dimensions = dimensions

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[^\W_]+", text.lower()):
                bucket = int(hashlib.md5(word[:6].encode()).hexdigest(), 16) % self.dimensions
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


class SlowHashingEmbedder(HashingEmbedder):
    """The hashing embedder taking 20 ms a call, so that an `add` lasts long enough to be killed mid-way."""

    def encode(self, texts: list[str]) -> np.ndarray:
        import time

        time.sleep(0.02)
        return super().encode(texts)
