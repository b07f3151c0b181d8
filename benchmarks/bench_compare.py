"""ULMFiT vs no pretraining vs TF-IDF + logistic regression over several seeds: mean accuracy with a 95% interval, paired tests.

For each corpus, each configuration is trained with each seed (default 42, 1, 2) by
`ulmfit_nb.interpret.train_seeds`, in this process, silently:

- `ulmfit`: the main job's settings (`ulmfit_nb train` defaults: the shipped word-level language model fine-tuned
  for 40 batches per epoch, perplexity on 20 validation batches, the classifier on every layer with one
  lr for `auto` epochs);
- `scratch`: the same classifier and budget with no pretraining (random weights) and no LM fine-tuning;
- `no_lm_finetune`: the classifier on the shipped model's encoder with no target-LM fine-tuning (stage 2 skipped);
- `ulmfit_sp` / `scratch_sp`: the same with SentencePiece pieces (`--tokenizer sp`): the shipped subword model
  and its tokenizer / a 15k-piece model trained on the training texts and no pretraining;
- `ulmfit_fwd_bwd` / `scratch_fwd_bwd`: the forward+backward ensemble (`--backward`, with `--pretrained-bwd
  shipped` / no pretraining). Its forward member is the `ulmfit` / `scratch` run of the same seed: stages 2
  and 3 reseed themselves, so `backward_member` trains only the backward one (`--quick` checks that this
  gives the probabilities of a full `run_ulmfit(backward=True)`);
- `tfidf_lr`: TF-IDF of 1-2 grams and logistic regression (scikit-learn), on the same split.

`fine_food_dev` and `bbc_news_dev` are development splits for choosing settings, carved from training texts
only (the fine-food training part; BBC News seed 42's training part), each seed drawing its own stratified 20%:
the test texts of `fine_food` and of `bbc_news` seed 42 never shape a choice.

On BBC News each seed draws its own stratified 80/20 split (as `ulmfit_nb train --seed S` does), and
all configurations of a seed share it; the fine-food reviews have one fixed 4,000/1,000 split,
so there the seed changes only the training randomness (and TF-IDF, deterministic, repeats itself).
Rows: per configuration the mean accuracy and its 95% Student-t interval over seeds (`kind=config`);
per pair a paired t-test over seeds (`kind=paired`); per pair and seed an exact McNemar test on the
per-text outcomes (`kind=mcnemar`). A plot per corpus goes to `results/compare_<corpus>.png`.

The runs live in `$ULMFIT_NB_HOME/bench_compare/<corpus>/<config>/seed<S>` and a finished run (one
with `predictions.json`) is read back, not repeated: a BBC News ULMFiT run is 20-35 minutes at one thread,
a fine-food one 5-14; run it in the background. `BENCH_COMPARE_SEEDS=42,1`, `BENCH_COMPARE_CORPORA=bbc_news`
and `BENCH_COMPARE_CONFIGS=ulmfit,ulmfit_sp` run a part (TF-IDF always runs). `quick` is a smoke test: 300 BBC News articles cut to
60 words, two seeds, tiny budgets, in a temporary folder.
"""
import dataclasses, json, os, sys, tempfile, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
from ulmfit_nb.data import Corpus, bbc_news, fine_food_reviews, cache_dir
from ulmfit_nb.interpret import RunResult, train_seeds, compare_runs, texts_digest, load_run
from ulmfit_nb.tokenize import Tokenizer, tokenize_corpus
from ulmfit_nb.ulmfit import (RunConfig, RunSummary, StopOnDivergence, Ensemble, check_labels, evaluate, flip_store, load_classifier,
                              save_predictions, _load_pretrained_bwd, _target_stages)

MAIN_JOB = dict(lm_max_batches=40, lm_valid_batches=20)   # where `ulmfit_nb train`'s defaults differ from run_ulmfit's
NO_STAGE2 = dict(lm_frozen_epochs=0, lm_epochs=0)
NO_PRETRAINING = dict(NO_STAGE2, pretrained='none')
CONFIGS = {'ulmfit': {}, 'scratch': NO_PRETRAINING, 'no_lm_finetune': NO_STAGE2,
           'ulmfit_sp': dict(tokenizer='sp'), 'scratch_sp': dict(NO_PRETRAINING, tokenizer='sp')}
