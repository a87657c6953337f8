"""Default tolerances of the balancer, each written once.

A *tolerance* (允许偏差) is the relative deviation a part may have from its share of the
households: 0.05 means every grid within ±5% of its target. Both aim high: the
search stops early only once they are reached. Grid balancing aims at
:data:`BALANCE_TOLERANCE`; partitioning an arbitrary polygon layer at
:data:`PARTITION_TOLERANCE`.
"""

BALANCE_TOLERANCE = 0.05
PARTITION_TOLERANCE = 0.01
