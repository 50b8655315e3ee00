# NTU RGB+D 120 cross-subject, 3D skeletons of tools/data/convert_ntu.py
# (NTU-25, up to two bodies, metres).
_base_ = ['stid_model.py', 'ntu_schedule.py']

dataset_type = 'PoseDataset'
ann_file = 'data/skeleton/ntu120_3d.pkl'
layout = 'nturgb+d'
num_classes = 120
num_keypoints = 25
model = dict(cls_head=dict(num_classes=num_classes))
dataset = dict(type=dataset_type, ann_file=ann_file, num_classes=num_classes,
               num_keypoints=num_keypoints)
train_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(dataset, split='xsub_train'))
val_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, split='xsub_val', test_mode=True))
test_dataloader = val_dataloader
