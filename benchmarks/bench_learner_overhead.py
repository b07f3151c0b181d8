"""Learner overhead per batch vs a bare PyTorch loop (same model, data, optimizer; median of runs)."""
import statistics, time
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ulmfit_nb.learner import Learner, DataLoaders, set_seed, accuracy

def _data(n=16384, n_in=256, n_cls=10, bs=64):
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(n, n_in, generator=g), torch.randint(0, n_cls, (n,), generator=g)
    return DataLoaders(DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True),
                       DataLoader(TensorDataset(x[:2048], y[:2048]), batch_size=bs))

def _model(n_in=256, n_hid=512, n_cls=10):
    return nn.Sequential(nn.Linear(n_in, n_hid), nn.ReLU(), nn.Linear(n_hid, n_hid), nn.ReLU(), nn.Linear(n_hid, n_cls))

def bare_loop(dls, model, epochs):
    "What one would write by hand: AdamW, train pass, then a validation pass with loss and accuracy"
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    loss_func = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for x, y in dls.train:
            loss = loss_func(model(x), y)
            loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        model.eval()
        with torch.no_grad():
            tot, acc, n = 0., 0., 0
            for x, y in dls.valid:
                p = model(x); tot += loss_func(p, y).item() * len(y); acc += (p.argmax(-1) == y).float().sum().item(); n += len(y)

def learner_loop(dls, model, epochs, progress):
    Learner(dls, model, lr=1e-3, metrics=accuracy, progress=progress, device='cpu').fit(epochs)

def _time(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t

def run(quick=False):
    reps, epochs = (3, 1) if quick else (7, 1)
    dls = _data()
    n_batches = epochs * (len(dls.train) + len(dls.valid))
    times = {'bare loop': [], 'Learner, progress text': [], 'Learner, silent': []}
    import contextlib, io
    for r in range(reps + 1):  # the first round warms up and is dropped; variants interleave so drift hits all alike
        for name in times:
            set_seed(r); model = _model()
            if name == 'bare loop': t = _time(lambda: bare_loop(dls, model, epochs))
            else:
                with contextlib.redirect_stdout(io.StringIO()):  # the text lines cost the same, just not shown here
                    t = _time(lambda: learner_loop(dls, model, epochs, 'text' if 'text' in name else 'silent'))
            if r: times[name].append(t)
    base = statistics.median(times['bare loop'])
    return [dict(variant=k, batches=n_batches, median_s=statistics.median(v), ms_per_batch=1e3 * statistics.median(v) / n_batches,
                 overhead_pct=100 * (statistics.median(v) / base - 1), runs=len(v)) for k, v in times.items()]
