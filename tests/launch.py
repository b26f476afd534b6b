"""`factcheck` with the fake embedder in place of the real model, for tests that run the command in another
process: `python -m tests.launch serve --port 0` is `factcheck serve --port 0` on HashingEmbedder."""

from __future__ import annotations

from factcheck.cli import Injected, app
from tests.fakes import HashingEmbedder

if __name__ == "__main__":
    app(obj=Injected(embedder_factory=HashingEmbedder), prog_name="factcheck")
