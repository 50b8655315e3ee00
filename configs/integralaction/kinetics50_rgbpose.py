# IntegralAction, stage 3 of 3 on Kinetics50: both streams, joined per frame
# by the pose-driven gate F = g * LN(P) + (1 - g) * LN(A), g = sigmoid(FC(P)),
# with the gate loss -1.5 log g pushing toward pose. It starts from the two
# single-stream checkpoints,
#   python tools/integralaction_merge.py RGB.pth POSE.pth --out merged.pth
# and trains the aggregator and the classifier only (both backbones frozen;
# their BatchNorm statistics follow the data, as in the reference), lr 5e-4.
# Published (README of IntegralAction_RELEASE, epoch 29): Kinetics50 val
# top-1 / top-5 72.21 / 92.27; Mimetics50 26.51 / 50.50
# (mimetics50_rgbpose.py).
_base_ = ['kinetics50_rgb_only.py']

model = dict(
    mode='rgb+pose',
    pose_backbone={{_base_.pose_backbone}},
    pose_maps={{_base_.pose_maps}},
    aggregator=dict(type='PoseGatedAggregator', in_channels=512,
                    channels=512, gated=True),
    gate_loss_weight=1.5,  # the paper also reports 5.0
    freeze_backbones=True)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
