"""The load stage's readers: plain text in any encoding, PDF, Word, HTML and URLs."""
