# IntegralAction stage 2 on the built-in synthetic data (see
# synthetic_rgb_only.py): the pose stream alone.
_base_ = ['synthetic_rgb_only.py']

model = dict(mode='pose_only', rgb_backbone=None,
             pose_backbone={{_base_.pose_backbone}},
             pose_maps={{_base_.pose_maps}})
