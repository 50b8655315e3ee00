"""Converters of raw dataset releases to annotation files."""
from .batch import ResumableBatch, SkipSample, convert_one, format_report

__all__ = ['ResumableBatch', 'SkipSample', 'convert_one', 'format_report']
