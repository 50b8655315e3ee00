# IntegralAction, stage 1 of 3 on NTU RGB+D 60 X-Sub: the RGB stream alone.
# Data: the colour videos (tools/data/compress_ntu_videos.py, any size:
# the frames are resized to 320x240) and the converter's colour-camera 2D
# skeletons with the 25 Kinect joints,
#   python tools/data/convert_ntu.py nturgb+d_skeletons --dataset ntu60 \
#       --layout-2d ntu --out-dir data/skeleton_ntu25
# The model, the schedule and the other settings: kinetics50_rgb_only.py;
# NTU frames are resized to 320x240 (the authors' NTU loader) instead of a
# shorter side of 256. Published (the paper's Table 3), rgb+pose: 91.7.
_base_ = ['kinetics50_rgb_only.py']

num_classes = 60
layout = 'nturgb+d'  # 25 joints, 24 PAF limbs: 73 pose-map channels
ann_file = 'data/skeleton_ntu25/ntu60_2d.pkl'
video_root = 'data/nturgbd_videos'
splits = dict(train='xsub_train', val='xsub_val', test='xsub_val')
num_frames = {{_base_.num_frames}}
img_size = {{_base_.img_size}}

pose_backbone = dict(in_channels=73)  # 25 joint heatmaps + 2 x 24 limbs
pose_maps = dict(layout=layout)
model = dict(cls_head=dict(num_classes=num_classes))

train_pipeline = [
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=8,
         num_clips=1),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='MultiScaleCrop', input_size=img_size,
         scales=(1, .875, .75, .66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, layout=layout),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='FormatFramePoses', max_persons=5),
    dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=8,
         num_clips=1, test_mode=True),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='FormatFramePoses', max_persons=5),
    dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))
]
test_pipeline = [
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=8,
         num_clips=10, test_mode=True),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='FormatFramePoses', max_persons=5),
    dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))
]
dataset = dict(ann_file=ann_file, data_prefix=dict(video=video_root),
               num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(dataset, split=splits['train'], pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(dataset, split=splits['val'], pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(dataset, split=splits['test'], pipeline=test_pipeline))
