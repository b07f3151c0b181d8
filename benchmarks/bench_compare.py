"""ULMFiT vs no pretraining vs TF-IDF + logistic regression over several seeds: mean accuracy with a 95% interval, paired tests.

For each corpus, each configuration is trained with each seed (default 42, 1, 2) by
`ulmfit_nb.interpret.train_seeds`, in this process, silently:

- `ulmfit`: the main job's settings (`ulmfit_nb train` defaults: the shipped language model fine-tuned
  for 40 batches per epoch, perplexity on 20 validation batches, the classifier on every layer with one
  lr for `auto` epochs);
- `scratch`: the same classifier and budget with no pretraining and no LM fine-tuning;
- `tfidf_lr`: TF-IDF of 1-2 grams and logistic regression (scikit-learn), on the same split.

On BBC News each seed draws its own stratified 80/20 split (as `ulmfit_nb train --seed S` does), and
all three configurations of a seed share it; the fine-food reviews have one fixed 4,000/1,000 split,
so there the seed changes only the training randomness (and TF-IDF, deterministic, repeats itself).
Rows: per configuration the mean accuracy and its 95% Student-t interval over seeds (`kind=config`);
per pair a paired t-test over seeds (`kind=paired`); per pair and seed an exact McNemar test on the
per-text outcomes (`kind=mcnemar`). A plot per corpus goes to `results/compare_<corpus>.png`.

The runs live in `$ULMFIT_NB_HOME/bench_compare/<corpus>/<config>/seed<S>` and a finished run (one
with `predictions.json`) is read back, not repeated: a full run is about 15 CPU-minutes per ULMFiT
run on 2 cores, 12 of them in all; run it in the background. `BENCH_COMPARE_SEEDS=42,1` and
`BENCH_COMPARE_CORPORA=bbc_news` run a part. `quick` is a smoke test: 300 BBC News articles cut to
60 words, two seeds, tiny budgets, in a temporary folder.
"""
import os, sys, tempfile, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
from ulmfit_nb.data import Corpus, bbc_news, fine_food_reviews, cache_dir
from ulmfit_nb.interpret import RunResult, train_seeds, compare_runs, texts_digest

MAIN_JOB = dict(lm_max_batches=40, lm_valid_batches=20)   # where `ulmfit_nb train`'s defaults differ from run_ulmfit's
CONFIGS = {'ulmfit': {}, 'scratch': dict(pretrained=None, lm_frozen_epochs=0, lm_epochs=0)}
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

def _corpora(quick):
    bbc = bbc_news()
    if quick:
        idx = np.random.default_rng(0).permutation(len(bbc))[:300]
        sub = bbc.subset(idx)
        return {'bbc_news': (Corpus(np.array([' '.join(t.split()[:60]) for t in sub.texts], dtype=object), sub.labels,
                                    None, 'bbc_quick'), 0.2)}
    return {'bbc_news': (bbc, 0.2), 'fine_food': (fine_food_reviews(), None)}

def _rows(name, cmp):
    rows = [dict(corpus=name, kind='config', config=r.config, n=r.n, mean=r.mean, lo=r.lo, hi=r.hi,
                 seeds=' '.join(map(str, r.seeds)), accuracies=' '.join(f'{a:.4f}' for a in r.accuracies)) for r in cmp.configs.itertuples()]
    rows += [dict(corpus=name, kind='paired', config=f'{r.a} - {r.b}', n=r.n, mean=r.mean_diff, lo=r.lo, hi=r.hi, p=r.p)
             for r in cmp.pairs.itertuples()]
    rows += [dict(corpus=name, kind='mcnemar', config=f'{r.a} vs {r.b}', seeds=str(r.seed), a_only=r.a_only, b_only=r.b_only, p=r.p)
             for r in cmp.mcnemar.itertuples()]
    return rows

def run(quick=False):
    seeds = [int(s) for s in os.environ.get('BENCH_COMPARE_SEEDS', '').split(',') if s] or ([0, 1] if quick else [42, 1, 2])
    names = [c for c in os.environ.get('BENCH_COMPARE_CORPORA', '').split(',') if c]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) if quick else cache_dir()/'bench_compare'
        for name, (corpus, resplit) in _corpora(quick).items():
            if names and name not in names: continue
            t0 = time.perf_counter()
            runs = train_seeds(corpus, CONFIGS, seeds, home/name, resplit=resplit, **(QUICK if quick else MAIN_JOB))
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
