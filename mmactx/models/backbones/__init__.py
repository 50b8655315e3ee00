from .c3d_light import C3DLight
from .ctrgcn import CTRGCN
from .x3d_pose import X3DPose

__all__ = ['C3DLight', 'CTRGCN', 'X3DPose']
