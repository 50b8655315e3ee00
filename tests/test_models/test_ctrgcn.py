"""CTR-GCN backbone and the spatial graph built from the layouts."""
import numpy as np
import pytest
import torch

from mmactx.models.backbones import CTRGCN
from mmactx.models.backbones.ctrgcn import UnitGCN
from mmactx.models.graph import spatial_graph
from mmactx.registry import MODELS
from mmactx.skeletons import SkeletonLayout


def test_spatial_graph_by_hand():
    # a chain 2 -> 1 -> 0 plus 3 -> 1: inward edges (child, parent)
    layout = SkeletonLayout('toy', ('a', 'b', 'c', 'd'),
                            ((1, 0), (2, 1), (3, 1)), (), (), 0)
    a = spatial_graph(layout)
    assert a.shape == (3, 4, 4) and a.dtype == np.float32
    np.testing.assert_array_equal(a[0], np.eye(4))
    inward = np.zeros((4, 4))
    inward[0, 1] = inward[1, 2] = inward[1, 3] = 1  # A[parent, child]
    np.testing.assert_array_equal(a[1], inward)  # one edge per column
    outward = np.zeros((4, 4))
    outward[1, 0] = 1
    outward[2, 1] = outward[3, 1] = 0.5  # joint 1 sends to 2 and 3
    np.testing.assert_array_equal(a[2], outward)


@pytest.mark.parametrize('layout,joints', [('nturgb+d', 25), ('coco', 17),
                                           ('nw-ucla', 20),
                                           ('openpose', 18)])
def test_shapes_for_each_layout(layout, joints):
    model = CTRGCN(layout=layout, base_channels=8, num_person=2)
    model.init_weights()
    out = model(torch.randn(2, 2, 16, joints, 3))
    assert out.shape == (2, 2, 32, 4, joints)  # two temporal strides of 2


def test_published_size_and_init():
    model = MODELS.build(dict(type='CTRGCN'))
    model.init_weights()
    head = 256 * 60 + 60
    total = sum(p.numel() for p in model.parameters()) + head
    assert abs(total / 1.46e6 - 1) < 0.01  # CTR-GCN: 1.46M parameters
    units = [m for m in model.modules() if isinstance(m, UnitGCN)]
    assert len(units) == 10
    assert all((u.bn.weight == 1e-6).all() and (u.alpha == 0).all()
               for u in units)
    torch.testing.assert_close(units[0].PA.data,
                               torch.from_numpy(spatial_graph('nturgb+d')))
    assert [u.bn.num_features for u in units] == [64] * 4 + [128] * 3 + \
        [256] * 3
    with pytest.raises(ValueError, match='expects'):
        model(torch.randn(1, 2, 8, 17, 3))


def test_inception_v3_shapes_and_torchvision_style_weights(tmp_path):
    from mmactx.models.backbones import InceptionV3
    net = InceptionV3()
    # torchvision's inception_v3 has 27.16M parameters with its 3.33M
    # auxiliary head and 2.05M classifier, neither of which is here
    assert sum(p.numel() for p in net.parameters()) == 21785568
    net.eval()
    with torch.no_grad():
        assert net(torch.rand(1, 3, 75, 75)).shape == (1, 2048, 1, 1)
        assert net(torch.rand(1, 3, 299, 299)).shape == (1, 2048, 8, 8)
    # a checkpoint with torchvision's extra heads loads by name
    state = {k: torch.rand_like(v) if v.is_floating_point() else v
             for k, v in net.state_dict().items()}
    state['fc.weight'] = torch.rand(1000, 2048)
    state['AuxLogits.fc.weight'] = torch.rand(1000, 768)
    torch.save(state, str(tmp_path / 'inception.pth'))
    loaded = MODELS.build(dict(type='InceptionV3', init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'inception.pth'))))
    loaded.init_weights()
    torch.testing.assert_close(loaded.Mixed_7c.branch_pool.conv.weight,
                               state['Mixed_7c.branch_pool.conv.weight'])
