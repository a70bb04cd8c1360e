"""Reasons more than one row gives."""

SAME_INSTANT = "expiry at the very instant of a TTL's end: the monotonic clock never reads the same value twice here"
