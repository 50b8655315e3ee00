from .human_parsing import (HumanParser, TorchHumanParser, letterbox,
                            load_parser, person_boxes)
from .pose_extraction import (BACKENDS, FramePoses, MediaPipePoseEstimator,
                              MMPosePoseEstimator, PoseEstimator,
                              PrecomputedPoses, boxes_from_poses,
                              build_pose_estimator, mediapipe_pose_task,
                              save_poses)
from .recognition import (SkeletonRecognizer, frame_windows,
                          fuse_stream_scores, init_recognizer, model_streams,
                          parse_stream_weights, pipeline_reads_video,
                          skeleton_record, window_bounds)
from .tracking import track_persons

__all__ = [
    'BACKENDS', 'FramePoses', 'HumanParser', 'MMPosePoseEstimator',
    'MediaPipePoseEstimator', 'PoseEstimator', 'PrecomputedPoses',
    'SkeletonRecognizer', 'TorchHumanParser', 'boxes_from_poses',
    'build_pose_estimator', 'frame_windows', 'fuse_stream_scores',
    'init_recognizer', 'letterbox', 'load_parser', 'mediapipe_pose_task',
    'model_streams', 'parse_stream_weights', 'person_boxes',
    'pipeline_reads_video', 'save_poses', 'skeleton_record', 'track_persons',
    'window_bounds'
]
