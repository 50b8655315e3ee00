# Limb heatmaps rendered on the model's device: device_joint.py with the limb
# volume (17 limbs in the published limb-config order) instead of the joints.
_base_ = ['device_joint.py']

# mmactx.skeletons.COCO_POSEC3D_LIMBS and its left/right limb pairs
device_skeletons = [[0, 5], [0, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11],
                    [11, 13], [13, 15], [6, 12], [12, 14], [14, 16], [0, 1],
                    [0, 2], [1, 3], [2, 4], [11, 12]]
device_renderer = dict(with_kp=False, with_limb=True,
                       skeletons=device_skeletons,
                       left_limb=[0, 2, 3, 6, 7, 8, 12, 14],
                       right_limb=[1, 4, 5, 9, 10, 11, 13, 15])
device_model = dict(data_preprocessor=dict(renderer=device_renderer))
