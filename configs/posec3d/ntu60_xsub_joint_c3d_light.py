# PoseC3D C3D-light, NTU RGB+D 60 XSub, joint heatmaps.
# Published top-1 (pyskl, 10-clip): 92.7.
_base_ = ['ntu60_xsub_joint.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='C3DLight',
        in_channels=17,
        base_channels=32,
        num_stages=3,
        temporal_downsample=False),
    cls_head=dict(in_channels=256))
