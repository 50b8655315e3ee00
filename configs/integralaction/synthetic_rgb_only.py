# IntegralAction's three stages on the built-in synthetic data, on CPU in
# minutes: 4 motions (wave, clap, punch, squat), each done with its own
# prop (ball, stick, box, ring) in train and val, so that the RGB stream can
# learn the prop for the motion; the test split "mimed" holds another
# class's prop, where appearance misleads (as Mimetics does for Kinetics).
# Make the data with
#   python tools/data/generate_synthetic.py data/synthetic_props/coco2d.pkl \
#       --mimed-per-class 10 --videos data/synthetic_props/videos \
#       --label-map data/synthetic_props/label_map.txt
# test.py reports the mimed split; add
#   --cfg-options test_dataloader.dataset.split=val
# for the clips with their own props. The model is the published one
# (kinetics50_rgb_only.py) on 64x64 frames (pose maps 16x16, COCO-17 with
# its 17 limbs: 51 channels) from 120x160 videos, 4 frames apart; batch,
# epochs and learning rate fit the small data.
_base_ = ['kinetics50_rgb_only.py']

num_classes = 4
layout = 'coco'
img_size = 64
short_side = 72
num_frames = {{_base_.num_frames}}
ann_file = 'data/synthetic_props/coco2d.pkl'
video_root = 'data/synthetic_props/videos'
splits = dict(train='train', val='val', test='mimed')

pose_backbone = dict(in_channels=51)  # 17 joint heatmaps + 2 x 17 limbs
pose_maps = dict(layout=layout, img_shape=(img_size, img_size), grid=16)
model = dict(cls_head=dict(num_classes=num_classes))

train_pipeline = [
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=4,
         num_clips=1),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    dict(type='Resize', scale=(-1, short_side)),
    dict(type='MultiScaleCrop', input_size=img_size,
         scales=(1, .875, .75, .66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, layout=layout),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='FormatFramePoses', max_persons=5),
    dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=4,
         num_clips=1, test_mode=True),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    dict(type='Resize', scale=(-1, short_side)),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='FormatFramePoses', max_persons=5),
    dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))
]
test_pipeline = [
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=4,
         num_clips=10, test_mode=True),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    dict(type='Resize', scale=(-1, short_side)),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='FormatFramePoses', max_persons=5),
    dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))
]
dataset = dict(ann_file=ann_file, data_prefix=dict(video=video_root),
               num_classes=num_classes)
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=False,
    dataset=dict(dataset, split=splits['train'], pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=False,
    dataset=dict(dataset, split=splits['val'], pipeline=val_pipeline))
test_dataloader = dict(
    num_workers=2, persistent_workers=False,
    dataset=dict(dataset, split=splits['test'], pipeline=test_pipeline))

max_epochs = 16
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
         by_epoch=True, convert_to_iter_based=True)
]
# from scratch on 120 clips, AdamW converges in far fewer steps than the
# published SGD (which is for ImageNet-initialised streams)
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=5))
randomness = dict(seed=0)
