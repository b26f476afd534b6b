"""The assess stage: a verdict for each quotation, the claims the release makes, and the source's findings it leaves out."""
