from .human_parsing import (HumanParser, TorchHumanParser, letterbox,
                            load_parser, person_boxes)

__all__ = [
    'HumanParser', 'TorchHumanParser', 'letterbox', 'load_parser',
    'person_boxes'
]
