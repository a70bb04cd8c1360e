"""Test support shared by tests/ and bench/: the local web, the scripted Megrez server, the served app."""
