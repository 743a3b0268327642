"""Reports on typed results (bench.result.model.Result): the terminal table, the HTML report
with its plots, and the comparison of several results.

Every function returns text or plain data; the command line prints and writes files. The report
renders what a Result holds and never prices: re-pricing is bench.econ's.
"""

from __future__ import annotations

from bench.report.cells import pivot_ratios
from bench.report.compare import compare_results, format_comparison
from bench.report.html import render_html
from bench.report.table import render_table

__all__ = [
    "compare_results",
    "format_comparison",
    "pivot_ratios",
    "render_html",
    "render_table",
]
