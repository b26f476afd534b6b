"""The text stage: normalising, paragraphs and sentences, and the text view whose every character maps back to the original."""

from __future__ import annotations

from factcheck.text.document import LoadedDocument, build_document
from factcheck.text.normalise import TextView, normalise
from factcheck.text.segment import (
    SentenceSplitter,
    find_paragraphs,
    find_sentences,
    sentence_segmenter,
    split_paragraph,
)
from factcheck.text.wordforms import (
    MIN_TYPO_LENGTH,
    american,
    same_words_in_other_forms,
    stem,
    words,
)

__all__ = [  # noqa: RUF022  # in sorted() order, as for the package's own __all__
    "LoadedDocument",
    "MIN_TYPO_LENGTH",
    "SentenceSplitter",
    "TextView",
    "american",
    "build_document",
    "find_paragraphs",
    "find_sentences",
    "normalise",
    "same_words_in_other_forms",
    "sentence_segmenter",
    "split_paragraph",
    "stem",
    "words",
]
