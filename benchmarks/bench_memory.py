"""Peak memory of the classifier stage (stage 3) and of prediction with one very long text (1, 10, 50 MB) among short ones.

Each row is one child process (`OMP_NUM_THREADS=1`), so that its peak resident memory is its own. The child
builds a corpus of 200 BBC News articles cut to 120 words plus one document of N MB made of BBC News articles
joined end to end (real text, ~0.22 tokens a byte; 0 MB: no long text, the baseline), tokenises it, then resets the kernel's
peak-memory mark (`/proc/self/clear_refs`, Linux) and measures `VmHWM` across `train_classifier` (tiny
size, no pretrained encoder, 1 epoch, batch 32) and across `TextClassifier.predict` of the long text.
`max_tokens` is the bound of `RunConfig` (10,000 by default). The child also reports the peak of the tokenisation
before stage 3 (`peak_after_tokenize_mb`), which the bound does not cover.
"""
import json, os, subprocess, sys, textwrap

CHILD = textwrap.dedent('''
    import json, sys, tempfile, time, warnings
    import numpy as np, torch
    from ulmfit_nb.data import Corpus, bbc_news
    from ulmfit_nb.tokenize import tokenize_corpus
    from ulmfit_nb.ulmfit import RunConfig, train_classifier, check_labels
    mb, max_tokens = float(sys.argv[1]), None if sys.argv[2] == 'none' else int(sys.argv[2])
    def hwm():
        return int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024
    def reset(): open('/proc/self/clear_refs', 'w').write('5')
    bbc = bbc_news()
    idx = np.random.default_rng(0).permutation(len(bbc))
    short = [' '.join(bbc.texts[i].split()[:120]) for i in idx[:200]]
    parts, n = [], 0
    for i in range(len(bbc)):
        t = bbc.texts[i]; parts.append(t); n += len(t.encode())
        if n >= mb * 2**20: break
    while 0 < n < mb * 2**20: parts += parts; n *= 2      # 50 MB is more than BBC News holds (~5 MB): it repeats
    long = ' '.join(parts)[:int(mb * 2**20)] if mb else short[0]   # 0 MB: the baseline, no long text
    texts, labels = short + [long] * (mb > 0), [bbc.labels[i] for i in idx[:200]] + ['business'] * (mb > 0)
    is_valid = np.r_[np.arange(200) % 5 == 0, [False] * (mb > 0)].astype(bool)   # the long text is a training text
    corpus = Corpus(texts, labels, is_valid, 'bbc_long')
    with tempfile.TemporaryDirectory() as d:
        store = tokenize_corpus(corpus, max_vocab=8000, cache_dir=d, n_workers=0, progress=False)
        long_tokens = int(np.diff(np.asarray(store.offsets))[-1]) if mb else 0
        base = hwm()
        cfg = RunConfig(pretrained='none', cls_epochs=1, cls_bs=32, max_tokens=max_tokens).resolved(int((~is_valid).sum()))
        reset(); before = hwm(); t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            clf = train_classifier(store, is_valid, check_labels(corpus), None, cfg, progress='silent', path=d)
        stage3_s, stage3_mb = time.perf_counter() - t, hwm()
        reset(); before_pred = hwm(); t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            clf.predict(long)
        pred_s, pred_mb = time.perf_counter() - t, hwm()
    print(json.dumps(dict(long_text_mb=mb, long_text_tokens=long_tokens, max_tokens=max_tokens, rss_before_stage3_mb=round(before, 1),
                          stage3_peak_mb=round(stage3_mb, 1), stage3_s=round(stage3_s, 1), rss_before_predict_mb=round(before_pred, 1),
                          predict_peak_mb=round(pred_mb, 1), predict_s=round(pred_s, 1), peak_after_tokenize_mb=round(base, 1))))
''')

def measure(mb, max_tokens, timeout=1800):
    r = subprocess.run([sys.executable, '-c', CHILD, str(mb), str(max_tokens).lower()], capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, OMP_NUM_THREADS='1'))
    if r.returncode: raise RuntimeError(f'child for {mb} MB, max_tokens {max_tokens} failed:\n{r.stderr[-3000:]}')
    return json.loads(r.stdout.strip().splitlines()[-1])

ROW_KEY = ('long_text_mb', 'max_tokens')

def run(quick=False):
    cases = [(1, 10000), (10, 10000)] if quick else [(0, 10000), (1, 10000), (10, 10000), (50, 10000)]
    if os.environ.get('BENCH_MEMORY_MB'):   # some sizes only (rows of the other sizes are kept from the last results)
        cases = [(float(mb), 10000) for mb in os.environ['BENCH_MEMORY_MB'].split(',')]
    rows = []
    for mb, mt in cases:
        rows.append(measure(mb, mt)); print(rows[-1], flush=True)
    return rows

if __name__ == '__main__':
    for r in run('--quick' in sys.argv): print(r)
