"""Test corpora: expressions as published (tests/corpus/published.py) and torch's own OpInfo
samples (tests/corpus/opinfo_cases.json, written by gen_opinfo.py). See tests/corpus/README.md."""
