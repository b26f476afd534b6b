"""The extract stage: quotation marks paired into quotations, each credited to its speaker."""

from __future__ import annotations

from factcheck.quotes.attribute import TOPIC_LEAD, alias_pattern, attribute, speech_verb_pattern
from factcheck.quotes.extract import extract
from factcheck.quotes.reattribute import (
    confirmed_source_keys,
    learn_source_names,
    reattribute,
    speaker_key,
    speaker_keys,
    words_of_the_source,
)

__all__ = [
    "TOPIC_LEAD",
    "alias_pattern",
    "attribute",
    "confirmed_source_keys",
    "extract",
    "learn_source_names",
    "reattribute",
    "speaker_key",
    "speaker_keys",
    "speech_verb_pattern",
    "words_of_the_source",
]
