#!/usr/bin/env python
"""Build the documentation site from the notebooks, offline: `python tools/build_docs.py` writes `_docs/`.

One page per notebook in lesson order (the sidebar), README.md as the home page. The pages show the outputs
committed in the notebooks (nothing is executed). Cells flagged `#| hide` are left out and nbdev directives
are removed from the code shown. After each exported cell comes the documentation of every public name it
defines (`__all__` of its module, and methods added with `@patch`): its signature, its docstring and, when
its parameters are documented next to the code (fastcore docments), a table of them. Built with Sphinx,
myst-nb and the furo theme (docs/conf.py).

`--check` then opens every page in a headless Chromium (`browser_check`): no console error, no failed
request, every image rendered, as many images as the notebook has image outputs, every link between pages
resolving (file and anchor). `--screenshots` saves the home page and 07_ulmfit to docs/screenshots/.
"""
import argparse, ast, importlib, inspect, io, json, os, re, shutil, subprocess, sys, tempfile, threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse
from fastcore.docments import docments
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
from execute_nbs import cfg, directives, notebooks

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync']
SCREENSHOTS = {'index.html': 'home.png', '07_ulmfit.html': '07_ulmfit.png'}

# --- the API entries ---------------------------------------------------------------------------------------
def _code(src):
    "A cell's source without directive lines and IPython magics, for `ast`"
    return '\n'.join(l for l in src.splitlines() if not re.match(r'\s*(#\s*\||%|!)', l))

def defined_names(src):
    "Top-level names a cell defines, in order, with `Class.method` for functions added by `@patch`"
    try: tree = ast.parse(_code(src))
    except SyntaxError: return []
    names = []
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            deco = [d.func if isinstance(d, ast.Call) else d for d in getattr(n, 'decorator_list', [])]
            ann = n.args.args[0].annotation if isinstance(n, ast.FunctionDef) and n.args.args else None
            if any(isinstance(d, ast.Name) and d.id == 'patch' for d in deco) and isinstance(ann, ast.Name):
                names.append(f'{ann.id}.{n.name}')
            else: names.append(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                names += [e.id for e in ast.walk(t) if isinstance(e, ast.Name)]
    return names

def _anno(a):
    if a is inspect.Parameter.empty or a is None: return ''
    return a if isinstance(a, str) else getattr(a, '__name__', None) or repr(a).replace('typing.', '')

def _value(v):
    "A default value as code: classes and functions by name, no memory addresses"
    if inspect.isclass(v) or inspect.isroutine(v): return getattr(v, '__qualname__', getattr(v, '__name__', repr(v)))
    return re.sub(r' at 0x[0-9a-fA-F]+', '', repr(v))

def _params(sig):
    P, out, star = inspect.Parameter, [], False
    for p in sig.parameters.values():
        if p.name == 'self': continue
        if p.kind == P.KEYWORD_ONLY and not star: out.append('*'); star = True
        s = {P.VAR_POSITIONAL: '*', P.VAR_KEYWORD: '**'}.get(p.kind, '') + p.name
        star |= p.kind == P.VAR_POSITIONAL
        if p.annotation is not P.empty: s += f': {_anno(p.annotation)}'
        if p.default is not P.empty: s += (' = ' if p.annotation is not P.empty else '=') + _value(p.default)
        out.append(s)
    return out

def signature(obj, name):
    "`name(params) -> returns`, one parameter a line when it is long"
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return None
    ps = _params(sig)
    ret = f' -> {_anno(sig.return_annotation)}' if _anno(sig.return_annotation) not in ('', 'None') else ''
    one = f"{name}({', '.join(ps)}){ret}"
    return one if len(one) <= 96 else f"{name}(\n" + ''.join(f'    {p},\n' for p in ps) + f"){ret}"

def _cell(s): return s.replace('|', '\\|').replace('\n', ' ')

def api_markdown(obj, name, level):
    "The documentation of `obj`: a heading, its signature, its docstring, its docments table"
    out = [f"{'#' * level} {name}", '']
    if callable(obj):
        sig = signature(obj, name.split('.')[-1])
        if sig: out += ['```python', sig, '```', '']
        doc = inspect.getdoc(obj)
        if doc and not (inspect.isclass(obj) and doc == inspect.getdoc(type(obj))): out += [doc, '']
        try: d = {k: v for k, v in docments(obj, full=True).items() if k not in ('self', 'return')}
        except (TypeError, OSError): d = {}  # no Python source to read (a builtin, a C extension)
        if any(v['docment'] for v in d.values()):
            fmt = lambda v: '' if v is inspect.Parameter.empty else f'`{_value(v)}`'
            out += ['| parameter | type | default | details |', '|---|---|---|---|']
            out += [f"| `{k}` | {_cell(_anno(v['anno']))} | {_cell(fmt(v['default']))} | {_cell(v['docment'] or '')} |"
                    for k, v in d.items()]
            out.append('')
    else:
        r = repr(obj)
        out += ['```python', f'{name}: {type(obj).__name__}' + (f' = {r}' if len(r) <= 80 else ''), '```', '']
    return '\n'.join(out)

# --- the pages ---------------------------------------------------------------------------------------------
def show_doc_names(src):
    "The dotted names a cell made only of `show_doc(name)` calls documents, else None"
    try: tree = ast.parse(_code(src))
    except SyntaxError: return None
    names = []
    for n in tree.body:
        call = n.value if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) else None
        if not (call and isinstance(call.func, ast.Name) and call.func.id == 'show_doc' and call.args): return None
        try: names.append(ast.unparse(call.args[0]))
        except Exception: return None
    return names or None

