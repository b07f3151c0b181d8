"""Gradient accumulation as a low-memory classifier setting: peak memory and accuracy, ULMFiT classifier on BBC News.

Every layer of `classifier_learner` (07, the shipped pretrained encoder, as in `bench_techniques.py`, whose data
split it reuses: a development split carved from the training pool, never the test part) is trained with
one-cycle for `epochs` epochs in three settings: batches of 32; batches of 8 with `GradientAccumulation(4)`
(one step per 32 documents, as with batches of 32); batches of 8 alone (4 times as many steps). Each setting
runs in a fresh process (spawned), so that its peak memory is its own: `peak_rss_rise_mb` is how much the
fit raised the process's peak resident memory (`ru_maxrss`) above where it stood before the fit, which is
what the batch size changes (activations kept for the backward pass, padded batches); `peak_rss_mb` is the
process's whole peak. Two configurations (`BENCH_GRAD_ACCUM=short|long`): documents cut to 192 tokens, 200
training documents, 2 epochs (accuracy); documents cut to 1,024 tokens, 64 training documents, 1 epoch (memory).
"""
import multiprocessing as mp, os, resource, sys, time
from pathlib import Path
import torch

HERE = Path(__file__).resolve().parent

from bench_techniques import _learner, _dev_scores, data_fingerprint
from ulmfit_nb.learner import GradientAccumulation
from ulmfit_nb.ulmfit import ULMFIT_MOMS
ROW_KEY = ('variant', 'seed', 'max_len')
SETTINGS = (('bs32', 32, 1), ('bs8_accum4', 8, 4), ('bs8', 8, 1))

def _child(q, seed, bs, n_accum, max_len, n_train, n_dev, epochs):
    torch.set_num_threads(1)
    learn, _ = _learner(seed, bs=bs, max_len=max_len, n_train=n_train, n_dev=n_dev)
    learn.unfreeze()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    learn.fit_one_cycle(epochs, 5e-3, moms=ULMFIT_MOMS, cbs=GradientAccumulation(n_accum) if n_accum > 1 else None)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # KiB on Linux
    q.put(dict(peak_rss_rise_mb=round((peak - before) / 1024, 1), peak_rss_mb=round(peak / 1024, 1),
               **_dev_scores(learn), seconds=round(secs, 1), data=data_fingerprint()))

CONFIGS = {'short': dict(max_len=192, n_train=200, n_dev=200, epochs=2),   # accuracy after a short fine-tuning
           'long': dict(max_len=1024, n_train=64, n_dev=64, epochs=1)}    # longer documents: memory
def run(quick=False, seeds=(0,)):
    "`BENCH_GRAD_ACCUM=short` (default) or `long`"
    c = CONFIGS[os.environ.get('BENCH_GRAD_ACCUM', 'short')]
    max_len, n_train, n_dev, epochs = c['max_len'], c['n_train'], c['n_dev'], c['epochs']
    if quick: n_train, n_dev, epochs = 64, 64, 1
    from bench_grad_accum import _child   # by its module name, so that a spawned process can find it (run.py loads files by path)
    rows, ctx = [], mp.get_context('spawn')
    for seed in seeds:
        for name, bs, n in SETTINGS:
            q = ctx.Queue()
            p = ctx.Process(target=_child, args=(q, seed, bs, n, max_len, n_train, n_dev, epochs)); p.start()
            res = q.get(); p.join()
            r = dict(variant=name, seed=seed, batch_size=bs, accumulate=n, max_len=max_len, n_train=n_train, n_dev=n_dev,
                     epochs=epochs, **res)
            print(r, flush=True); rows.append(r)
    return rows

if __name__ == '__main__':
    for r in run('--quick' in sys.argv): print(r)
