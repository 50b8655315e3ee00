# RGBPose-Conv3D on the built-in synthetic RGB + pose data (see
# synthetic_rgb_only.py for how to make it), on 2 CPU cores in minutes.
# As published, it starts from the two single-stream checkpoints:
#   python tools/train.py configs/rgbpose/synthetic_rgb_only.py \
#       --work-dir work_dirs/synthetic_rgb_only
#   python tools/train.py configs/rgbpose/synthetic_pose_only.py \
#       --work-dir work_dirs/synthetic_pose_only
#   python tools/rgbpose_merge.py \
#       work_dirs/synthetic_rgb_only/epoch_N.pth \
#       work_dirs/synthetic_pose_only/epoch_N.pth \
#       --config configs/rgbpose/synthetic_rgbpose.py \
#       --out work_dirs/synthetic_rgbpose_init.pth
#   python tools/train.py configs/rgbpose/synthetic_rgbpose.py \
#       --cfg-options load_from=work_dirs/synthetic_rgbpose_init.pth
# The published recipe is ntu60_xsub_rgbpose.py; what differs here: the
# pathways' widths (those of synthetic_rgb_only.py / synthetic_pose_only.py),
# frames of 96^2 (heatmaps 24^2), batch, epochs and learning rate.
_base_ = ['ntu60_xsub_rgbpose.py']

ann_file = 'data/synthetic_rgbpose/coco2d.pkl'
data_root = 'data/synthetic_rgbpose/videos/'
num_classes = 8
res = 96  # RGB frames res x res, heatmaps res/4 x res/4
# COCO-17 left/right joints (mmactx.skeletons.COCO.left / .right)
left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
clip_len = dict(RGB=8, Pose=32)
heatmap = dict(type='GeneratePoseTarget', sigma=0.7, use_score=True,
               with_kp=True, with_limb=False, scaling=0.25)
pack = dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'))

model = dict(
    backbone=dict(
        rgb_pathway=dict(base_channels=16, stage_blocks=(1, 1, 1, 1)),
        pose_pathway=dict(base_channels=8, stage_blocks=(2, 2, 2))),
    cls_head=dict(in_channels=[512, 128], num_classes=num_classes))

train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res * 8 // 7, res * 8 // 7), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
dataset = dict(ann_file=ann_file, data_prefix=dict(video=data_root),
               num_classes=num_classes)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(dataset, split='val', pipeline=val_pipeline))
test_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    dataset=dict(dataset, split='val', pipeline=test_pipeline))

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
         by_epoch=True, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
