"""Offline benchmarks. Retrieval (bench/retrieval.py) and extraction (bench/extract.py) run over the
corpus in bench/corpus/ (regenerate it with bench/corpus/make_corpus.py); see bench/README.md."""
