# IntegralAction, stage 3 of 3 on NTU RGB+D 60 X-Sub: both streams and the
# pose-driven gate, from tools/integralaction_merge.py's merge of the
# ntu60_xsub_rgb_only and ntu60_xsub_pose_only checkpoints, backbones
# frozen, lr 5e-4 (the stage: kinetics50_rgbpose.py). Published (the
# paper's Table 3): top-1 91.7 (gate loss weight 1.5), 91.0 (5.0).
_base_ = ['ntu60_xsub_rgb_only.py']

model = dict(
    mode='rgb+pose',
    pose_backbone={{_base_.pose_backbone}},
    pose_maps={{_base_.pose_maps}},
    aggregator=dict(type='PoseGatedAggregator', in_channels=512,
                    channels=512, gated=True),
    gate_loss_weight=1.5,
    freeze_backbones=True)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
