"""The card catalog (datasheet figures and quoted prices) and matching a device name to a card."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bench.econ.datafiles import load_data
from bench.econ.scenario import Figure

CARD_FILE = "cards.toml"


@dataclass(frozen=True)
class Card:
    """One card's datasheet figures and, where known, its price; never measured figures."""

    name: str
    match: tuple[str, ...]
    board_power_w: float
    memory_gb: float
    bf16_dense_tflops: float
    memory_bandwidth_tbs: float
    date: str
    source: str
    price_usd: Figure | None = None

    def to_dict(self) -> dict:
        """Plain data, labelled as catalog figures."""
        return {
            "name": self.name,
            "source_kind": "catalog",
            "board_power_w": self.board_power_w,
            "memory_gb": self.memory_gb,
            "bf16_dense_tflops": self.bf16_dense_tflops,
            "memory_bandwidth_tbs": self.memory_bandwidth_tbs,
            "date": self.date,
            "source": self.source,
            "price_usd": self.price_usd.to_dict() if self.price_usd else None,
        }


def load_cards() -> list[Card]:
    """The card catalog shipped in bench/data/cards.toml."""
    doc = load_data(CARD_FILE)
    cards = []
    for row in doc["card"]:
        price = row.get("price_usd")
        cards.append(
            Card(
                name=row["name"],
                match=tuple(row.get("match", [row["name"]])),
                board_power_w=float(row["board_power_w"]),
                memory_gb=float(row["memory_gb"]),
                bf16_dense_tflops=float(row["bf16_dense_tflops"]),
                memory_bandwidth_tbs=float(row["memory_bandwidth_tbs"]),
                date=row.get("date", doc["date"]),
                source=row.get("source", doc["source"]),
                price_usd=Figure(**price) if price else None,
            )
        )
    return cards


def _normalise(name: str) -> str:
    """Upper case with every run of non-alphanumerics as one space."""
    return " " + re.sub(r"[^A-Z0-9]+", " ", name.upper()).strip() + " "


def _score(device: str, pattern: str) -> int:
    """Length of the pattern when all its words occur in the device name, else 0."""
    words = _normalise(pattern).split()
    return sum(len(w) for w in words) if all(w in device for w in words) else 0


def match_name(device_name: str, patterns: Mapping[str, Iterable[str]]) -> str | None:
    """The key whose best pattern matches the device name most specifically, or None."""
    device = _normalise(device_name)
    best, best_score = None, 0
    for key, pats in patterns.items():
        score = max((_score(device, p) for p in pats), default=0)
        if score > best_score:
            best, best_score = key, score
    return best


def find_card(device_name: str, cards: list[Card] | None = None) -> Card | None:
    """The catalog card a device name refers to ("NVIDIA H200" -> H200 SXM), or None."""
    cards = load_cards() if cards is None else cards
    key = match_name(device_name, {c.name: c.match for c in cards})
    return next((c for c in cards if c.name == key), None)


def find_card_by_name(name: str) -> Card | None:
    """A catalog card by its exact name (case-insensitive) or, failing that, by matching."""
    cards = load_cards()
    exact = next((c for c in cards if c.name.lower() == name.lower()), None)
    return exact or find_card(name, cards)
