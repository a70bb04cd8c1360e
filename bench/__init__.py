"""Offline benchmarks. Retrieval (bench/retrieval.py) and extraction (bench/extract.py) run over the
corpus in bench/corpus/ (regenerate it with `python -m bench.corpus.make_corpus`); see bench/README.md."""
