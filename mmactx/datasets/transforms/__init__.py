"""Skeleton transforms of mmactx.

``UniformSampleFrames``, ``PoseDecode``, ``PoseCompact``,
``GeneratePoseTarget``, ``MMUniformSampleFrames``, ``MMDecode`` and
``MMCompact`` replace mmaction2's transforms of the same names (same
arguments, same results, tested against mmaction2 1.2.0; numpy 2). mmaction2's
keypoint-aware ``Resize``, ``RandomResizedCrop``, ``CenterCrop``, ``Flip``,
``FormatShape`` and ``PackActionInputs`` work on numpy 2 and are cheap on
keypoints, so configs use them as they are (found through the parent
registry); mmactx's ``Flip`` is mmaction2's plus ``layout=``, the left and
right joints of a named skeleton.
"""
from .clip_sampling import AppendFlipViews, StrideJitterSampleFrames
from .flip import Flip
from .formatting import FormatFramePoses, PackPoseClips
from .heatmaps import GeneratePoseTarget, render_points, render_segments
from .keypoint import MMCompact, PoseCompact, PoseDecode
from .multitask_formatting import PackMultitaskInputs
from .parsing import LoadParsingMaps, ParsingFeatureMap
from .pose_crop import (BoxFromKeypoints, ChannelPower, CropAffine,
                        PoseCoordTargets, RandomCropJitter)
from .pose_maps import GeneratePoseMaps
from .sampling import (FrameSampler, MMUniformSampleFrames, PoolSampleFrames,
                       ShareFrameInds, UniformSampleFrames)
from .skeleton import RandomRotation3D, SkeletonFeatures, ValidCropResize
from .stid import STIDDescriptors
from .video import MMDecode
from .view_normalization import CenterOnJoint, MinMaxScale, RandomViewTransform

__all__ = [
    'GeneratePoseTarget', 'LoadParsingMaps', 'PackPoseClips',
    'ParsingFeatureMap',
    'PoseCompact', 'PoseDecode', 'RandomRotation3D',
    'SkeletonFeatures', 'UniformSampleFrames', 'ValidCropResize',
    'render_points', 'render_segments', 'CenterOnJoint', 'MinMaxScale',
    'FrameSampler', 'PoolSampleFrames', 'RandomViewTransform',
    'MMUniformSampleFrames', 'MMDecode', 'MMCompact', 'STIDDescriptors',
    'GeneratePoseMaps', 'ShareFrameInds', 'FormatFramePoses', 'Flip',
    'BoxFromKeypoints', 'ChannelPower', 'CropAffine', 'PoseCoordTargets',
    'RandomCropJitter', 'PackMultitaskInputs', 'AppendFlipViews',
    'StrideJitterSampleFrames'
]
