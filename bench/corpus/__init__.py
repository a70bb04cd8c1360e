"""The generated offline corpus and the code that writes it (`python -m bench.corpus.make_corpus`)."""
