"""Reports on result documents: the terminal table, the HTML report, comparison, re-pricing.

Every function returns text or plain data; the command line prints and writes files.
"""

from __future__ import annotations

from bench.report.compare import compare_results, format_comparison
from bench.report.figures import pivot_ratios
from bench.report.html import render_html
from bench.report.pricing import price_entry, rerender
from bench.report.table import render_table

__all__ = [
    "compare_results",
    "format_comparison",
    "pivot_ratios",
    "price_entry",
    "render_html",
    "render_table",
    "rerender",
]
