# IntegralAction stage 3 on the built-in synthetic data (see
# synthetic_rgb_only.py): both streams and the pose-driven gate, from
#   python tools/integralaction_merge.py RGB.pth POSE.pth --out merged.pth
# with both backbones frozen.
_base_ = ['synthetic_rgb_only.py']

model = dict(
    mode='rgb+pose',
    pose_backbone={{_base_.pose_backbone}},
    pose_maps={{_base_.pose_maps}},
    aggregator=dict(type='PoseGatedAggregator', in_channels=512,
                    channels=512, gated=True),
    gate_loss_weight=1.5,
    freeze_backbones=True)
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=3)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
         by_epoch=True, convert_to_iter_based=True)
]
# the published optimiser of stage 3 (SGD; lr 10x the published 5e-4 for
# the 6-epoch schedule): AdamW, as in the single streams, drives the gate to
# 1 within an epoch, leaving the pose stream alone
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=5e-3, momentum=0.9, weight_decay=1e-4))
