"""Mixup and label smoothing on noisy labels, measured on the ULMFiT text classifier (BBC News).

Every run trains `classifier_learner` (07) with the shipped pretrained encoder (general_en, 300/300/2, its
embeddings matched to the corpus vocab by `lm_from_pretrained`), on a development split carved from the
training pool of BBC News, never from its test part: the test part is `split_mask(n, 0.2, seed=42)` stratified
by class (the split `ulmfit_nb train` uses for a corpus without one) and is left out altogether. For seed s,
`n_train` training and `n_dev` development documents are drawn from the pool with `numpy.random.default_rng(s)`;
the same seed then seeds the training (`set_seed(s)`). Documents are cut to their last `max_len` tokens
(`cls_dataloaders(max_len=...)`) so that a run takes seconds on 2 CPU cores.

Parts (`BENCH_TECHNIQUES_ONLY=mixup` or `smoothing` runs one of them; the other keeps its previous rows):
- `mixup`: head-only training (ULMFiT's first stage: `learn.freeze()`, one-cycle), plain vs `Mixup(0.4)` on the
  embeddings (output of `model[0].module.encoder_dp`) vs on the pooled features (input of `model[1].layers`,
  manifold mixup); development accuracy and loss (plain cross-entropy) after the last epoch.
- `smoothing`: the same training with 0, 10, 20, 40% of the training labels flipped to another class (drawn with
  the seed), plain cross-entropy vs `LabelSmoothingCrossEntropy(0.1)`; the development labels are clean. Writes
  `results/techniques_label_smoothing.png`.
"""
import os, sys, time, warnings
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
from ulmfit_nb.data import bbc_news, split_mask
from ulmfit_nb.tokenize import tokenize_corpus, TokenStore
from ulmfit_nb.batching import cls_dataloaders
from ulmfit_nb.learner import set_seed, accuracy, Mixup
from ulmfit_nb.ulmfit import classifier_learner, lm_from_pretrained, SIZES, ULMFIT_MOMS
ROW_KEY = ('part', 'variant', 'noise', 'seed')

SEEDS = (0, 1, 2)
N_TRAIN, N_DEV, MAX_LEN, EPOCHS, LR = 400, 200, 96, 3, 2e-2

_cache = {}
def _data():
    "BBC News tokenised once (cached on disk by `tokenize_corpus`), and the indices of its training pool"
    if 'store' not in _cache:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')   # one document with a non-UTF-8 byte: replaced, and said so in 01_data
            corpus = bbc_news()
        test = split_mask(len(corpus), 0.2, seed=42, groups=corpus.labels)
        _cache.update(store=tokenize_corpus(corpus, max_vocab=12000, progress=False), pool=np.flatnonzero(~test),
                      classes=corpus.classes)
    return _cache['store'], _cache['pool'], _cache['classes']

def _sub_store(store, idxs, labels):
    "A `TokenStore` of documents `idxs` of `store` (same vocab) with `labels`"
    docs = [np.asarray(store[int(i)]) for i in idxs]
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    return TokenStore(np.concatenate(docs).astype(store.ids.dtype), offsets, store.vocab, list(labels))

def _split(seed, n_train=N_TRAIN, n_dev=N_DEV, noise=0.):
    "(store of train+dev documents, dev mask, n flipped): `noise` of the training labels flipped to another class"
    store, pool, classes = _data()
    rng = np.random.default_rng(seed)
    idx = rng.permutation(pool)[:n_train + n_dev]
    labels = [store.labels[int(i)] for i in idx]
    n_flip = int(round(noise * n_train))
    for j in rng.choice(n_train, n_flip, replace=False):
        labels[j] = rng.choice([c for c in classes if c != labels[j]])
    dev = np.zeros(len(idx), dtype=bool); dev[n_train:] = True
    return _sub_store(store, idx, labels), dev, n_flip

