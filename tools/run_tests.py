#!/usr/bin/env python
"""The project's test command: notebooks are the tests.

Runs, each as one test with a line of its own:
  - `clean`:  every notebook is committed cleaned (what `nbdev_clean` would write),
  - `sync`:   `ulmfit_nb/` is what `nbdev_export` makes from the notebooks,
  - `readme`: README.md is what `tools/make_readme.py` makes from nbs/index.ipynb,
  - every notebook in nbs/, executed top to bottom in a fresh process (cells flagged with one of
    settings.ini's `tst_flags` are skipped unless named with --flags).
Closes with `N passed, N failed` and exits non-zero on any failure or when nothing ran.
The checks work on temporary copies: the working tree is never modified.
"""
import argparse, configparser, filecmp, os, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def cfg():
    c = configparser.ConfigParser(delimiters=['=']); c.read(ROOT/'settings.ini', encoding='utf-8')
    return c['DEFAULT']

def sh(cmd, cwd, env=None):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr)

def notebooks(): return sorted((ROOT/cfg()['nbs_path']).glob('*.ipynb'))

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

RUN_NB = ("import sys; from pathlib import Path; from nbdev.test import test_nb\n"
          "ok, _ = test_nb(Path(sys.argv[1]), skip_flags=sys.argv[2].split(), force_flags=sys.argv[3].split())\n"
          "sys.exit(0 if ok else 1)")

def run_nb(nb, skip, force, threads):
    env = dict(os.environ, IN_TEST='1', MPLBACKEND='Agg', OMP_NUM_THREADS=str(threads), PYTHONHASHSEED='0')
    env['PYTHONPATH'] = os.pathsep.join([str(ROOT)] + [p for p in [env.get('PYTHONPATH')] if p])
    rc, out = sh([sys.executable, '-c', RUN_NB, str(nb), ' '.join(skip), ' '.join(force)], nb.parent, env)
    return rc == 0, out

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--flags', default='', help='tst_flags to run anyway, e.g. "slow"')
    p.add_argument('--nb', nargs='*', help='run only notebooks whose name contains one of these')
    p.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1), help='notebooks run at once')
    p.add_argument('--no-checks', action='store_true', help='skip the clean/sync/readme checks')
    a = p.parse_args()
    force = a.flags.split(); skip = [f for f in cfg().get('tst_flags', '').split() if f not in force]
    results = []
    def report(name, ok, secs, out):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name} ({secs:.1f}s)", flush=True)
        if not ok and out.strip(): print('\n'.join('    ' + l for l in out.strip().splitlines()[-60:]), flush=True)
    if not a.no_checks:
        for name, f in [('clean', check_clean), ('sync', check_sync), ('readme', check_readme)]:
            t = time.time(); ok, out = f(); report(name, ok, time.time() - t, out)
    nbs = [nb for nb in notebooks() if not a.nb or any(s in nb.name for s in a.nb)]
    threads = max(1, (os.cpu_count() or 1) // max(1, a.workers))
    def one(nb):
        t = time.time(); ok, out = run_nb(nb, skip, force, threads); return nb.name, ok, time.time() - t, out
    with ThreadPoolExecutor(max(1, a.workers)) as ex:
        for name, ok, secs, out in ex.map(one, nbs): report(name, ok, secs, out)
    n_pass, n_fail = sum(results), len(results) - sum(results)
    if not nbs: print('no notebook ran'); n_fail += 1
    print(f"{n_pass} passed, {n_fail} failed")
    sys.exit(1 if n_fail else 0)

if __name__ == '__main__': main()
