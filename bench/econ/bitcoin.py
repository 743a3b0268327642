"""Bitcoin network arithmetic: block subsidy, fees, expected reward per hash, hashprice.

Formulas: the subsidy as Bitcoin Core computes it (GetBlockSubsidy, src/validation.cpp),
hashprice as Hashrate Index defines it (USD per PH/s per day). Expected hashes per block at
difficulty D is taken as D * 2**32 (the exact figure, D * 4295032833, differs by 0.0015 %), as
the industry does.
"""

from __future__ import annotations

HASHES_PER_DIFFICULTY = 2**32
SECONDS_PER_DAY = 86400.0
SATOSHI_PER_BTC = 100_000_000
HALVING_INTERVAL_BLOCKS = 210_000
INITIAL_SUBSIDY_SAT = 50 * SATOSHI_PER_BTC
PH_HS = 1e15  # hashes/s in one PH/s
TH_HS = 1e12
EH_HS = 1e18


def subsidy_btc(block_height: int) -> float:
    """Block subsidy in BTC at a height: 50 BTC halved every 210,000 blocks (in satoshis)."""
    if block_height < 0:
        raise ValueError(f"block height must be >= 0, got {block_height}")
    halvings = block_height // HALVING_INTERVAL_BLOCKS
    return (INITIAL_SUBSIDY_SAT >> halvings) / SATOSHI_PER_BTC


def fees_from_share(subsidy: float, share_of_rewards: float) -> float:
    """Fees in BTC per block when fees are a given share of the whole reward (subsidy + fees)."""
    return subsidy * share_of_rewards / (1.0 - share_of_rewards)


def btc_per_hash(reward_btc: float, difficulty: float, pool_fee: float = 0.0) -> float:
    """Expected BTC earned per hash: reward * (1 - pool fee) / (D * 2**32)."""
    return reward_btc * (1.0 - pool_fee) / (difficulty * HASHES_PER_DIFFICULTY)


def hashprice_usd_per_ph_day(btc_price_usd: float, difficulty: float, reward_btc: float) -> float:
    """Hashprice: expected USD per PH/s per day, before pool fees (the industry's unit)."""
    return PH_HS * SECONDS_PER_DAY * btc_per_hash(reward_btc, difficulty) * btc_price_usd


def difficulty_from_hashprice(
    hashprice_usd_ph_day: float, btc_price_usd: float, reward_btc: float
) -> float:
    """The difficulty at which a BTC price and block reward give this hashprice."""
    usd_per_ph_day_at_d1 = PH_HS * SECONDS_PER_DAY * reward_btc * btc_price_usd
    return usd_per_ph_day_at_d1 / (hashprice_usd_ph_day * HASHES_PER_DIFFICULTY)


def hashprice_units(usd_per_ph_day: float) -> dict[str, float]:
    """One hashprice in USD per TH, PH and EH per day (1 $/PH/day = 1000 $/EH/day)."""
    return {
        "hashprice_usd_per_th_day": usd_per_ph_day * TH_HS / PH_HS,
        "hashprice_usd_per_ph_day": usd_per_ph_day,
        "hashprice_usd_per_eh_day": usd_per_ph_day * EH_HS / PH_HS,
    }
