"""SRHMDataset: the sampled data, one-hot on the fly, through DataLoader workers."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import srhm
import srhm.torch


def test_items_are_the_one_hot_rows_of_rules_sample(small):
    rules = srhm.Rules(small, seed=5)
    data = rules.sample(300, 60, sample_seed=9)
    train, test = srhm.torch.SRHMDataset.splits(rules, 300, 60, sample_seed=9)
    assert (len(train), len(test)) == (300, 60)
    for dataset, split in ((train, data.train), (test, data.test)):
        x, y = dataset.tensors()
        np.testing.assert_array_equal(x.numpy(), srhm.one_hot(split.tokens, small.vocab))
        np.testing.assert_array_equal(y.numpy(), split.labels)
        item_x, item_y = dataset[-1]
        assert torch.equal(item_x, x[-1]) and int(item_y) == int(split.labels[-1])
    alone = srhm.torch.SRHMDataset(rules, 300, 60, split="test", sample_seed=9)
    np.testing.assert_array_equal(alone.indices, test.indices)
    with pytest.raises(IndexError):
        train[300]


def test_a_dataloader_with_two_workers_gives_the_same_batches(small):
    rules = srhm.Rules(small, seed=1)
    rules.sample(5000)  # the parent's thread pool is up before the workers fork
    dataset = srhm.torch.SRHMDataset(rules, 1000, 100, whitened=True)
    serial = list(DataLoader(dataset, batch_size=128))
    parallel = list(DataLoader(dataset, batch_size=128, num_workers=2))
    assert len(serial) == len(parallel) == 8
    for (x0, y0), (x1, y1) in zip(serial, parallel):
        assert torch.equal(x0, x1) and torch.equal(y0, y1)
    everything_x = torch.cat([x for x, _ in parallel])
    assert torch.equal(everything_x, dataset.tensors()[0])


def test_the_2d_layout_and_its_refusal():
    params = srhm.Params(levels=2, patch=4, vocab=4, synonyms=4, classes=4, sparsity="a", s0=3)
    dataset = srhm.torch.SRHMDataset(srhm.Rules(params, seed=0), 20, layout="2d")
    x, y = dataset[0]
    assert tuple(x.shape) == (4, 16, 16) and y.dtype == torch.int64
    flat = srhm.torch.SRHMDataset(srhm.Rules(params, seed=0), 20)
    assert torch.equal(torch.sort(x.flatten(1), dim=1).values, torch.sort(flat[0][0], dim=1).values)
    with pytest.raises(ValueError, match="`layout`"):
        srhm.torch.SRHMDataset(srhm.Rules(srhm.Params(levels=2, patch=2, vocab=4, synonyms=4,
                                                      classes=4), seed=0), 20, layout="2d")


def test_a_small_network_learns_from_it():
    """End to end, as the README's example: a linear read-out of one-hot inputs fits
    a few hundred data (train error falls well below chance)."""
    torch.manual_seed(0)
    rules = srhm.Rules(srhm.Params(levels=2, patch=2, vocab=8, synonyms=8, classes=4), seed=0)
    train = srhm.torch.SRHMDataset(rules, 512)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8 * 4, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 4))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = train.tensors()
    for _ in range(300):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimiser.step()
    error = (model(x).argmax(1) != y).float().mean().item()
    assert error < 0.1
