from .video import heatmap_frames, put_text_lines, write_video

__all__ = ['heatmap_frames', 'put_text_lines', 'write_video']
