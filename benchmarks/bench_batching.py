"""LM loader throughput and time to first batch on the State of the Union store; pad share on BBC News (SortishSampler vs random)."""
import statistics, tempfile, time, warnings
from functools import partial
import torch
from torch.utils.data import DataLoader, RandomSampler

from ulmfit_nb.data import sotu_speeches, bbc_news
from ulmfit_nb.tokenize import tokenize_corpus, TokenStore
from ulmfit_nb.batching import lm_dataloaders, cls_dataloaders, pad_collate, pad_share

def run(quick=False):
    warnings.simplefilter('ignore')
    rows, reps = [], 2 if quick else 5
    sotu = sotu_speeches().split(valid_pct=0.1, seed=42, stratify=False)
    with tempfile.TemporaryDirectory() as d:
        tokenize_corpus(sotu.texts, fingerprint=sotu.fingerprint, cache_dir=d, progress=False)
        t = time.perf_counter()
        store = tokenize_corpus(sotu.texts, fingerprint=sotu.fingerprint, cache_dir=d, progress=False)  # cached: memory-mapped
        dls = lm_dataloaders(store, sotu.is_valid, bs=64, bptt=70)
        next(iter(dls.train))
        first = time.perf_counter() - t
        for var in [False, True]:
            dls = lm_dataloaders(store, sotu.is_valid, bs=64, bptt=70, var_bptt=var)
            ts, n = [], 0
            for _ in range(reps):
                t, n = time.perf_counter(), 0
                for x, y in dls.train: n += x.numel()
                ts.append(time.perf_counter() - t)
            rows.append(dict(case=f'LM loader, sotu, bs 64 bptt 70{" var_bptt" if var else ""}', tokens=n,
                             epoch_s=statistics.median(ts), tokens_per_s=n / statistics.median(ts)))
        rows.append(dict(case='time to first batch (cached store, sotu)', seconds=first))
        del store, dls
    bbc = bbc_news().split(valid_pct=0.2, seed=42)
    store = tokenize_corpus(bbc, progress=False)
    for max_len in [None, 1440]:
        for bs in [32, 64]:
            dls = cls_dataloaders(store, bbc.is_valid, bs=bs, max_len=max_len, generator=torch.Generator().manual_seed(0))
            rnd = DataLoader(dls.train.dataset, bs, sampler=RandomSampler(dls.train.dataset, generator=torch.Generator().manual_seed(0)),
                             collate_fn=partial(pad_collate, pad_id=store.vocab.pad_id, max_len=max_len))
            rows.append(dict(case=f'BBC pad share, bs {bs}, max_len {max_len}', sortish_pct=100 * pad_share(dls.train, store.vocab.pad_id),
                             random_pct=100 * pad_share(rnd, store.vocab.pad_id)))
    return rows
