"""Finding evidence: search providers, fetching, extraction, ranking and selection."""
