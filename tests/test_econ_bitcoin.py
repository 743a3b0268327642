"""Bitcoin network arithmetic against hand-worked figures (shared/reference/bitcoin.md)."""

from __future__ import annotations

import pytest

from bench.econ import bitcoin

# Worked example of bitcoin.md: D = 150e12, S = 3.125, fees 0.6 % of rewards, price 100,000 USD.
D_REF = 150e12
S_REF = 3.125
F_REF = 3.125 * 0.006 / (1 - 0.006)  # F / (S + F) = 0.006  ->  F = 0.018863 BTC
R_REF = S_REF + F_REF  # 3.14386, "S + F = 3.1439"


@pytest.mark.parametrize(
    "height, btc",
    [
        (0, 50.0),
        (209_999, 50.0),
        (210_000, 25.0),
        (420_000, 12.5),
        (840_000, 3.125),
        (1_049_999, 3.125),
        (1_050_000, 1.5625),
        (32 * 210_000, 1e-8),  # 5e9 sat >> 32 = 1 sat
        (33 * 210_000, 0.0),  # 5e9 sat >> 33 = 0
    ],
)
def test_subsidy_halves_every_210000_blocks(height, btc):
    assert bitcoin.subsidy_btc(height) == btc


def test_subsidy_rejects_negative_height():
    with pytest.raises(ValueError):
        bitcoin.subsidy_btc(-1)


def test_fees_from_share_of_rewards():
    # share 0.006 of S + F with S = 3.125: F = 3.125 * 0.006 / 0.994 = 0.0188632
    assert bitcoin.fees_from_share(3.125, 0.006) == pytest.approx(0.0188632, rel=1e-5)
    assert S_REF + bitcoin.fees_from_share(3.125, 0.006) == pytest.approx(3.1439, abs=5e-5)
    # share 0.2 of S + F with S = 4: F = 4 * 0.2 / 0.8 = 1.0
    assert bitcoin.fees_from_share(4.0, 0.2) == pytest.approx(1.0)


def test_worked_example_btc_per_th_per_day():
    # 1e12 * 86400 * 3.1439 / (150e12 * 4294967296) = 271,633 / 644,245,094,400 = 4.216e-7
    btc = bitcoin.btc_per_hash(R_REF, D_REF) * 1e12 * 86400
    assert btc == pytest.approx(4.216e-7, rel=1e-3)


def test_worked_example_hashprice():
    # 4.216e-7 BTC per TH/s per day * 1000 TH per PH * 100,000 USD = 42.16 USD/PH/day
    assert bitcoin.hashprice_usd_per_ph_day(100_000, D_REF, R_REF) == pytest.approx(42.16, rel=1e-3)


def test_hashprice_units():
    # 1 $/PH/day = 1000 $/EH/day = 0.001 $/TH/day
    units = bitcoin.hashprice_units(42.16)
    assert units["hashprice_usd_per_th_day"] == pytest.approx(0.04216)
    assert units["hashprice_usd_per_ph_day"] == pytest.approx(42.16)
    assert units["hashprice_usd_per_eh_day"] == pytest.approx(42_160.0)


def test_hashprice_own_example():
    # D * 2**32 = 1e22 hashes per block, reward 3.25 BTC, price 80,000 USD:
    # 1e15 * 86400 * 3.25 * 80000 / 1e22 = 8.64e19 * 2.6e5 / 1e22 = 2246.4 USD/PH/day
    d = 1e22 / 2**32
    assert bitcoin.hashprice_usd_per_ph_day(80_000, d, 3.25) == pytest.approx(2246.4)


def test_hashprice_moves_with_price_and_against_difficulty():
    base = bitcoin.hashprice_usd_per_ph_day(100_000, D_REF, R_REF)
    assert bitcoin.hashprice_usd_per_ph_day(200_000, D_REF, R_REF) == pytest.approx(2 * base)
    assert bitcoin.hashprice_usd_per_ph_day(100_000, 2 * D_REF, R_REF) == pytest.approx(base / 2)


@pytest.mark.parametrize("difficulty", [1.0, 83e12, 150e12, 156e12])
def test_hashprice_difficulty_round_trip(difficulty):
    hp = bitcoin.hashprice_usd_per_ph_day(102_890, difficulty, R_REF)
    assert bitcoin.difficulty_from_hashprice(hp, 102_890, R_REF) == pytest.approx(difficulty)


def test_difficulty_from_hashprice_hand_worked():
    # 48 USD/PH/day at 100,000 USD and 3.1439 BTC:
    # D = 1e15 * 86400 * 3.1439 * 1e5 / (48 * 2**32) = 2.7163e25 / 2.0616e11 = 131.76e12
    d = bitcoin.difficulty_from_hashprice(48.0, 100_000, 3.1439)
    assert d == pytest.approx(131.76e12, rel=1e-4)
