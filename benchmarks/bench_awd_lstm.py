"""AWD-LSTM language-model training speed (tokens/s): the Learner with dropouts, AR/TAR and clipping vs a bare nn.LSTM loop of the same sizes (bs 64, bptt 70).

Two configurations: the lesson's tiny model (300/300/2) and the paper-size one (400/1152/3), on random token
ids over a vocabulary of `vocab_sz` words (decoder cost grows with it). `learner` is `lm_learner` (weight,
embedding, input, hidden and output dropout, AR/TAR, GradientClip(0.1), AdamW with one-cycle); `bare` is
embedding + nn.LSTM layers + tied linear decoder, no dropout, the same AdamW, a plain loop. Each variant
runs 2 warm-up batches and then `n` timed ones, in alternating blocks so that load from other jobs hits both
alike; the table gives the median time per batch, tokens/s and the ratio learner/bare measured in the same run.
On a GPU (when CUDA is available) the same is measured again with `torch.cuda.synchronize()` around each batch.
"""
import statistics, time
import torch
from torch import nn
import torch.nn.functional as F

from ulmfit_nb.learner import Callback, DataLoaders, set_seed
from ulmfit_nb.tokenize import Vocab, SPECIAL_TOKENS
from ulmfit_nb.awd_lstm import AWDConfig, lm_learner, lm_loss

def _device_name(device):
    if device.type == 'cuda': return torch.cuda.get_device_name(device)
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')) + f' ({torch.get_num_threads()} threads)'
    except Exception: return 'cpu'

class BareLM(nn.Module):
    "Embedding, nn.LSTM layers (the last one outputs emb_sz), tied decoder: no dropout, no regularisation"
    def __init__(self, vocab_sz, cfg):
        super().__init__()
        self.emb = nn.Embedding(vocab_sz, cfg.emb_sz)
        sizes = [cfg.emb_sz] + [cfg.n_hid] * (cfg.n_layers - 1) + [cfg.emb_sz]
        self.rnns = nn.ModuleList([nn.LSTM(a, b, batch_first=True) for a, b in zip(sizes[:-1], sizes[1:])])
        self.dec = nn.Linear(cfg.emb_sz, vocab_sz); self.dec.weight = self.emb.weight
        self.hidden = [None] * cfg.n_layers
    def forward(self, x):
        out = self.emb(x)
        for l, rnn in enumerate(self.rnns):
            out, h = rnn(out, self.hidden[l])
            self.hidden[l] = tuple(t.detach() for t in h)
        return self.dec(out)

class BatchTimer(Callback):
    "Wall time of each training batch"
    order = 100
    def __init__(self, sync): self.sync, self.times = sync, []
    def before_batch(self): self.sync(); self.t = time.perf_counter()
    def after_batch(self): self.sync(); self.times.append(time.perf_counter() - self.t)

def _batches(n, bs, bptt, vocab_sz, device):
    g = torch.Generator().manual_seed(0)
    t = torch.randint(len(SPECIAL_TOKENS), vocab_sz, (n, bs, bptt + 1), generator=g)
    return [(b[:, :-1].to(device), b[:, 1:].to(device)) for b in t]

def _learner_times(cfg, vocab, batches, device, sync, n_warm):
    dls = DataLoaders(batches, None); dls.vocab = vocab
    timer = BatchTimer(sync)
    learn = lm_learner(dls, cfg, cbs=timer, progress='silent', device=device)
    learn.fit_one_cycle(1, 2e-3)
    return timer.times[n_warm:]

def _bare_times(cfg, vocab_sz, batches, device, sync, n_warm):
    model = BareLM(vocab_sz, cfg).to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    times = []
    for x, y in batches:
        sync(); t = time.perf_counter()
        loss = lm_loss(model(x), y)
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        sync(); times.append(time.perf_counter() - t)
    return times[n_warm:]

def run(quick=False, bs=64, bptt=70, vocab_sz=20_000):
    configs = {'tiny 300/300/2': AWDConfig(emb_sz=300, n_hid=300, n_layers=2),
               'paper 400/1152/3': AWDConfig(emb_sz=400, n_hid=1152, n_layers=3)}
    vocab = Vocab(list(SPECIAL_TOKENS) + [f'w{i}' for i in range(vocab_sz - len(SPECIAL_TOKENS))])
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
        n_warm, n = 2, (4 if quick else 10) if device.type == 'cpu' else (10 if quick else 20)
        blocks = 1 if quick else 2          # alternate learner/bare blocks of n batches each
        for name, cfg in configs.items():
            set_seed(0)
            batches = _batches(n_warm + n, bs, bptt, vocab_sz, device)
            ts = {'learner': [], 'bare': []}
            for _ in range(blocks):
                ts['learner'] += _learner_times(cfg, vocab, batches, device, sync, n_warm)
                ts['bare'] += _bare_times(cfg, vocab_sz, batches, device, sync, n_warm)
            med = {k: statistics.median(v) for k, v in ts.items()}
            for k in ('learner', 'bare'):
                rows.append(dict(device=_device_name(device), config=name, variant=k, vocab=vocab_sz,
                                 median_ms=1e3 * med[k], tokens_per_s=bs * bptt / med[k],
                                 vs_bare=med[k] / med['bare'], batches=len(ts[k])))
    return rows
