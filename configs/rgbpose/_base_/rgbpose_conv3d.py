# RGBPose-Conv3D (PoseC3D paper, Sec. 3.4): a SlowFast-like two-stream 3D
# CNN with an RGB pathway (ResNet3dSlowOnly-R50, 8 frames at 224^2) and a
# pose pathway (the PoseC3D SlowOnly of stages (4, 6, 3), 32 heatmap frames
# at 56^2), joined by bidirectional lateral connections (early fusion) and
# a head with one classifier per stream (late fusion). mmaction2's classes
# (RGBPoseConv3D, RGBPoseHead, MMRecognizer3D, MultiModalDataPreprocessor)
# are reused as they are.
# Every number: mmaction2 1.2.0
# configs/skeleton/posec3d/rgbpose_conv3d/rgbpose_conv3d.py, identical to
# pyskl configs/rgbpose_conv3d/rgbpose_conv3d.py (see
# ../shared/reference/posec3d.md, "RGBPoseConv3D").
backbone_cfg = dict(
    type='RGBPoseConv3D',
    # RGB : pose frames = 1 : 4; RGB : pose channels = 2 : 1 per stage
    speed_ratio=4,
    channel_ratio=4,
    rgb_pathway=dict(
        num_stages=4,
        lateral=True,
        lateral_infl=1,
        # pose -> RGB features are concatenated before layer3 and layer4
        lateral_activate=[0, 0, 1, 1],
        fusion_kernel=7,
        base_channels=64,
        conv1_kernel=(1, 7, 7),
        inflate=(0, 0, 1, 1),
        with_pool2=False),
    pose_pathway=dict(
        num_stages=3,
        stage_blocks=(4, 6, 3),
        lateral=True,
        lateral_inv=True,
        lateral_infl=16,
        # RGB -> pose features are concatenated before layer2 and layer3
        lateral_activate=(0, 1, 1),
        fusion_kernel=7,
        in_channels=17,  # COCO-17 keypoint heatmaps
        base_channels=32,
        out_indices=(2, ),
        conv1_kernel=(1, 7, 7),
        conv1_stride_s=1,
        conv1_stride_t=1,
        pool1_stride_s=1,
        pool1_stride_t=1,
        inflate=(0, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 1),
        dilations=(1, 1, 1),
        with_pool2=False))
head_cfg = dict(
    type='RGBPoseHead',
    num_classes=60,
    in_channels=[2048, 512],
    # one cross-entropy per stream, summed 1:1
    loss_components=['rgb', 'pose'],
    loss_weights=[1., 1.],
    # test: each stream averages the softmax of its clips
    average_clips='prob')
data_preprocessor = dict(
    type='MultiModalDataPreprocessor',
    preprocessors=dict(
        # ImageNet mean / std of RGB frames (pyskl's img_norm_cfg)
        imgs=dict(
            type='ActionDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            format_shape='NCTHW'),
        heatmap_imgs=dict(type='ActionDataPreprocessor')))
# mmaction2's MMRecognizer3D, running the 10 test clips 2 at a time (same
# scores; peak RSS of one CPU test sample +0.76 GB instead of +1.5 GB)
model = dict(
    type='ChunkedMMRecognizer3D',
    backbone=backbone_cfg,
    cls_head=head_cfg,
    data_preprocessor=data_preprocessor,
    test_cfg=dict(max_testing_views=2))
