#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (quarto, which nbdev_readme needs, is not installable here).

Markdown cells are copied as they are; code cells are shown as Python blocks, except cells with an
nbdev directive that hides them (`#| hide`, `#| export`, `#| default_exp`, ...). `--check` only
compares and exits 1 when README.md differs from what would be written."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'
HIDDEN = ('#| hide', '#| export', '#| exporti', '#| default_exp', '#|hide', '#|export', '#|default_exp')

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    parts = []
    for c in json.loads(Path(nb_path).read_text(encoding='utf-8'))['cells']:
        src = ''.join(c['source']).strip()
        if not src: continue
        if c['cell_type'] == 'markdown': parts.append(src)
        elif c['cell_type'] == 'code' and not any(l.strip().startswith(HIDDEN) for l in src.splitlines()):
            parts.append(f'```python\n{src}\n```')
    return HEADER + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, out = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        ok = out.exists() and out.read_text(encoding='utf-8') == text
        if not ok: print('README.md is not what nbs/index.ipynb says: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    out.write_text(text, encoding='utf-8')
