"""The align stage: a quotation placed in the source, with the edit operations between them."""
