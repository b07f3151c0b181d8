#!/usr/bin/env python
"""Execute the notebooks in nbs/ top to bottom and save them with their outputs.

Each notebook runs in a fresh Python process, with nbs/ as working directory and the environment of the
test run (`IN_TEST=1`, `MPLBACKEND` inline so figures become PNG outputs, `PYTHONHASHSEED=0`, a fixed
thread count). Cells flagged with one of settings.ini's `tst_flags` (`#| slow`, `#| cuda`) or
`#| eval: false` are not run and keep no output. Before a notebook is written back its outputs are
checked (`output_problems`): an output over `MAX_OUTPUT` bytes, widget state, or an absolute path of this
machine stops the run with the notebook and cell named, and the file is left as it was. Then `nbdev_clean`
runs on the files written.

    python tools/execute_nbs.py                  # every notebook
    python tools/execute_nbs.py --nb 01_data 03  # notebooks whose name contains one of these
"""
import argparse, base64, configparser, html, json, os, re, subprocess, sys, sysconfig, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_OUTPUT = 100_000  # bytes of one cell's outputs (a PNG counts decoded)
SHOWN = ('stream:stdout', 'execute_result', 'display_data')  # output kinds a reader sees as the cell's result
WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'

def cfg():
    c = configparser.ConfigParser(delimiters=['=']); c.read(ROOT/'settings.ini', encoding='utf-8')
    return c['DEFAULT']

def nbs_dir(): return ROOT/cfg()['nbs_path']

def notebooks(names=None):
    "The notebooks of nbs/ in lesson order, only those whose name contains one of `names` if given"
    return [p for p in sorted(nbs_dir().glob('*.ipynb')) if not names or any(s in p.name for s in names)]

def nb_env(threads:int):
    "The environment notebooks run in, for the tests and for saving outputs alike"
    env = dict(os.environ, IN_TEST='1', MPLBACKEND='module://matplotlib_inline.backend_inline',
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), PYTHONHASHSEED='0')
    env['PYTHONPATH'] = os.pathsep.join([str(ROOT)] + [p for p in [env.get('PYTHONPATH')] if p])
    return env

def directives(src:str):
    "The `#| name [args]` lines at the top of a cell's source, as {name: [args]} (nbdev's reading)"
    d = {}
    for line in src.splitlines():
        if not line.strip(): continue
        m = re.match(r'\s*#\s*\|\s*(\S+)(.*)', line)
        if not m: break
        d[m.group(1)] = m.group(2).split()
    return d

def skipped(src:str, skip_flags) -> bool:
    "Whether a code cell is not run: a skip flag, `#| eval: false`, or a call of `nbdev_export`"
    d = directives(src)
    return bool(set(skip_flags) & d.keys()) or d.get('eval:', [''])[0].lower() == 'false' or 'nbdev_export' + '(' in src

def shown(outputs) -> bool:
    "Whether a cell's outputs hold something a reader sees as its result (stdout, a value, a display)"
    return any(f"{o.get('output_type')}:{o.get('name', '')}".rstrip(':') in SHOWN for o in outputs or [])

def _prefixes():
    "Absolute folders written into outputs by warnings and reprs, each with what replaces it"
    libs = {sysconfig.get_paths()[k] for k in ('purelib', 'platlib', 'stdlib')}
    return sorted([(str(ROOT) + os.sep, '')] + [(p + os.sep, f'.../{Path(p).name}/') for p in libs], key=lambda t: -len(t[0]))

TMP_DIR = re.compile(re.escape(tempfile.gettempdir()) + r'/tmp[a-z0-9_]{8}')  # what tempfile.mkdtemp() names

def scrub(nb:dict) -> int:
    """Rewrite this machine's folders in text outputs: repository files become relative, library files
    `.../site-packages/`, temporary folders `<tmpdir>`; returns how many were rewritten"""
    n, subs = 0, _prefixes()
    def fix(t):
        nonlocal n
        for a, b in subs:
            if a in t: t, n = t.replace(a, b), n + t.count(a)
        t, k = TMP_DIR.subn('<tmpdir>', t)
        n += k
        return t
    fixl = lambda v: [fix(x) for x in v] if isinstance(v, list) else fix(v)
    for c in nb['cells']:
        for o in c.get('outputs', []) if c['cell_type'] == 'code' else []:
            if 'text' in o: o['text'] = fixl(o['text'])
            for mime in [m for m in o.get('data', {}) if m.startswith('text/')]: o['data'][mime] = fixl(o['data'][mime])
            if 'traceback' in o: o['traceback'] = fixl(o['traceback'])
    return n

def _size(o):
    n = len(json.dumps(o))
    for mime, v in (o.get('data') or {}).items():
        if mime.startswith('image/') and mime != 'image/svg+xml' and isinstance(v, str):
            n += len(base64.b64decode(v)) - len(v)
    return n

def _local_paths():
    "Strings that give away this machine: the repository, home and temp folders (each as written and resolved)"
    ps = {str(ROOT), str(Path.home()), tempfile.gettempdir(), '/tmp/'}
    ps |= {str(Path(p).resolve()) for p in list(ps)}
    return sorted((p for p in ps if len(p) > 4), key=len, reverse=True)

def first_line(cell):
    "A cell's first line, to name it in a message"
    lines = ''.join(cell['source']).strip().splitlines()
    return lines[0][:60] if lines else 'empty'

