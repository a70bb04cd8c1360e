"""vLLM's automatic prefix caching, simulated: 16-token blocks, hash-chained, least recently used
evicted. The server reports its hits in /metrics and per request in `prefix_log` (for benchmarks)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator

class PrefixCache:
    def __init__(self, block_size: int = 16, capacity_blocks: int = 8192):
        self.block_size = block_size
        self.capacity = capacity_blocks
        self.blocks: OrderedDict[str, None] = OrderedDict()
        self.queries = 0
        self.hits = 0

    def _hashes(self, tokens: list[str]) -> Iterator[str]:
        parent = ""
        for start in range(0, len(tokens) - self.block_size + 1, self.block_size):
            block = "\x00".join(tokens[start : start + self.block_size])
            parent = hashlib.sha256((parent + "\x01" + block).encode()).hexdigest()
            yield parent

    def lookup(self, prompt: list[str]) -> int:
        """Count a query for `prompt`; return the tokens found cached (whole leading blocks; like vLLM,
        the last prompt token is always computed)."""
        self.queries += len(prompt)
        usable = (len(prompt) - 1) // self.block_size
        hit_blocks = 0
        for i, h in enumerate(self._hashes(prompt)):
            if i >= usable or h not in self.blocks:
                break
            self.blocks.move_to_end(h)
            hit_blocks += 1
        self.hits += hit_blocks * self.block_size
        return hit_blocks * self.block_size

    def insert(self, tokens: list[str]) -> None:
        for h in self._hashes(tokens):
            self.blocks[h] = None
            self.blocks.move_to_end(h)
        while len(self.blocks) > self.capacity:
            self.blocks.popitem(last=False)

