from .rgbpose_head import RGBPoseHead
from .stid_fusion_head import STIDFusionHead

__all__ = ['RGBPoseHead', 'STIDFusionHead']
