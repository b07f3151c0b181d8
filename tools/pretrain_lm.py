"""Pretrain the AWD-LSTM language model on the general-English corpus of `tools/build_corpus.py` (stage 1 of ULMFiT).

A seeded 2% of each source's documents is held out for perplexity; the training documents are cut into
`--shards` parts of about equal token counts, one Learner epoch per shard, with a checkpoint, a line of
`<out>/log.jsonl` and the model in `<out>/lm` after each: an interrupted run resumes where it stopped
when the same command is run again. `--anneal N` finishes a run stopped early (the lr brought down to ~0
over N more shards), `--extend N --lr LR` trains N more shards with a new one-cycle schedule (the shipped
model got `--extend 11 --lr 4e-3`). `--backward` pretrains on the reversed text (the language model of a
backward classifier; recorded in the model's config.json), `--adaptive 2000,6000` uses an adaptive softmax
with those cutoffs (see benchmarks/README.md for where it pays). `--tokenizer sp --sp-vocab 15000` pretrains
on SentencePiece subwords: the model is trained (seeded, cached) on the training documents only and saved as
`tokenizer.model` beside every model of the run; a run folder keeps its tokenizer (another one is refused).
The code and its explanation: `ulmfit_nb.pretrain.pretrain`, notebook 08_pretrain.

    python tools/pretrain_lm.py [--passes 1.25] [--shards 8] [--max-vocab 12000] [--out DIR] [--backward] [--adaptive CUTOFFS]
                                [--tokenizer sp] [--sp-vocab 15000]
"""
from ulmfit_nb.ulmfit import SIZES
from ulmfit_nb.pretrain import pretrain, TOKENIZERS
from ulmfit_nb.cli import run_cli

PARAMS = ['corpus', 'out', 'passes', 'shards', 'max_vocab', 'min_freq', 'config', 'adaptive', 'backward', 'tokenizer', 'sp_vocab',
          'drop_mult', 'lr', 'wd', 'bs', 'bptt', 'seed', 'valid_pct', 'anneal', 'extend', 'threads']

if __name__ == '__main__': run_cli(pretrain, PARAMS, choices=dict(config=list(SIZES), tokenizer=list(TOKENIZERS)))