ENSEMBLES = {'ulmfit_fwd_bwd': ('ulmfit', 'shipped'), 'scratch_fwd_bwd': ('scratch', 'none')}   # name: (forward member's config, pretrained_bwd)
ROW_KEY = ('corpus', 'kind', 'config', 'seeds')   # run.py keeps the rows of corpora this run did not measure
QUICK = dict(max_vocab=2000, lm_max_batches=2, lm_valid_batches=2, cls_epochs=1, bs=32)

def tfidf_lr(corpus: Corpus, seed: int) -> RunResult:
    "TF-IDF (1-2 grams) + logistic regression on `corpus`'s split: its per-text outcomes on the validation texts"
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    v = np.asarray(corpus.is_valid)
    texts, labels = list(corpus.texts), np.array([str(l) for l in corpus.labels])
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    lr = LogisticRegression(max_iter=2000).fit(vec.fit_transform([t for t, m in zip(texts, v) if not m]), labels[~v])
    correct = lr.predict(vec.transform([t for t, m in zip(texts, v) if m])) == labels[v]
    return RunResult('tfidf_lr', seed, float(correct.mean()), correct, texts_digest(corpus.valid.texts))

def backward_member(corpus: Corpus, fwd_dir, out, seed: int, pretrained_bwd, **settings) -> RunResult:
    """The forward+backward ensemble that `ulmfit_nb train --backward --pretrained-bwd ...` trains, without training its forward
    member again: that member is the forward run `fwd_dir` (same corpus, split, seed and settings), because stages 2 and 3
    reseed themselves and the forward member is trained first. Only the backward member is trained here (stages 2-3 on the
    reversed token store, from `pretrained_bwd`); `--quick` checks that the result equals a full `run_ulmfit(backward=True)`."""
    out, fwd_dir = Path(out), Path(fwd_dir)
    if (out/'predictions.json').is_file(): return load_run(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = dataclasses.replace(RunConfig(), **settings, seed=seed, backward=True, pretrained_bwd=pretrained_bwd)
    classes, is_valid = check_labels(corpus), np.asarray(corpus.is_valid)
    cfg = cfg.resolved(int((~is_valid).sum()))
    t0 = time.perf_counter()
    store = flip_store(tokenize_corpus(corpus, tokenizer=Tokenizer(), max_vocab=cfg.max_vocab, progress=False))
    kw = dict(device=cfg.device, progress='silent', path=out, cbs=[StopOnDivergence()])
    summary = RunSummary(out/'summary.json')   # run_ulmfit's stages 2-3 of one direction record their measurements in it
    bwd = _target_stages(store, is_valid, classes, _load_pretrained_bwd(cfg), cfg, summary, '_bwd', lambda *a: None, kw)
    fwd, valid = load_classifier(fwd_dir/'classifier.safetensors'), corpus.valid
    res = evaluate(Ensemble([fwd, bwd]), valid.texts, valid.labels)
    acc = {f'accuracy{t}': evaluate(c, valid.texts, valid.labels)['accuracy'] for c, t in ((fwd, '_fwd'), (bwd, '_bwd'))}
    bwd.export(out/'classifier_bwd.safetensors')
    save_predictions(res, out/'predictions.json')
    summary.update(settings=dict(dataclasses.asdict(cfg), forward_run=str(fwd_dir)), accuracy=res['accuracy'], **acc,
                   backward_member_s=round(time.perf_counter() - t0, 1))
    return load_run(out)

def ensembles(corpus, resplit, seeds, home, name, **common) -> list[RunResult]:
    "The ensemble `name` of `ENSEMBLES` for every seed: its forward runs (trained first if missing), then `backward_member`"
    fwd, bwd = ENSEMBLES[name]
    train_seeds(corpus, {fwd: CONFIGS[fwd]}, seeds, home, resplit=resplit, **common)   # read back when finished
    return [dataclasses.replace(backward_member(corpus.split(resplit, seed=s) if resplit else corpus, home/fwd/f'seed{s}',
                                                home/name/f'seed{s}', s, bwd, **common, **CONFIGS[fwd]), config=name) for s in seeds]

def _corpora(quick):
    bbc = bbc_news()
    if quick:
        idx = np.random.default_rng(0).permutation(len(bbc))[:300]
        sub = bbc.subset(idx)
        return {'bbc_news': (Corpus(np.array([' '.join(t.split()[:60]) for t in sub.texts], dtype=object), sub.labels,
                                    None, 'bbc_quick'), 0.2)}
    food = fine_food_reviews()
    # development splits, for choosing settings: the training texts only (BBC News: seed 42's), each seed carving its own 20%
    return {'bbc_news': (bbc, 0.2), 'fine_food': (food, None), 'fine_food_dev': (food.train, 0.2), 'bbc_news_dev': (bbc.split(0.2, seed=42).train, 0.2)}

def _rows(name, cmp):
    rows = [dict(corpus=name, kind='config', config=r.config, n=r.n, mean=r.mean, lo=r.lo, hi=r.hi,
                 seeds=' '.join(map(str, r.seeds)), accuracies=' '.join(f'{a:.4f}' for a in r.accuracies)) for r in cmp.configs.itertuples()]
    rows += [dict(corpus=name, kind='paired', config=f'{r.a} - {r.b}', n=r.n, mean=r.mean_diff, lo=r.lo, hi=r.hi, p=r.p)
             for r in cmp.pairs.itertuples()]
    rows += [dict(corpus=name, kind='mcnemar', config=f'{r.a} vs {r.b}', seeds=str(r.seed), a_only=r.a_only, b_only=r.b_only, p=r.p)
             for r in cmp.mcnemar.itertuples()]
    return rows

def _check_shortcut(corpus, ens_dir, seed, common):
    "The `backward_member` ensemble equals the one a full `run_ulmfit(backward=True)` trains (same probabilities)"
    from ulmfit_nb.ulmfit import run_ulmfit
    full, _ = run_ulmfit(corpus, ens_dir.parent/'full', **common, seed=seed, backward=True, pretrained_bwd='shipped',
                         progress='silent', log=lambda *a: None)
    p = np.array(json.loads((ens_dir/'predictions.json').read_text())['probs'])
    diff = np.abs(full.predict_proba(list(corpus.valid.texts)) - p).max()
    print(f'backward_member shortcut vs full run_ulmfit(backward=True): largest probability difference {diff:.2e}')
    assert diff < 1e-5, diff

def run(quick=False):
    seeds = [int(s) for s in os.environ.get('BENCH_COMPARE_SEEDS', '').split(',') if s] or ([0, 1] if quick else [42, 1, 2])
    names = [c for c in os.environ.get('BENCH_COMPARE_CORPORA', '').split(',') if c]
    configs = [c for c in os.environ.get('BENCH_COMPARE_CONFIGS', '').split(',') if c] or [*CONFIGS, *ENSEMBLES]
    if quick: configs = ['ulmfit', 'scratch', 'ulmfit_fwd_bwd']
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) if quick else cache_dir()/'bench_compare'
        for name, (corpus, resplit) in _corpora(quick).items():
            if names and name not in names: continue
            t0 = time.perf_counter()
            common = QUICK if quick else MAIN_JOB
            runs = train_seeds(corpus, {k: v for k, v in CONFIGS.items() if k in configs}, seeds, home/name, resplit=resplit, **common)
            runs += [r for ens in ENSEMBLES if ens in configs for r in ensembles(corpus, resplit, seeds, home/name, ens, **common)]
            if quick: _check_shortcut(corpus.split(resplit, seed=seeds[0]), home/name/'ulmfit_fwd_bwd'/f'seed{seeds[0]}', seeds[0], common)
            runs += [tfidf_lr(corpus.split(resplit, seed=s) if resplit else corpus, s) for s in seeds]
            cmp = compare_runs(runs)
            print(cmp.format(), f'\n({time.perf_counter() - t0:.0f} s)', flush=True)
            ax = cmp.plot(); ax.set_title(f'{name}: {len(seeds)} seeds')
            if not quick: ax.figure.savefig(Path(__file__).parent/'results'/f'compare_{name}.png', dpi=120, bbox_inches='tight')
            rows += _rows(name, cmp)
    return rows

if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0]); p.add_argument('--quick', action='store_true')
    for r in run(p.parse_args().quick): print(r)