def _learner(seed, bs=32, max_len=MAX_LEN, noise=0., label_smoothing=0., **split_kw):
    st, dev, n_flip = _split(seed, noise=noise, **split_kw)
    set_seed(seed)
    dls = cls_dataloaders(st, dev, classes=_data()[2], bs=bs, max_len=max_len)
    lm, _ = lm_from_pretrained(st.vocab)
    learn = classifier_learner(dls, SIZES['tiny'], drop_mult=0.5, encoder=lm, label_smoothing=label_smoothing,
                               progress='silent', device='cpu')
    return learn, n_flip

def _dev_scores(learn):
    preds, targs = learn.get_preds()
    return dict(dev_accuracy=round(float(accuracy(preds, targs)), 4), dev_loss=round(float(F.cross_entropy(preds, targs)), 4))

def _head_only(seed, cbs_of=lambda learn: None, epochs=EPOCHS, **kw):
    learn, n_flip = _learner(seed, **kw)
    learn.freeze()
    t = time.perf_counter()
    learn.fit_one_cycle(epochs, LR, moms=ULMFIT_MOMS, cbs=cbs_of(learn))
    return dict(**_dev_scores(learn), n_flipped=n_flip, seconds=round(time.perf_counter() - t, 1), data=data_fingerprint())

def data_fingerprint():
    "Tokens and vocab size of the tokenised corpus: rows compare only when these agree (the tokenizer may change)"
    store = _data()[0]
    return f'{len(store.ids)} tokens, vocab {len(store.vocab)}'

MIXUPS = {'plain': lambda learn: None,   # name -> the callbacks of a learner
          'mixup_embedding': lambda learn: Mixup(0.4, module=learn.model[0].module.encoder_dp),
          'mixup_pooled': lambda learn: Mixup(0.4, module=learn.model[1].layers, where='input')}

def run_mixup(seeds=SEEDS, epochs=EPOCHS):
    rows = []
    for seed in seeds:
        for name, cbs_of in MIXUPS.items():
            r = dict(part='mixup', variant=name, noise=None, seed=seed, **_head_only(seed, cbs_of, epochs))
            print(r, flush=True); rows.append(r)
    return rows

def run_smoothing(seeds=SEEDS, noises=(0., 0.1, 0.2, 0.4), epochs=EPOCHS):
    rows = []
    for seed in seeds:
        for noise in noises:
            for name, eps in (('cross_entropy', 0.), ('label_smoothing_0.1', 0.1)):
                r = dict(part='smoothing', variant=name, noise=noise, seed=seed,
                         **_head_only(seed, epochs=epochs, noise=noise, label_smoothing=eps))
                print(r, flush=True); rows.append(r)
    return rows

def plot_smoothing(rows, path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in ('cross_entropy', 'label_smoothing_0.1'):
        rs = [r for r in rows if r['part'] == 'smoothing' and r['variant'] == name]
        noises = sorted({r['noise'] for r in rs})
        accs = [[r['dev_accuracy'] for r in rs if r['noise'] == n] for n in noises]
        mean = np.array([np.mean(a) for a in accs])
        lo, hi = mean - np.array([min(a) for a in accs]), np.array([max(a) for a in accs]) - mean
        ax.errorbar(np.array(noises) * 100, mean, yerr=[lo, hi], marker='o', capsize=3, label=name.replace('_', ' '))
    ax.set_xlabel('training labels flipped (%)'); ax.set_ylabel('development accuracy (clean labels)')
    ax.set_title(f'BBC News, head-only, {len({r["seed"] for r in rows})} seeds (mean, min-max)'); ax.legend()
    fig.tight_layout(); fig.savefig(path, dpi=100); plt.close(fig)

def run(quick=False):
    only = set(filter(None, os.environ.get('BENCH_TECHNIQUES_ONLY', 'mixup,smoothing').split(',')))
    torch.set_num_threads(1)
    seeds = SEEDS[:1] if quick else SEEDS
    epochs = 1 if quick else EPOCHS
    rows = []
    if 'mixup' in only: rows += run_mixup(seeds, epochs)
    if 'smoothing' in only:
        rows += run_smoothing(seeds, (0., 0.4) if quick else (0., 0.1, 0.2, 0.4), epochs)
        plot_smoothing(rows, HERE/'results'/'techniques_label_smoothing.png')
    return rows

if __name__ == '__main__':
    for r in run('--quick' in sys.argv): print(r)
