# IntegralAction (Moon et al., CVPRW 2021), stage 1 of 3 on Kinetics50:
# the RGB stream alone, a TSM ResNet-18 on 8 frames taken every 8th frame,
# classified per frame and averaged. Its checkpoint and the pose_only one
# make the start of kinetics50_rgbpose.py (tools/integralaction_merge.py).
#
# Data (README.md, "IntegralAction"): the Kinetics-skeleton release
# converted with OpenPose-18 kept, cut to the 50 Mimetics classes and linked
# to the videos:
#   python tools/data/convert_kinetics_skeleton.py kinetics-skeleton \
#       --layout openpose --out data/kinetics/kinetics400_openpose.pkl
#   python tools/data/build_class_subset.py \
#       data/kinetics/kinetics400_openpose.pkl \
#       --label-map kinetics-skeleton/kinetics_train_label.json \
#       --classes mimetics50.txt \
#       --out data/kinetics/kinetics50_openpose.pkl
#   python tools/data/link_videos.py data/kinetics/kinetics50_openpose.pkl \
#       data/kinetics/videos --out data/kinetics/kinetics50.pkl
# Frame folders instead of videos (the authors' frames, %06d.jpg from 1):
# link_videos.py --frames, and in each pipeline
#   dict(type='MMDecode', backend='frames', filename_tmpl='{:06d}.jpg',
#        video_root='data/kinetics/frames')
# The authors' settings (IntegralAction_RELEASE main/config.py): SGD lr 5e-3
# momentum 0.9 wd 1e-4, batch 8 x 4 GPUs, 30 epochs, lr x0.1 at 21 and 26;
# frames shorter side 256, a random box of {1, .875, .75, .66} x 224 per
# side (adjacent scales), flip 0.5, 224x224; pixels / 255, no mean/std.
# Test: 10 clips, centre 224 crop, softmax averaged. mmaction2's
# SampleFrames places the 10 clips at the centres of 10 equal parts, the
# reference from the first to the last possible start: a few frames apart.
# ImageNet initialisation (the published one): a torchvision ResNet-18 file,
#   --cfg-options model.rgb_backbone.pretrained=resnet18-f37072fd.pth \
#       model.rgb_backbone.pretrained2d=True
# (mmaction2 maps torchvision's names; 'torchvision://' needs torchvision,
# which this package does not install).
_base_ = ['../_base_/default_runtime.py']

num_classes = 50
num_frames = 8  # frames per clip (the TSM's segments)
layout = 'openpose'  # 18 joints, 17 PAF limbs: 52 pose-map channels
img_size = 224
ann_file = 'data/kinetics/kinetics50.pkl'
video_root = 'data/kinetics/videos'
splits = dict(train='train', val='val', test='val')

# the parts of the three stages (each stage's model takes what it uses)
rgb_backbone = dict(
    type='ResNetTSM',
    depth=18,
    num_segments=num_frames,
    shift_div=4,  # IntegralAction shifts 1/4 each way (mmaction2: 1/8)
    shift_place='blockres',
    pretrained=None,
    pretrained2d=False,
    norm_eval=False)
pose_backbone = dict(
    type='PoseResNetTSM',
    in_channels=52,  # 18 joint heatmaps + 2 x 17 limbs
    depth=18,
    num_segments=num_frames,
    shift_div=4,
    shift_place='blockres',
    norm_eval=False)
# rendered on the model's device: sigma 0.5 and PAF half-width 1 grid cell,
# scores <= 0.1 dropped, the best 5 persons per frame
pose_maps = dict(layout=layout, img_shape=(img_size, img_size), grid=56,
                 sigma=0.5, paf_sigma=1.0, score_thr=0.1, top_k=5)

model = dict(
    type='IntegralActionRecognizer',
    mode='rgb_only',
    num_segments=num_frames,
    rgb_backbone=rgb_backbone,
    cls_head=dict(
        type='TSMHead',
        num_classes=num_classes,
        in_channels=512,
        num_segments=num_frames,
        dropout_ratio=0.5,  # applied (the reference computes and drops it)
        average_clips='prob'),
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor', mean=[0., 0., 0.],
                      std=[255., 255., 255.], format_shape='NCHW'),
            keypoints=dict(type='ActionDataPreprocessor',
                           format_shape='NCHW'))))

train_pipeline = [
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=8,
         num_clips=1),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    dict(type='Resize', scale=(-1, 256)),
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
    dict(type='Resize', scale=(-1, 256)),
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
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='FormatFramePoses', max_persons=5),
    dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))
]

dataset = dict(type='PoseDataset', ann_file=ann_file,
               data_prefix=dict(video=video_root), num_classes=num_classes)
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(dataset, split=splits['train'], pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, split=splits['val'], pipeline=val_pipeline,
                 test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, split=splits['test'], pipeline=test_pipeline,
                 test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

max_epochs = 30
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[21, 26], gamma=0.1)
]
# lr for 4 GPUs x 8 clips; --auto-scale-lr scales it to your batch
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=5e-3, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=False, base_batch_size=32)
