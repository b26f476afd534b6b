"""The extract stage: quotation marks paired into quotations, each credited to its speaker."""
