#!/usr/bin/env python
"""Benchmark runner: `python benchmarks/run.py [name ...] [--quick]`.

Each `benchmarks/bench_<name>.py` defines `run(quick=False) -> list[dict]` (one dict per table row)
and a one-line module docstring. The runner prints each table and writes
`benchmarks/results/<name>.json` with the rows, the machine and the library versions, so that
results from different runs and machines can be compared. Speed is measured here, never asserted
in tests: compare ratios measured side by side in one run."""
import argparse, datetime, importlib.util, json, os, platform, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

def machine():
    import torch
    info = dict(platform=platform.platform(), processor=platform.processor() or platform.machine(),
                cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(), python=platform.python_version(),
                torch=torch.__version__, cuda=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    try: info['cpu_model'] = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except Exception: pass
    return info

def fmt(v):
    if isinstance(v, float): return f'{v:.4g}' if abs(v) < 1e5 else f'{v:,.0f}'
    return str(v)

def table(rows):
    "Rows of dicts as an aligned text table (columns in first-seen order)."
    cols = list(dict.fromkeys(k for r in rows for k in r))
    cells = [[fmt(r.get(c, '')) for c in cols] for r in rows]
    w = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(cols)]
    line = lambda xs: '  '.join(x.rjust(w[i]) for i, x in enumerate(xs))
    return '\n'.join([line(cols), line(['-' * n for n in w])] + [line(x) for x in cells])

def merge_rows(previous: dict, rows: list, key, now: str) -> list:
    """A benchmark that declares `ROW_KEY` may run only some of its rows (e.g. `BENCH_ULMFIT_ONLY`): the rows of the
    previous results file that this run did not measure are kept, each dated by the run that measured it."""
    k = lambda r: tuple(r.get(c) for c in key)
    new = {k(r): dict(r, date=now) for r in rows}
    merged = [new.pop(k(r), None) or dict(r, date=r.get('date', previous.get('date'))) for r in previous.get('rows', [])]
    return merged + list(new.values())   # in the previous file's order, then rows it did not have

def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod); return mod

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('names', nargs='*', help='benchmarks to run (default: all)')
    p.add_argument('--quick', action='store_true', help='fewer repeats, for a smoke run')
    p.add_argument('--out', default=str(HERE/'results'), help='folder for the JSON results')
    a = p.parse_args()
    paths = sorted(HERE.glob('bench_*.py'))
    if a.names: paths = [q for q in paths if q.stem[len('bench_'):] in a.names]
    if not paths: sys.exit(f'no benchmark matches {a.names}')
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        mod, name = load(path), path.stem[len('bench_'):]
        print(f'\n## {name}: {(mod.__doc__ or "").strip().splitlines()[0]}', flush=True)
        rows = mod.run(quick=a.quick)
        print(table(rows), flush=True)
        now, dest = datetime.datetime.now().isoformat(timespec='seconds'), out/f'{name}.json'
        key = getattr(mod, 'ROW_KEY', None)
        if key and not a.quick and dest.exists(): rows = merge_rows(json.loads(dest.read_text()), rows, key, now)
        res = dict(benchmark=name, date=now, quick=a.quick, machine=machine(), rows=rows)
        dest.write_text(json.dumps(res, indent=1) + '\n')
        print(f'-> {dest}')

if __name__ == '__main__': main()
