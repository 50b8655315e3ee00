from .multitask_action import MultitaskActionHead
from .rgbpose_head import RGBPoseHead
from .soft_argmax import SoftArgmaxPoseHead
from .stid_fusion_head import STIDFusionHead

__all__ = [
    'MultitaskActionHead', 'RGBPoseHead', 'SoftArgmaxPoseHead',
    'STIDFusionHead'
]
