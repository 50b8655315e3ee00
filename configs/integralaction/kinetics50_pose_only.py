# IntegralAction, stage 2 of 3 on Kinetics50: the pose stream alone. The
# keypoints of the 8 frames (OpenPose-18, cropped and flipped with the
# frames) become joint heatmaps and part affinity fields on a 56x56 grid on
# the model's device, then Pose2Feat and a stem-less TSM ResNet-18.
# Data, pipelines and schedule: kinetics50_rgb_only.py.
_base_ = ['kinetics50_rgb_only.py']

model = dict(mode='pose_only', rgb_backbone=None,
             pose_backbone={{_base_.pose_backbone}},
             pose_maps={{_base_.pose_maps}})
