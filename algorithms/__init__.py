"""Geometry-free balancing and partitioning core (no Qt, no project model).

Build the unit graph once with :func:`build_adjacency`, then partition with
:class:`BalancedPartitioner` (or :func:`balance_nested` for many parents).
"""

from gridplanner.algorithms.adjacency import UnitGraph, build_adjacency
from gridplanner.algorithms.errors import Cancelled, InfeasibleError
from gridplanner.algorithms.nested import GroupResult, balance_nested
from gridplanner.algorithms.partition import BalancedPartitioner, balance
from gridplanner.algorithms.report import PartitionReport, PartReport

__all__ = [
    "BalancedPartitioner",
    "Cancelled",
    "GroupResult",
    "InfeasibleError",
    "PartReport",
    "PartitionReport",
    "UnitGraph",
    "balance",
    "balance_nested",
    "build_adjacency",
]
