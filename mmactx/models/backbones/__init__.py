from .c3d_light import C3DLight
from .ctrgcn import CTRGCN
from .inception_v3 import InceptionV3
from .pose_resnet_tsm import Pose2Feat, PoseResNetTSM
from .spnet import SPNet
from .stid_resnet import STIDResNet
from .x3d_pose import X3DPose

__all__ = [
    'C3DLight', 'CTRGCN', 'InceptionV3', 'Pose2Feat', 'PoseResNetTSM',
    'SPNet', 'STIDResNet', 'X3DPose'
]
