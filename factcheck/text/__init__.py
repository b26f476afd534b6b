"""The text stage: normalising, paragraphs and sentences, and the text view whose every character maps back to the original."""
