"""A realistic, deterministic, fictional (示例) sample county with built-in defects."""

from gridplanner.sample.generate import Defect, generate_sample
from gridplanner.sample.sizes import SIZES, SampleSize

__all__ = ["SIZES", "Defect", "SampleSize", "generate_sample"]
