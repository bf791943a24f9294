"""Token and feature lists packed one string per message, for corpora of a million letters.

A message's features as a Python list of strings cost about 12.6 KiB (144 features of a realistic letter, each
a str object of its own): 12 GiB for a million letters. Packed as one string (items joined by ``\\x1f``, a
character segmentation never keeps: it is a control character) they cost about a tenth, and the clustering
reads them once or twice, decoding one message at a time.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

SEPARATOR = "\x1f"


def pack(features: Sequence[str]) -> str:
    return SEPARATOR.join(features)


def unpack(packed: str) -> list[str]:
    return packed.split(SEPARATOR) if packed else []


class PackedFeatures(Sequence[list[str]]):
    """A read-only sequence of feature lists stored packed; ``features[i]`` is a fresh list each time."""

    def __init__(self, packed: list[str]) -> None:
        self.packed = packed

    def __len__(self) -> int:
        return len(self.packed)

    @overload
    def __getitem__(self, index: int) -> list[str]: ...
    @overload
    def __getitem__(self, index: slice) -> PackedFeatures: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return PackedFeatures(self.packed[index])
        return unpack(self.packed[index])

    def __iter__(self) -> Iterator[list[str]]:
        return map(unpack, self.packed)