def _resolve(module, name):
    obj = module
    for part in name.split('.'):
        if not hasattr(obj, part): return None
        obj = getattr(obj, part)
    return obj

def _no_rules(o):
    "An output whose markdown has no horizontal rules (docutils accepts them only at the top level of a page)"
    md = (o.get('data') or {}).get('text/markdown')
    if md is None: return o
    md = ''.join(md) if isinstance(md, list) else md
    return dict(o, data=dict(o['data'], **{'text/markdown': re.sub(r'^\s*(---+|\*\*\*+)\s*$', '', md, flags=re.M)}))

def _md_cell(src): return {'cell_type': 'markdown', 'metadata': {}, 'source': src}

def doc_notebook(nb, module=None):
    "Notebook `nb` (a dict) made into a page: hidden cells dropped, directives removed, API entries inserted"
    cells, level, documented = [], 2, []
    srcs = [''.join(c['source']) for c in nb['cells']]
    called = {n for c, src in zip(nb['cells'], srcs) if c['cell_type'] == 'code' for n in show_doc_names(src) or []}
    for c, src in zip(nb['cells'], srcs):
        if c['cell_type'] == 'markdown':
            hs = re.findall(r'^(#{1,5}) ', src, flags=re.M)
            if hs: level = min(len(hs[-1]) + 1, 6)
            cells.append(c); continue
        if c['cell_type'] != 'code': continue
        d = directives(src)
        if 'hide' in d: continue
        sd = show_doc_names(src) if module else None
        if sd and all(_resolve(module, n) is not None for n in sd):  # the notebook's own show_doc: our entry in its place
            cells += [_md_cell(api_markdown(_resolve(module, n), n, level)) for n in sd]
            documented += [n for n in sd if n not in documented]
            continue
        shown = '\n'.join(l for l in src.splitlines() if not re.match(r'\s*#\s*\|', l)).strip('\n')
        if not shown and not c.get('outputs'): continue
        cells.append(dict(c, source=shown, metadata={}, outputs=[_no_rules(o) for o in c.get('outputs', [])]))
        if module and ('export' in d or 'exporti' in d):
            for n in defined_names(src):
                obj = _resolve(module, n)
                public = n.split('.')[0] in getattr(module, '__all__', [])
                if not public or n in documented or n in called or obj is None: continue
                cells.append(_md_cell(api_markdown(obj, n, level))); documented.append(n)
    for i, c in enumerate(cells): c['id'] = f'cell-{i}'
    meta = {k: v for k, v in nb.get('metadata', {}).items() if k in ('kernelspec', 'language_info')}
    return dict(nb, cells=cells, nbformat_minor=5, metadata=meta), documented

