from .rgbpose_head import RGBPoseHead

__all__ = ['RGBPoseHead']
