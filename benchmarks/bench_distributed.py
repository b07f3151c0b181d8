"""Language-model training tokens/s: 1 process x 2 threads against 2 processes x 1 thread (DDP over gloo), same batch of the group.

Each configuration is a fresh group started by `ulmfit_nb.distributed.launch` (torchrun): the tiny AWD-LSTM LM (300/300/2,
the shipped model's size, LM dropouts x0.3 as in the main job) on BBC News (vocab 12,000, bs 64 rows of 70 tokens in all:
one process reads 64 rows, each of two processes 32), AdamW, `DistributedCallback` added in both. The timed batches
follow warm-up batches; tokens/s counts the tokens of the whole group between the end of the last warm-up batch and
the end of the last timed one. The machine's load average is recorded with each row: on a shared machine it says
how far the figures are from a quiet one. The first configuration is measured again last, to show drift."""
import json, os, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS_PER_STEP, BPTT = 64, 70

def worker(bs: int, n_warm: int, n_timed: int, threads: int):
    "One process of the group: time `n_warm + n_timed` training batches; rank 0 prints the batch end times as JSON"
    import numpy as np, torch
    from ulmfit_nb.learner import Callback, set_seed
    from ulmfit_nb.data import bbc_news
    from ulmfit_nb.tokenize import tokenize_corpus
    from ulmfit_nb.batching import lm_dataloaders
    from ulmfit_nb.awd_lstm import lm_learner, tiny_lm_config
    from ulmfit_nb.ulmfit import BatchLimit
    from ulmfit_nb.distributed import DistributedCallback, destroy_distributed, init_distributed, is_rank0, rank0_first, world_size
    torch.set_num_threads(threads)
    init_distributed(timeout=1800)
    set_seed(0)
    bbc = bbc_news().split(0.2, seed=42)
    with rank0_first(): store = tokenize_corpus(bbc, max_vocab=12000, progress=False)
    dls = lm_dataloaders(store, np.asarray(bbc.is_valid), bs=bs, bptt=BPTT)
    dls.train, dls.valid = BatchLimit(dls.train, n_warm + n_timed), None
    class Times(Callback):
        order = 100
        def before_fit(self): self.ends = []
        def after_batch(self):
            if self.training: self.ends.append(time.perf_counter())
    times = Times()
    learn = lm_learner(dls, tiny_lm_config, drop_mult=0.3, progress='silent', cbs=[DistributedCallback(), times])
    learn.fit(1, lr=1e-3)
    if is_rank0():
        print('BENCH ' + json.dumps(dict(ends=times.ends, world=world_size(), vocab=len(store.vocab), rows=bs * world_size())), flush=True)
    destroy_distributed()

def measure(name: str, nproc: int, threads: int, n_warm: int, n_timed: int) -> dict:
    from ulmfit_nb.distributed import launch
    load = os.getloadavg()[0]
    r = launch([__file__, '--worker', ROWS_PER_STEP // nproc, n_warm, n_timed, threads], nproc, timeout=3600, threads=threads)
    if r.returncode: raise RuntimeError(f'{name} failed:\n{r.stderr[-3000:]}')
    res = json.loads(next(l[6:] for l in r.stdout.splitlines() if l.startswith('BENCH ')))
    ends = res['ends']
    secs = ends[-1] - ends[n_warm - 1]
    tokens = res['rows'] * BPTT * n_timed
    return dict(config=name, processes=nproc, threads_each=threads, rows_per_process=ROWS_PER_STEP // nproc,
                timed_batches=n_timed, ms_per_batch=1000 * secs / n_timed, tokens_per_s=tokens / secs,
                load_before=round(load, 2), load_after=round(os.getloadavg()[0], 2))

def run(quick=False):
    n_warm, n_timed = (1, 2) if quick else (2, 8)
    configs = [('1 process x 2 threads', 1, 2), ('2 processes x 1 thread', 2, 1)]
    if not quick: configs += [('1 process x 1 thread', 1, 1), ('1 process x 2 threads (again)', 1, 2)]
    rows = [measure(name, n, t, n_warm, n_timed) for name, n, t in configs]
    base = rows[0]['tokens_per_s']
    for r in rows: r['speed_vs_first'] = r['tokens_per_s'] / base
    return rows

if __name__ == '__main__' and sys.argv[1:2] == ['--worker']:
    worker(*map(int, sys.argv[2:6]))