def prepare(src_dir:Path, paths=None):
    "Write the Sphinx source folder: conf.py, the home page from README.md, one page per notebook"
    src_dir.mkdir(parents=True, exist_ok=True)
    for f in ('conf.py', 'favicon.svg'): shutil.copy(ROOT/'docs'/f, src_dir/f)
    pages, missing = [], []
    for p in paths or notebooks():
        if p.name == cfg().get('readme_nb', 'index.ipynb'): continue
        nb = json.loads(p.read_text(encoding='utf-8'))
        exp = next((directives(''.join(c['source']))['default_exp'][0] for c in nb['cells']
                    if c['cell_type'] == 'code' and 'default_exp' in directives(''.join(c['source']))), None)
        module = importlib.import_module(f"{cfg()['lib_name']}.{exp}") if exp else None
        page, documented = doc_notebook(nb, module)
        if module:  # names it re-exports from a module above are documented there
            own = lambda n: getattr(getattr(module, n), '__module__', module.__name__) == module.__name__
            missing += [f'{p.name}: {n}' for n in module.__all__ if own(n) and n not in documented]
        (src_dir/p.name).write_text(json.dumps(page, indent=1, ensure_ascii=False), encoding='utf-8')
        pages.append(p.stem)
    readme = (ROOT/'README.md').read_text(encoding='utf-8')
    readme = re.sub(r'\A<!--.*?-->\s*', '', readme, flags=re.S)
    toc = '\n\n```{toctree}\n:hidden:\n:caption: Lessons\n\n' + '\n'.join(pages) + '\n```\n'
    (src_dir/'index.md').write_text(readme + toc, encoding='utf-8')
    return pages, missing

def build(out:Path=ROOT/'_docs', paths=None):
    "Build the site into `out`: (ok, log). Fails on a Sphinx warning and on a public name left undocumented"
    with tempfile.TemporaryDirectory() as d:  # built inside it: myst-nb writes a jupyter_execute/ beside the site
        pages, missing = prepare(Path(d)/'src', paths)
        cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-W', '--keep-going',
               '-d', str(Path(d)/'doctrees'), str(Path(d)/'src'), str(Path(d)/'site')]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if out.exists(): shutil.rmtree(out)
        if (Path(d)/'site').exists(): shutil.copytree(Path(d)/'site', out)
    log = (r.stdout + r.stderr).strip()
    if missing: log += '\npublic names with no entry (defined outside an exported cell?): ' + ', '.join(missing)
    return r.returncode == 0 and not missing, log

