# NW-UCLA cross-view (views 1 and 2 train, view 3 test), 3D skeletons of
# tools/data/convert_nwucla.py (Kinect v1, 20 joints, one body). The
# authors keep the lr constant on NW-UCLA and run up to 500 epochs, keeping
# the epoch that is best on the test set; 100 epochs here.
_base_ = ['stid_model.py']

dataset_type = 'PoseDataset'
ann_file = 'data/skeleton/nwucla_3d.pkl'
layout = 'nw-ucla'
num_classes = 10
num_keypoints = 20
model = dict(cls_head=dict(num_classes=num_classes))
dataset = dict(type=dataset_type, ann_file=ann_file, num_classes=num_classes,
               num_keypoints=num_keypoints)
train_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(dataset, split='xview_train'))
val_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, split='xview_val', test_mode=True))
test_dataloader = val_dataloader
max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=1)
param_scheduler = []
