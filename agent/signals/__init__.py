"""The signals the bilingual search rule (agent/classify.py) reads: shared, Chinese, English, sums."""