def output_problems(nb:dict, name:str) -> list:
    "What makes a notebook's saved outputs unfit to commit: oversized cells, widget state, local paths"
    probs, paths = [], _local_paths()
    if 'widgets' in nb.get('metadata', {}): probs.append(f'{name}: notebook metadata holds widget state')
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'code' or not c.get('outputs'): continue
        where = f"{name} cell {i} ({first_line(c)})"
        n = sum(_size(o) for o in c['outputs'])
        if n > MAX_OUTPUT:
            probs.append(f'{where}: outputs of {n:,} bytes, over {MAX_OUTPUT:,}: show less or save a smaller figure')
        text = json.dumps(c['outputs'])
        if WIDGET_MIME in text: probs.append(f'{where}: a widget (its state is not saved): show HTML or text instead')
        hits = [p for p in paths if p in text]
        if hits: probs.append(f'{where}: output shows a local path ({hits[0]}): print paths relative to nbs/')
    return probs

def _widget_html(w):
    "The state a widget shows now, as static HTML (the few kinds a progress display is made of)"
    import ipywidgets as W
    if isinstance(w, W.Box):
        flex = 'row' if isinstance(w, W.HBox) else 'column'
        return f'<div style="display:flex;flex-direction:{flex};gap:8px">' + ''.join(map(_widget_html, w.children)) + '</div>'
    if isinstance(w, (W.IntProgress, W.FloatProgress)): return f'<progress value="{w.value}" max="{w.max}"></progress>'
    if isinstance(w, W.HTML): return w.value
    if isinstance(w, W.Label): return html.escape(w.value)
    return f'<pre>{html.escape(repr(w))}</pre>'

def _widget_text(w):
    import ipywidgets as W
    if isinstance(w, W.Box): return ('  ' if isinstance(w, W.HBox) else '\n').join(map(_widget_text, w.children))
    if isinstance(w, (W.IntProgress, W.FloatProgress)): return f'[{w.value}/{w.max}]'
    if isinstance(w, (W.HTML, W.Label)): return re.sub(r'<[^>]+>', ' ', w.value).strip()
    return repr(w)

def freeze_widgets(cell):
    "Replace the widgets a cell displayed with their final state as HTML and text: no widget state is saved"
    from ipywidgets.widgets.widget import _instances
    for o in cell.get('outputs', []):
        ref = (o.get('data') or {}).get(WIDGET_MIME)
        w = _instances.get(ref['model_id']) if ref else None
        if w is not None: o['data'] = {'text/html': _widget_html(w), 'text/plain': _widget_text(w)}

# The worker: runs inside a fresh process started by `execute` (CaptureShell keeps one namespace per process).
def _work(src, dest, skip_flags):
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    nb = read_nb(src)
    shell = CaptureShell(nbs_dir(), mpl_format='png')
    os.chdir(nbs_dir())
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs, c.execution_count = [], None
    ok = True
    try: shell.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or skipped(c.source, skip_flags),
                      postproc=freeze_widgets)
    except BaseException:
        sys.stderr.write(shell.prettytb(fname=src) + '\n'); ok = False
    write_nb(nb, dest)
    return ok

def execute(src:Path, dest:Path, skip_flags=(), threads:int=1):
    "Run notebook `src` top to bottom in a fresh process and write it, with outputs, to `dest`: (ok, log)"
    r = subprocess.run([sys.executable, __file__, '--worker', str(src), str(dest), ' '.join(skip_flags)],
                       cwd=nbs_dir(), env=nb_env(threads), capture_output=True, text=True)
    return r.returncode == 0, r.stdout + r.stderr

def _parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--nb', nargs='*', help='only notebooks whose name contains one of these')
    p.add_argument('--flags', default='', help='tst_flags to run anyway, e.g. "slow" (their outputs are then saved too)')
    p.add_argument('--workers', type=int, default=2, help='notebooks run at once')
    p.add_argument('--threads', type=int, default=1,
                   help='torch/OMP threads per notebook (fixed, so that a rerun repeats the numbers)')
    return p.parse_args(argv)

def main(argv=None):
    a = _parse_args(argv)
    force = a.flags.split(); skip = [f for f in cfg().get('tst_flags', '').split() if f not in force]
    nbs, written, failed = notebooks(a.nb), [], []
    if not nbs: sys.exit(f"execute_nbs: no notebook in {nbs_dir()} matches {a.nb}")
    with tempfile.TemporaryDirectory() as tmp:
        def one(nb):
            t, before = time.time(), nb.read_bytes()
            ok, log = execute(nb, Path(tmp)/nb.name, skip, a.threads)
            if nb.read_bytes() != before: ok, log = False, f'{nb.name} was edited while it ran: not saved, run it again'
            return nb, ok, log, time.time() - t
        with ThreadPoolExecutor(max(1, a.workers)) as ex:
            for nb, ok, log, secs in ex.map(one, nbs):
                out = Path(tmp)/nb.name
                saved = json.loads(out.read_text(encoding='utf-8')) if out.exists() else {'cells': []}
                scrub(saved); ok &= out.exists()
                probs = output_problems(saved, nb.name) if ok else []
                if ok and not probs:
                    nb.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + '\n', encoding='utf-8'); written.append(nb)
                print(f"{'saved' if ok and not probs else 'FAILED'} {nb.name} ({secs:.1f}s)", flush=True)
                if not ok: print('\n'.join('    ' + l for l in log.strip().splitlines()[-40:]), flush=True)
                for p in probs: print('    ' + p, flush=True)
                if not ok or probs: failed.append(nb.name)
    for nb in written:
        r = subprocess.run(['nbdev_clean', '--fname', str(nb)], cwd=ROOT, capture_output=True, text=True)
        if r.returncode: print(r.stdout + r.stderr); failed.append(f'nbdev_clean {nb.name}')
    print(f"{len(written)} saved, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ''))
    sys.exit(1 if failed else 0)

if __name__ == '__main__':
    if sys.argv[1:2] == ['--worker']: sys.exit(0 if _work(sys.argv[2], sys.argv[3], sys.argv[4].split()) else 1)
    main()
