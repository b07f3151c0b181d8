"""Mixed-precision training speed of the paper-size AWD-LSTM LM (tokens/s): fp32 vs the lesson's fp16 (MixedPrecision) vs autocast fp16 (GradScaler) vs autocast bf16, bs 64, bptt 70.

The model is `lm_learner` with AWDConfig() (400/1152/3, all the dropouts, AR/TAR, GradientClip(0.1), AdamW),
switched with `learn.to_precision(p)`, trained on random token ids over a vocabulary of `vocab` words. Each
precision runs `n_warm` warm-up batches and then `n` timed ones; the table gives the median time per batch,
tokens/s and the speed relative to fp32 measured in the same run (`speedup` > 1 is faster than fp32).

On a GPU (the device used when CUDA is available) the vocabulary is fastai's usual 60k, 20 batches are timed
with `torch.cuda.synchronize()` around each, and the target is autocast fp16 at least 1.5x fp32. On a CPU
the run is kept short: 10k words, 1 warm-up and 2 timed batches per precision, except fp16-scratch, whose
fp16 LSTM runs on PyTorch's generic kernel (one fp16 matrix product per time step, emulated on a CPU
without fp16 arithmetic) and takes minutes per batch: 1 timed batch, no warm-up. `--quick` on a CPU: 2k
words, bs 16, bptt 20. There is no CPU target, since a CPU without fp16/bf16 arithmetic is slower in every
low precision; the numbers record by how much. On a CPU fp32 runs first and again last, so that a change
of load on the machine during the run shows as a difference between its two rows.
"""
import math, statistics, time
import torch

from ulmfit_nb.learner import Callback, DataLoaders, set_seed
from ulmfit_nb.tokenize import Vocab, SPECIAL_TOKENS
from ulmfit_nb.awd_lstm import AWDConfig, lm_learner
from ulmfit_nb.mixed_precision import MixedPrecision, AutoMixedPrecision, lstm_autocast_supported

from bench_awd_lstm import _device_name, BatchTimer   # the same device label and batch timer (benchmarks/ is on sys.path: run.py lives there)

def _time(precision, cfg, vocab, batches, device, sync, n_warm):
    set_seed(0)
    dls = DataLoaders(batches); dls.vocab = vocab
    timer = BatchTimer(sync)
    learn = lm_learner(dls, cfg, cbs=timer, progress='silent', device=device).to_precision(precision)
    learn.fit(1, lr=1e-3)
    losses = learn.recorder.losses
    skipped = sum(sum(cb.skipped) for cb in learn.cbs if isinstance(cb, (MixedPrecision, AutoMixedPrecision)))
    return timer.times[n_warm:], losses, skipped

def run(quick=False):
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    gpu = device.type == 'cuda'
    sync = (lambda: torch.cuda.synchronize(device)) if gpu else (lambda: None)
    if gpu: vocab_sz, bs, bptt, n_warm, n = (10_000 if quick else 60_000), 64, 70, 3, (5 if quick else 20)
    else: vocab_sz, bs, bptt, n_warm, n = (2_000, 16, 20, 1, 1) if quick else (10_000, 64, 70, 1, 2)
    # (warm-up, timed) batches per precision: on a CPU, fp16-scratch gets one timed batch and no warm-up
    counts = {p: ((0, 1) if (p == 'fp16-scratch' and not gpu) else (n_warm, n)) for p in ['fp32', 'fp16-scratch', 'fp16', 'bf16']}
    cfg = AWDConfig()
    vocab = Vocab(list(SPECIAL_TOKENS) + [f'w{i}' for i in range(vocab_sz - len(SPECIAL_TOKENS))])
    g = torch.Generator().manual_seed(0)
    t = torch.randint(len(SPECIAL_TOKENS), vocab_sz, (n_warm + n, bs, bptt + 1), generator=g)
    batches = [(b[:, :-1].to(device), b[:, 1:].to(device)) for b in t]   # the first n_warm + n are used
    order = ['fp32', 'fp16-scratch', 'fp16', 'bf16'] + ([] if gpu else ['fp32'])
    res = []
    for p in order:
        w, k = counts[p]
        times, losses, skipped = _time(p, cfg, vocab, batches[:w + k], device, sync, w)
        res.append((p, statistics.median(times), len(times), losses, skipped))
        print(f'  {p}: {statistics.median(times) * 1e3:,.0f} ms/batch', flush=True)
    ref = statistics.median([r[1] for r in res if r[0] == 'fp32'])
    lstm_ac = {dt: lstm_autocast_supported(device.type, d) for dt, d in [('bf16', torch.bfloat16), ('fp16', torch.float16)]}
    rows, seen = [], set()
    for p, med, nb, losses, skipped in res:
        target = ''
        if p == 'fp16': target = ('>= 1.5x: ' + ('met' if ref / med >= 1.5 else 'not met')) if gpu else 'none on CPU'
        rows.append(dict(device=_device_name(device), precision=p + (' (again)' if p in seen else ''), vocab=vocab_sz, bs=bs,
                         bptt=bptt, median_ms=1e3 * med, tokens_per_s=bs * bptt / med, speedup=ref / med, batches=nb,
                         losses_finite=all(math.isfinite(l) for l in losses), skipped_steps=skipped,
                         lstm_in_autocast=lstm_ac.get(p, ''), target=target))
        seen.add(p)
    return rows
