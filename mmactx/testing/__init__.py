"""Helpers that write small raw dataset files for tests and benchmarks."""
from .ntu import kinect_rows, write_ntu_sample

__all__ = ['kinect_rows', 'write_ntu_sample']