# --- the browser test --------------------------------------------------------------------------------------
def find_chromium():
    "The Chromium-family browser to drive: $CHROMIUM, else the first of the usual names on PATH"
    for c in [os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']:
        if c and shutil.which(c): return shutil.which(c)
    return None

class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

def _ids(path):
    text = path.read_text(encoding='utf-8', errors='replace')
    return set(re.findall(r'\bid="([^"]+)"', text)) | set(re.findall(r'\bname="([^"]+)"', text))

def _image_outputs(page, nb_dir):
    nb = Path(nb_dir)/(Path(page).stem + '.ipynb')
    if not nb.exists() or Path(page).stem == 'index': return 0
    cells = [c for c in json.loads(nb.read_text(encoding='utf-8'))['cells'] if 'hide' not in directives(''.join(c['source']))]
    return sum(any(m.startswith('image/') for m in o.get('data', {})) for c in cells for o in c.get('outputs', []))

def _save_small(png:bytes, path:Path):
    "A screenshot as a 128-colour PNG: a third of the bytes, and text still crisp"
    Image.open(io.BytesIO(png)).convert('RGB').quantize(colors=128).save(path, optimize=True)

def browser_check(site:Path, screenshots:Path=None, nb_dir:Path=ROOT/cfg()['nbs_path']):
    "Open every page of `site` in headless Chromium; return the problems found (empty: all good)"
    exe = find_chromium()
    if not exe: return ['no Chromium found: install it (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/chrome']
    try: from playwright.sync_api import sync_playwright
    except ImportError: return ['playwright is not installed: pip install -e ".[dev]"']
    site, probs, ids = Path(site).resolve(), [], {}
    pages = sorted(str(p.relative_to(site)) for p in site.rglob('*.html'))
    if 'index.html' not in pages: return [f'{site}: no index.html']
    srv = ThreadingHTTPServer(('127.0.0.1', 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{srv.server_address[1]}/'
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={'width': 1280, 'height': 900})
            errors = []
            page.on('console', lambda m: errors.append(f'console {m.type}: {m.text}') if m.type == 'error' else None)
            page.on('pageerror', lambda e: errors.append(f'script error: {e}'))
            page.on('requestfailed', lambda r: errors.append(f'request failed: {r.url} ({r.failure})'))
            page.on('response', lambda r: errors.append(f'HTTP {r.status}: {r.url}') if r.status >= 400 else None)
            for name in pages:
                errors.clear()
                resp = page.goto(base + name, wait_until='load')
                page.wait_for_load_state('networkidle')
                if not resp or resp.status != 200: probs.append(f'{name}: HTTP {resp and resp.status}')
                probs += [f'{name}: {e}' for e in errors]
                imgs = page.eval_on_selector_all(
                    'img', 'els => els.map(e => [e.getAttribute("src"), e.complete && e.naturalWidth > 0])')
                probs += [f'{name}: image not rendered: {src}' for src, ok in imgs if not ok]
                want = _image_outputs(name, nb_dir)
                if len(imgs) < want: probs.append(f'{name}: {len(imgs)} images, the notebook has {want} image outputs')
                for href in page.eval_on_selector_all('a[href]', 'els => els.map(e => e.href)'):
                    u = urlparse(href)
                    if not href.startswith(base): continue
                    target = site/unquote(u.path[len(urlparse(base).path):] or 'index.html')
                    if target.is_dir(): target = target/'index.html'
                    if not target.is_file(): probs.append(f'{name}: link to a missing page: {href}'); continue
                    if u.fragment and target.suffix == '.html':
                        if target not in ids: ids[target] = _ids(target)
                        if unquote(u.fragment) not in ids[target]: probs.append(f'{name}: link to a missing anchor: {href}')
                if screenshots and name in SCREENSHOTS:
                    screenshots.mkdir(parents=True, exist_ok=True)
                    _save_small(page.screenshot(), screenshots/SCREENSHOTS[name])
            browser.close()
    finally: srv.shutdown()
    return probs

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=str(ROOT/'_docs'), help='folder to write the site to (replaced)')
    p.add_argument('--check', action='store_true', help='then test every page in headless Chromium')
    p.add_argument('--screenshots', action='store_true', help='with --check: save docs/screenshots/home.png and 07_ulmfit.png')
    a = p.parse_args(argv)
    ok, log = build(Path(a.out))
    if log: print(log)
    if not ok: sys.exit('build_docs: the site did not build cleanly (above)')
    print(f'site written to {a.out} (open {Path(a.out)/"index.html"})')
    if a.check or a.screenshots:
        probs = browser_check(Path(a.out), ROOT/'docs'/'screenshots' if a.screenshots else None)
        print('\n'.join(probs) or 'browser check: every page loads without errors, images render, links resolve')
        sys.exit(1 if probs else 0)

if __name__ == '__main__': main()
