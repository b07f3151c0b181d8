#!/usr/bin/env python
"""Classifier trials on a development split carved from the training texts, never from the test texts.

`python benchmarks/dev_trials.py RUN_DIR [variant ...] [--dev-pct 0.2] [--seed 0]`

RUN_DIR is a finished `ulmfit_nb train` run (for example `$ULMFIT_NB_HOME/bench_ulmfit/fine_food_ulmfit`): the
trials start from its fine-tuned target language model (`stage2_all.pt`), its corpus and its settings. The
run's training texts are split again (stratified, seeded) into a trial-training part and a development part;
the run's validation (test) texts are left out altogether, so choosing a variant here does not look at them.
A variant that changes the target-LM fine-tuning (`LM_KEYS`) runs stage 2 again from the shipped model, as
`run_ulmfit` does, into `RUN_DIR__dev_<variant>` beside the run; its LM perplexity on the run's validation texts
is reported, not used.
Each variant trains the classifier as `run_ulmfit` would, with some settings changed, and records the
development accuracy after every epoch, with the run it started from (`run`, `run_seed`): only rows of the same
run share a language model and a development split, so compare those. Results go to `results/dev_trials_<corpus>.json`, merged by
(variant, dev seed, run).

The language model was fine-tuned on all training texts, the development texts included (no labels are used
in that stage), so development accuracies are a little optimistic for every variant alike: compare them with
each other, not with test accuracies.
"""
import argparse, json, sys, time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# name -> changes to the main job's classifier settings (run_ulmfit's keyword names)
VARIANTS = {
    'default': {},
    'ls01_2ep': dict(label_smoothing=0.1, cls_epochs=2),
    'lr2e-3': dict(cls_lr=2e-3),
    'wd0.1': dict(wd=0.1),
    'drop0.7': dict(drop_mult=0.7),
    '2ep': dict(cls_epochs=2),
    '4ep': dict(cls_epochs=4),
    'discr': dict(discriminative=True, cls_lr=1e-2),
    # on BBC News, around its 4-epoch budget
    'ls01_4ep': dict(label_smoothing=0.1, cls_epochs=4),
    'lr1e-2_4ep': dict(cls_lr=1e-2, cls_epochs=4),
    'discr_4ep': dict(discriminative=True, cls_lr=1e-2, cls_epochs=4),
    'drop0.3_4ep': dict(drop_mult=0.3, cls_epochs=4),
    'bs16_4ep': dict(cls_bs=16, cls_epochs=4),   # twice the steps for the same tokens
    'bs16_2ep': dict(cls_bs=16, cls_epochs=2),   # as many steps as bs 32 for 4 epochs, half the tokens
    # longer target-LM fine-tuning (stage 2 is run again from the shipped model; default: 40 batches per epoch)
    'lm70': dict(lm_max_batches=70),
    'lm103': dict(lm_max_batches=103),   # BBC News: one pass over its training text in the two LM epochs
    # a larger vocabulary (tokenised again, stage 2 run again): BBC News has 19,824 words seen twice or more
    'vocab20k': dict(max_vocab=20000),
}
LM_KEYS = ('lm_max_batches', 'lm_frozen_epochs', 'lm_epochs', 'max_vocab')   # changes that need stage 2 again

def sub_store(store, idxs):
    "A `TokenStore` of the documents `idxs` of `store` (same vocab)"
    from ulmfit_nb.tokenize import TokenStore
    docs = [np.asarray(store[int(i)]) for i in idxs]
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    labels = [store.labels[int(i)] for i in idxs] if store.labels is not None else None
    return TokenStore(np.concatenate(docs).astype(store.ids.dtype), offsets, store.vocab, labels)

