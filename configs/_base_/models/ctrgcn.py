# CTR-GCN (EPP-Net's pose branch): 10 TCN-GCN units, 64-128-256 channels,
# 1.46M parameters with the NTU-60 classifier; input [N, M, T, V, C].
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='CTRGCN',
        layout='nturgb+d',
        in_channels=3,
        base_channels=64,
        num_person=2),
    cls_head=dict(
        type='GCNHead',
        num_classes=60,
        in_channels=256,
        dropout=0.,
        # EPP-Net fuses raw logits: average scores, no softmax
        average_clips='score',
        # the published classifier init: N(0, sqrt(2 / num_classes))
        init_cfg=dict(type='Normal', layer='Linear', std=0.1826)))
