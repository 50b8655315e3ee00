"""Helpers for tests and benchmarks: small raw dataset files, scripts."""
from .ntu import kinect_rows, write_ntu_sample
from .scripts import load_script, run_script

__all__ = ['kinect_rows', 'load_script', 'run_script', 'write_ntu_sample']
