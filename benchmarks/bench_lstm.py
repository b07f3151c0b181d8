"""LSTM layer speed: Python loop vs fused (hand-written BPTT) vs nn.LSTM, forward and forward+backward (bs 64, seq 70, 300->300).

The lesson-12 benchmark. Each variant is one `ulmfit_nb.rnn.LSTM` layer (or `nn.LSTM`) with the same
weights; `fwd` runs under `torch.no_grad()`, `fwd+bwd` backpropagates `output.sum()`. Runs are
interleaved (one of each variant per round, the first round dropped as warm-up) so that load from other
jobs hits all variants alike; the table gives the median and the ratio to nn.LSTM measured in the same
run. On the CPU the table is measured with PyTorch's default thread count and again with one thread:
many small operations split over all threads are what suffers most when other jobs compete for the cores,
so the single-thread rows are the steadier comparison on a shared machine. On a GPU (when CUDA is
available) the same table is measured again, with `torch.cuda.synchronize()` around each run; nn.LSTM is
then cuDNN.
"""
import statistics, time
import torch
from torch import nn

from ulmfit_nb.rnn import LSTM

def _device_name(device):
    if device.type == 'cuda': return torch.cuda.get_device_name(device)
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except Exception: return 'cpu'

def _variants(device, bs, seq_len, n):
    torch.manual_seed(0)
    ref = nn.LSTM(n, n, batch_first=True).to(device)
    x = torch.randn(bs, seq_len, n, device=device)
    models = {'Python loop': LSTM.from_torch(ref, 'loop'), 'fused': LSTM.from_torch(ref, 'fused'), 'nn.LSTM': ref}
    def fwd(m):
        def f():
            with torch.no_grad(): m(x)
        return f
    def fwd_bwd(m):
        def f():
            m(x)[0].sum().backward()
            for p in m.parameters(): p.grad = None
        return f
    return {(k, 'fwd'): fwd(m) for k, m in models.items()} | {(k, 'fwd+bwd'): fwd_bwd(m) for k, m in models.items()}

def _time(fns, reps, device):
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    ts = {k: [] for k in fns}
    for r in range(reps + 1):
        for k, f in fns.items():
            sync(); t = time.perf_counter(); f(); sync()
            if r: ts[k].append(1e3 * (time.perf_counter() - t))
    return ts

def run(quick=False, bs=64, seq_len=70, n=300):
    reps = 3 if quick else 11
    n_threads = torch.get_num_threads()
    configs = [('cpu', n_threads)] + ([('cpu', 1)] if n_threads > 1 else []) + ([('cuda', n_threads)] if torch.cuda.is_available() else [])
    rows = []
    try:
        for dev, threads in configs:
            device = torch.device(dev); torch.set_num_threads(threads)
            ts = _time(_variants(device, bs, seq_len, n), reps, device)
            med = {k: statistics.median(v) for k, v in ts.items()}
            for mode in ('fwd', 'fwd+bwd'):
                for variant in ('Python loop', 'fused', 'nn.LSTM'):
                    t = ts[(variant, mode)]
                    rows.append(dict(device=_device_name(device), threads=threads if dev == 'cpu' else '', mode=mode, variant=variant,
                                     median_ms=med[(variant, mode)], min_ms=min(t),
                                     vs_nn_lstm=med[(variant, mode)] / med[('nn.LSTM', mode)], runs=len(t)))
    finally: torch.set_num_threads(n_threads)
    return rows
