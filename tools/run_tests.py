#!/usr/bin/env python
"""The project's test command: notebooks are the tests.

Runs, each as one test with a line of its own:
  - `clean`:    every notebook is committed cleaned (what `nbdev_clean` would write),
  - `sync`:     `ulmfit_nb/` is what `nbdev_export` makes from the notebooks,
  - `readme`:   README.md is what `tools/make_readme.py` makes from nbs/index.ipynb,
  - `outputs`:  the committed outputs are fit to commit (no cell over 100 KB, no widget state, no local paths),
  - `docs`:     the site builds (`tools/build_docs.py`) and passes a headless Chromium: every page loads
                without console errors, every image renders, every link between pages resolves,
  - every notebook in nbs/, executed top to bottom in a fresh process (cells flagged with one of
    settings.ini's `tst_flags` are skipped unless named with --flags),
  - `executed`: every notebook is committed executed: a code cell that shows something when run
    (stdout, a value, a display) has outputs in the committed file (`tools/execute_nbs.py` saves them).
Closes with `N passed, N failed` and exits non-zero on any failure or when nothing ran.
The checks work on temporary copies: the working tree is never modified.
"""
import argparse, filecmp, json, os, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
import execute_nbs, build_docs
from execute_nbs import cfg, notebooks

def sh(cmd, cwd, env=None):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr)

def diff_trees(a, b, skip=('__pycache__',)):
    "Relative paths of files that differ between folders `a` and `b`, or exist in only one."
    files = lambda d: {p.relative_to(d) for p in d.rglob('*') if p.is_file() and not set(p.parts) & set(skip)}
    fa, fb = files(a), files(b)
    return sorted(str(p) for p in fa ^ fb) + sorted(str(p) for p in fa & fb if not filecmp.cmp(a/p, b/p, shallow=False))

def check_clean():
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)/'nbs'; shutil.copytree(ROOT/cfg()['nbs_path'], d, ignore=shutil.ignore_patterns('_*', '.*'))
        before = {p.name: p.read_bytes() for p in d.glob('*.ipynb')}
        rc, out = sh(['nbdev_clean', '--fname', str(d)], ROOT)
        if rc: return False, out
        bad = [n for n, b in before.items() if (d/n).read_bytes() != b]
        return not bad, f"not clean (run nbdev_clean): {', '.join(bad)}" if bad else ''

def check_sync():
    c = cfg()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for f in ('settings.ini', 'setup.py', 'README.md'): shutil.copy(ROOT/f, d/f)
        shutil.copytree(ROOT/c['nbs_path'], d/c['nbs_path'], ignore=shutil.ignore_patterns('_tmp*', '.*'))
        shutil.copytree(ROOT/c['lib_path'], d/c['lib_path'], ignore=shutil.ignore_patterns('__pycache__'))
        rc, out = sh(['nbdev_export'], d)
        if rc: return False, out
        bad = diff_trees(ROOT/c['lib_path'], d/c['lib_path'])
        return not bad, f"ulmfit_nb/ out of sync with the notebooks (run nbdev_export): {', '.join(bad)}" if bad else ''

def check_readme():
    rc, out = sh([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], ROOT)
    return rc == 0, out

def check_outputs():
    read = lambda nb: json.loads(nb.read_text(encoding='utf-8'))
    probs = [p for nb in notebooks() for p in execute_nbs.output_problems(read(nb), nb.name)]
    return not probs, '\n'.join(probs)

def check_docs():
    with tempfile.TemporaryDirectory() as d:
        ok, out = build_docs.build(Path(d)/'site')
        if not ok: return False, out
        probs = build_docs.browser_check(Path(d)/'site')
        return not probs, '\n'.join(probs)

def unexecuted(nb, fresh):
    "Code cells of committed notebook `nb` that show something when run (per `fresh`) but were committed without outputs"
    cells = lambda p: json.loads(Path(p).read_text(encoding='utf-8'))['cells']
    bad = []
    for i, (c, f) in enumerate(zip(cells(nb), cells(fresh))):
        if c['cell_type'] == 'code' and execute_nbs.shown(f.get('outputs')) and not c.get('outputs'):
            bad.append(f"{nb.name} cell {i} ({execute_nbs.first_line(c)}): shows output when run, committed without it")
    return bad

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--flags', default='', help='tst_flags to run anyway, e.g. "slow"')
    p.add_argument('--nb', nargs='*', help='run only notebooks whose name contains one of these')
    p.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1), help='notebooks run at once')
    p.add_argument('--no-checks', action='store_true', help='skip the clean/sync/readme/outputs/docs/executed checks')
    p.add_argument('--no-docs', action='store_true', help='skip the docs check (site build and browser test)')
    a = p.parse_args()
    force = a.flags.split(); skip = [f for f in cfg().get('tst_flags', '').split() if f not in force]
    results = []
    def report(name, ok, secs, out):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name} ({secs:.1f}s)", flush=True)
        if not ok and out.strip(): print('\n'.join('    ' + l for l in out.strip().splitlines()[-60:]), flush=True)
    if not a.no_checks:
        for name, f in [('clean', check_clean), ('sync', check_sync), ('readme', check_readme),
                        ('outputs', check_outputs)] + ([] if a.no_docs else [('docs', check_docs)]):
            t = time.time(); ok, out = f(); report(name, ok, time.time() - t, out)
    nbs = [nb for nb in notebooks() if not a.nb or any(s in nb.name for s in a.nb)]
    threads = max(1, (os.cpu_count() or 1) // max(1, a.workers))
    missing = []
    with tempfile.TemporaryDirectory() as tmp:
        def one(nb):
            t = time.time(); ok, out = execute_nbs.execute(nb, Path(tmp)/nb.name, skip, threads)
            return nb, ok, time.time() - t, out
        with ThreadPoolExecutor(max(1, a.workers)) as ex:
            for nb, ok, secs, out in ex.map(one, nbs):
                report(nb.name, ok, secs, out)
                if ok: missing += unexecuted(nb, Path(tmp)/nb.name)
    if nbs and not a.no_checks:
        report('executed', not missing, 0, '\n'.join(missing + ['run: python tools/execute_nbs.py --nb NAME'] * bool(missing)))
    n_pass, n_fail = sum(results), len(results) - sum(results)
    if not nbs: print('no notebook ran'); n_fail += 1
    print(f"{n_pass} passed, {n_fail} failed")
    sys.exit(1 if n_fail else 0)

if __name__ == '__main__': main()
