# PoseC3D X3D-shallow, NTU RGB+D 60 XSub, limb heatmaps.
# Published top-1 (pyskl, 10-clip): 91.6.
_base_ = ['ntu60_xsub_limb.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='X3DPose',
        gamma_d=1,
        gamma_b=2.25,
        in_channels=17,
        base_channels=24,
        num_stages=3,
        se_ratio=None,
        use_swish=False,
        stage_blocks=(2, 5, 3),
        spatial_strides=(2, 2, 2)),
    cls_head=dict(in_channels=216))
