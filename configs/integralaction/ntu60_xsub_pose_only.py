# IntegralAction, stage 2 of 3 on NTU RGB+D 60 X-Sub: the pose stream alone
# (NTU-25 joints: 73 pose-map channels). Data and settings:
# ntu60_xsub_rgb_only.py; the stage: kinetics50_pose_only.py.
_base_ = ['ntu60_xsub_rgb_only.py']

model = dict(mode='pose_only', rgb_backbone=None,
             pose_backbone={{_base_.pose_backbone}},
             pose_maps={{_base_.pose_maps}})