def trial(run_dir: Path, name: str, changes: dict, dev_pct: float, seed: int) -> dict:
    import torch
    from ulmfit_nb.data import split_mask
    from ulmfit_nb.learner import set_seed
    from ulmfit_nb.tokenize import tokenize_corpus
    from ulmfit_nb.batching import cls_dataloaders
    from ulmfit_nb.ulmfit import finetune_lm_learner, finetune_lm, classifier_learner, check_labels, SIZES, load_pretrained
    from ulmfit_nb.cli import read_labelled
    s = json.loads((run_dir/'summary.json').read_text())['settings']
    data = s['corpus']
    corpus = read_labelled(None if data == 'bbc_news' else _csv_of(run_dir), seed=s['seed'])   # as `ulmfit_nb train` read it
    classes = check_labels(corpus)
    lm_changes = {k: v for k, v in changes.items() if k in LM_KEYS}
    lm_s = {**{k: s[k] for k in LM_KEYS}, **lm_changes}
    store = tokenize_corpus(corpus, max_vocab=lm_s['max_vocab'], progress=False)
    is_test = np.asarray(corpus.is_valid)
    lm_dir = run_dir.parent/f'{run_dir.name}__dev_{name}' if lm_changes else run_dir
    lm_dir.mkdir(exist_ok=True)
    set_seed(s['seed'])   # where `run_ulmfit` seeds stage 2
    lm = finetune_lm_learner(store, is_test, load_pretrained(), 0.3, s['bs'], s['bptt'], lm_s['lm_max_batches'],
                             s['lm_valid_batches'], progress='silent', path=lm_dir)
    t_lm, lm_ppl = time.perf_counter(), None
    if lm_changes and not (lm_dir/'stage2_all.pt').exists():   # stage 2 as `run_ulmfit` runs it, with the changes
        finetune_lm(lm, lm_s['lm_epochs'], frozen_epochs=lm_s['lm_frozen_epochs'], ckpt='stage2')
    else: lm.load_checkpoint('stage2_all.pt', with_opt=False)   # the run's LM, or a trial's from an earlier call
    t_lm = time.perf_counter() - t_lm
    if lm_changes: lm_ppl = lm.validate()['perplexity']   # on the run's test texts: reported only, nothing is chosen by it
    train_idx = np.flatnonzero(~is_test)
    tr = sub_store(store, train_idx)
    dev = split_mask(len(tr), dev_pct, seed, groups=[str(l) for l in tr.labels])
    cfg = dict(cls_epochs=s['cls_epochs'], cls_lr=s['cls_lr'], drop_mult=s['drop_mult'], label_smoothing=s['label_smoothing'],
               wd=0.01, discriminative=False, cls_bs=32)
    cfg.update({k: v for k, v in changes.items() if k not in LM_KEYS})
    set_seed(s['seed'])
    dls = cls_dataloaders(tr, dev, classes=classes, bs=cfg['cls_bs'])
    learn = classifier_learner(dls, SIZES[s['size']], cfg['drop_mult'], encoder=lm.model, bptt=s['bptt'], max_len=s['max_len'],
                               label_smoothing=cfg['label_smoothing'], wd=cfg['wd'], progress='silent')
    learn.unfreeze()
    lr = slice(cfg['cls_lr'] / 2.6 ** 4, cfg['cls_lr']) if cfg['discriminative'] else cfg['cls_lr']
    t0 = time.perf_counter()
    learn.fit_one_cycle(cfg['cls_epochs'], lr, moms=(0.8, 0.7, 0.8))
    names = learn.recorder.metric_names
    acc = [float(v[names.index('accuracy')]) for v in learn.recorder.values]
    return dict(corpus=data, variant=name, changes=changes, run=run_dir.name, run_seed=s['seed'], n_train=int((~dev).sum()), n_dev=int(dev.sum()),
                dev_accuracy=acc[-1], dev_accuracy_per_epoch=acc, seconds=round(time.perf_counter() - t0, 1),
                **(dict(lm_seconds=round(t_lm, 1), lm_perplexity_after=lm_ppl) if lm_changes else {}),
                threads=torch.get_num_threads(), dev_seed=seed)

def _csv_of(run_dir: Path) -> Path:
    p = run_dir.parent/f"{run_dir.name.split('_ulmfit')[0]}.csv"
    if not p.exists(): raise FileNotFoundError(f'expected the run\'s data beside it at {p}')
    return p

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run_dir'); p.add_argument('variants', nargs='*', default=['default'])
    p.add_argument('--dev-pct', type=float, default=0.2); p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    run_dir = Path(a.run_dir)
    for v in a.variants:
        if v not in VARIANTS: sys.exit(f'unknown variant {v!r}: one of {list(VARIANTS)}')
        r = trial(run_dir, v, VARIANTS[v], a.dev_pct, a.seed)
        print(json.dumps(r), flush=True)
        out = ROOT/'benchmarks'/'results'/f"dev_trials_{r['corpus']}.json"
        rows = json.loads(out.read_text())['rows'] if out.exists() else []
        key = lambda x: (x['variant'], x.get('dev_seed'), x.get('run'))   # compare rows of one run (one LM, one split)
        rows = [x for x in rows if key(x) != key(r)] + [r]
        out.write_text(json.dumps(dict(benchmark='dev_trials', date=time.strftime('%Y-%m-%dT%H:%M:%S'), rows=rows), indent=1) + '\n')

if __name__ == '__main__': main()
