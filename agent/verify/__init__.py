"""Citations a reader can trust (issue #23): the answer split into claims (claims.py), each cited
claim checked against the passages the model read from its sources (signals.py, lexical.py; a
served cross-encoder where one is configured, served.py), wrong markers re-pointed or removed
(repair.py), all of it while the answer streams (stream.py). The stage is agent/nodes/verify.py."""
