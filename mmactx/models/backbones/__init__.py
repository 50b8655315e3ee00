from .c3d_light import C3DLight
from .x3d_pose import X3DPose

__all__ = ['C3DLight', 'X3DPose']
