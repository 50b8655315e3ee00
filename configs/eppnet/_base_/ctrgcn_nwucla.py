# CTR-GCN streams on NW-UCLA (tools/data/convert_nwucla.py), cross-view:
# one person, 20 Kinect v1 joints, 10 classes, 52-frame windows (CTR-GCN's
# NW-UCLA window). EPP-Net published no NW-UCLA setting; the schedule is the
# NTU one of ctrgcn_ntu.py.
_base_ = ['ctrgcn_ntu.py']

layout = 'nw-ucla'
window = 52
streams = dict(joint=['j'], bone=['b'], joint_motion=['jm'],
               bone_motion=['bm'])
train_pipelines = {
    stream: [
        dict(type='ValidCropResize', window=window, p_interval=(0.5, 1.0)),
        dict(type='RandomRotation3D', theta=0.3),
        dict(type='SkeletonFeatures', layout=layout, feats=feats),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]
    for stream, feats in streams.items()
}
test_pipelines = {
    stream: [
        dict(type='ValidCropResize', window=window, p_interval=(0.95, )),
        dict(type='SkeletonFeatures', layout=layout, feats=feats),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]
    for stream, feats in streams.items()
}

ann_file = 'data/skeleton/nwucla_3d.pkl'
num_classes = 10
model = dict(
    backbone=dict(layout=layout, num_person=1),
    cls_head=dict(
        num_classes=num_classes,
        init_cfg=dict(type='Normal', layer='Linear', std=0.4472)))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xview_train',
                 num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xview_val',
                 num_classes=num_classes))
test_dataloader = val_dataloader
