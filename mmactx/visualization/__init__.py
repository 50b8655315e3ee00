from .skeleton import PERSON_COLORS, draw_skeletons
from .video import (drawing_scale, frames_of, heatmap_frames, open_video,
                    put_text_lines, video_writer, write_image, write_video)

__all__ = [
    'PERSON_COLORS', 'drawing_scale', 'draw_skeletons', 'heatmap_frames',
    'put_text_lines', 'video_writer', 'write_image', 'write_video',
    'frames_of', 'open_video'
]
