from .rgbpose_head import RGBPoseHead
from .soft_argmax import SoftArgmaxPoseHead
from .stid_fusion_head import STIDFusionHead

__all__ = ['SoftArgmaxPoseHead', 'RGBPoseHead', 'STIDFusionHead']
