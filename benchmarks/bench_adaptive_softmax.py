"""Adaptive against full softmax for the tiny AWD-LSTM LM (300/300/2, tied): training tokens/s and held-out perplexity at vocab 12k, 30k and ~60k.

Data: the general-English corpus of 08_pretrain (`build_corpus`, 8.8M tokens), tokenised and split as the
shipped model's run does it (`corpus_tokens`, a seeded 2% of each source's documents held out). Vocabularies
of 12,000 and 30,000 tokens seen at least 3 times; for "60k" every token seen at least twice (59,136: the
corpus has only ~46.6k tokens seen 3 times or more, so 60,000 is out of its reach at the shipped `min_freq`).

For each vocabulary size, the two decoders train the same model from the same seed on the same batches
(a seeded sample of the training documents, cut into rows of bptt 70), with the shipped model's settings
(drop_mult 0.1, wd 0.1, AR/TAR, clipping, one-cycle to lr 5e-3, AdamW):

- speed: blocks of `n_block` training batches, full and adaptive alternating, after one warm-up block each
  (so that load drift on the machine hits both); tokens/s from the median time per batch, and the ratio
  adaptive/full measured side by side;
- quality: a fresh model of each kind trained on the same `budget` batches (one-cycle over them), then its
  perplexity on the same held-out tokens (`valid_tokens` of held-out documents drawn in a seeded order),
  with the full log-probability matrix in evaluation for both.

The cutoffs of each size are fixed below; `softmax_cost` gives the decoder's multiply-adds per token that
they imply on the corpus's counts (the `decoder_madds` column). Run on one thread:
`OMP_NUM_THREADS=1 python benchmarks/run.py adaptive_softmax`.
"""
import statistics, time
import numpy as np
import torch

from ulmfit_nb.learner import Callback, DataLoaders, set_seed
from ulmfit_nb.batching import LMDataLoader
from ulmfit_nb.awd_lstm import AWDConfig, lm_learner, softmax_cost, tiny_lm_config
from ulmfit_nb.data import cache_dir
from ulmfit_nb.pretrain import read_corpus, corpus_tokens

# vocab label -> (max_vocab, min_freq, cutoffs of the adaptive softmax)
SIZES = {'12k': (12_000, 3, (2_000, 6_000)),
         '30k': (30_000, 3, (2_000, 6_000, 15_000)),
         '60k': (60_000, 2, (2_000, 6_000, 20_000))}
ROW_KEY = ('vocab', 'softmax')

class BatchTimer(Callback):
    "Wall time of each training batch"
    order = 100
    def before_fit(self): self.times = []
    def before_batch(self): self.t = time.perf_counter()
    def after_batch(self):
        if self.training: self.times.append(time.perf_counter() - self.t)

def _batches(store, docs, n, bs, bptt, seed):
    "The first `n` batches of an LMDataLoader over `docs` (shuffled with `seed`, or in order with seed None)"
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    dl = LMDataLoader(store.ids, store.offsets, docs, bs, bptt, shuffle=seed is not None, generator=gen)
    out = []
    for b in dl:
        out.append(b)
        if len(out) == n: break
    return out

def _learner(trn, val, vocab, cfg, timer=None):
    dls = DataLoaders(trn, val); dls.vocab = vocab
    return lm_learner(dls, cfg, drop_mult=0.1, wd=0.1, progress='silent', cbs=[timer] if timer else None)

def _speed(trn, vocab, cfgs, n_block, rounds):
    "Median seconds per training batch of each config, blocks of `n_block` batches alternating, the first block of each discarded"
    set_seed(0)
    timers = {k: BatchTimer() for k in cfgs}
    learners = {k: _learner(trn[:n_block], None, vocab, cfg, timers[k]) for k, cfg in cfgs.items()}
    times = {k: [] for k in cfgs}
    for r in range(rounds + 1):
        for k, learn in learners.items():
            learn.fit(1, lr=1e-3)
            if r: times[k] += timers[k].times
    return {k: statistics.median(v) for k, v in times.items()}, {k: len(v) for k, v in times.items()}

def _quality(trn, val, vocab, cfg):
    set_seed(42)
    learn = _learner(trn, val, vocab, cfg)
    t0 = time.perf_counter()
    learn.fit_one_cycle(1, 5e-3, moms=(0.8, 0.7, 0.8), pct_start=0.25)
    fit_s = time.perf_counter() - t0
    res = learn.validate()
    return dict(valid_ppl=res['perplexity'], valid_accuracy=res['accuracy'], fit_s=fit_s)

def run(quick=False, bs=32, bptt=70):
    budget, n_block, rounds, valid_tokens = (2, 1, 1, 1_000) if quick else (96, 4, 3, 40_000)
    texts, sources, _ = read_corpus(cache_dir()/'general_en')
    rows = []
    for label, (max_vocab, min_freq, cutoffs) in SIZES.items():
        if quick and label != '12k': continue   # a smoke run: one size, a few batches
        store, is_valid, _ = corpus_tokens(texts, sources, max_vocab, min_freq)
        vocab, lengths = store.vocab, np.diff(store.offsets)
        train_docs = np.flatnonzero(~is_valid)
        held = np.random.default_rng(0).permutation(np.flatnonzero(is_valid))   # a seeded mix of the sources' held-out documents
        val_docs = held[:max(1, int(np.searchsorted(np.cumsum(lengths[held]), valid_tokens)) + 1)]
        trn = _batches(store, train_docs, budget, bs, bptt, seed=42)
        val = _batches(store, val_docs, 10_000, bs, bptt, seed=None)
        cfgs = {'full': tiny_lm_config, 'adaptive': AWDConfig(emb_sz=300, n_hid=300, n_layers=2, adaptive=cutoffs)}
        med, n_timed = _speed(trn, vocab, cfgs, n_block, rounds)
        for k, cfg in cfgs.items():
            q = _quality(trn, val, vocab, cfg)
            rows.append(dict(vocab=label, vocab_sz=len(vocab), softmax=k, cutoffs=str(cutoffs) if k == 'adaptive' else '',
                             decoder_madds=softmax_cost(vocab.counts, cfg.adaptive, cfg.emb_sz),
                             ms_per_batch=1e3 * med[k], tokens_per_s=bs * bptt / med[k], speedup=med['full'] / med[k],
                             timed_batches=n_timed[k], train_tokens=budget * bs * bptt,
                             valid_tokens=sum(int(x.numel()) for x, _ in val), **q))
            print(rows[-1], flush=True)
    return rows
