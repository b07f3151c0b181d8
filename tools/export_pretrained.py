"""Turn the output of `tools/pretrain_lm.py` into the language model that ships in the package (issue 8).

Writes `ulmfit_nb/pretrained/general_en/`: `model.safetensors` (fp16), `vocab.json`, `config.json`
and `MODEL_CARD.md`, which states the corpus (from the build manifest), the training run (from
`run.json` and `log.jsonl`), the measured held-out perplexity and the sha256 of each file.

    python tools/export_pretrained.py [--run DIR] [--corpus DIR] [--dest DIR]
"""
import argparse, hashlib, json, sys

import torch
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ulmfit_nb.data import cache_dir
from ulmfit_nb.awd_lstm import load_lm
from ulmfit_nb.ulmfit import save_pretrained, load_pretrained

def sha256(p: Path) -> str: return hashlib.sha256(p.read_bytes()).hexdigest()

def _extend_reads(extend: dict, n_shards: int) -> str:
    "Which of the training shards the extension read: the unseen ones first, then further passes"
    first, n = extend['first_shard'], extend['extend']
    unseen = max(0, min(n, n_shards - first)) if first < n_shards else 0
    again = n - unseen
    parts = ([f'the {unseen} shards not read yet'] if unseen else []) + \
            ([f'{again} of the {n_shards} shards once more' if again < n_shards else f'all {n_shards} shards once more'] if again else [])
    return ', reading ' + ', then '.join(parts)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--run', default=str(cache_dir()/'pretrain_general_en'))
    ap.add_argument('--corpus', default=str(cache_dir()/'general_en'))
    ap.add_argument('--dest', default=str(ROOT/'ulmfit_nb'/'pretrained'/'general_en'))
    ap.add_argument('--hardware', default='2-core AMD EPYC CPU (torch 2.13.0+cpu), shared with other work')
    a = ap.parse_args(argv)
    run, dest = Path(a.run), Path(a.dest)
    log = [json.loads(l) for l in open(run/'log.jsonl')]
    settings = json.loads((run/'run.json').read_text())
    tokens = json.loads((run/'corpus_tokens.json').read_text())
    manifest = json.loads((Path(a.corpus)/'manifest.json').read_text())
    model, vocab = load_lm(run/'lm')
    last = log[-1]
    anneal = json.loads((run/'run_anneal.json').read_text()) if (run/'run_anneal.json').exists() else None
    extend = json.loads((run/'run_extend.json').read_text()) if (run/'run_extend.json').exists() else None
    # where each stage starts (0-based shard index); runs before `first_shard` was recorded: the anneal follows the
    # planned run's last checkpoint
    if anneal and 'first_shard' not in anneal:
        anneal['first_shard'] = torch.load(run/'checkpoint.pt', weights_only=True)['epoch'] + 1
    stages = [('run', 0, settings['n_epoch'])] + [(n, st['first_shard'], st['first_shard'] + st['n_epoch'])
                                                  for n, st in (('anneal', anneal), ('extend', extend)) if st]
    if anneal: stages[0] = ('run', 0, anneal['first_shard'])   # the planned run stopped where the anneal took over
    if extend and anneal: stages[1] = ('anneal', anneal['first_shard'], extend['first_shard'])
    stage_of = lambda shard: next(n for n, a_, b in stages if a_ <= shard < b)
    stopped_at = anneal['first_shard'] if anneal else None
    finished = last['shard'] + 1 >= stages[-1][2]
    save_pretrained(model, vocab, dest, extra=dict(heldout_perplexity=round(last['valid_ppl'], 2),
                                                   tokens_seen=last['tokens_seen'], trained_on='general_en'))
    load_pretrained(dest)   # it must load back
    files = {fn: sha256(dest/fn) for fn in ('model.safetensors', 'vocab.json', 'config.json')}
    sizes = {fn: (dest/fn).stat().st_size for fn in files}
    per = tokens['per_source']
    src_rows = '\n'.join(f"| {s} | {manifest[s]['docs']:,} | {per[s]['tokens']:,} | {per[s]['heldout_docs']:,} / {per[s]['heldout_tokens']:,} | "
                         f"{manifest[s]['package']} | {manifest[s]['licence']} |" for s in manifest)
    tot = sum(per[s]['tokens'] for s in per)
    log_rows = '\n'.join(f"| {r['shard'] + 1} | {stage_of(r['shard'])} | {r['tokens_seen']:,} | {r['wall_s'] / 60:.1f} | {r['train_loss']:.3f} | "
                         f"{r['valid_loss']:.3f} | {r['valid_ppl']:.1f} | {r['accuracy']:.3f} |" for r in log)
    card = f"""# general_en: the language model shipped with ulmfit_nb

An AWD-LSTM language model of general English, the lesson's tiny configuration
({model.config.emb_sz}/{model.config.n_hid}/{model.config.n_layers}: embedding {model.config.emb_sz}, hidden {model.config.n_hid}, {model.config.n_layers} LSTM layers, tied decoder),
stored in fp16. It is stage 1 of ULMFiT for users who cannot download WikiText-103 weights;
`ulmfit_nb.ulmfit.load_pretrained()` returns it and the main job fine-tunes it by default.

**Held-out perplexity: {last['valid_ppl']:.1f}** (next-token accuracy {last['accuracy']:.1%}) on {sum(per[s]['heldout_tokens'] for s in per):,} tokens of
{sum(per[s]['heldout_docs'] for s in per)} documents held out from training (a seeded 2% of each source's documents), measured
in fp32 after {'the last' if finished else 'an intermediate'} shard of training{'' if finished else ' (the planned run was not finished: see below)'}.
It is a small model trained briefly on a small corpus: the lesson's tiny model on WikiText-103 (103M
tokens, 10 GPU epochs) reached about 35. Do not expect more than fluent fragments from it.

## Corpus ({tot:,} tokens, {sum(manifest[s]['docs'] for s in manifest):,} documents)

Built by `tools/build_corpus.py` from packages that install offline; no classification corpus (BBC
News, fine-food reviews) and no movie review is included. Tokens are those of the package's default
tokenizer (`ulmfit_nb.tokenize.Tokenizer()`, with `xxbos`/`xxeos` and case markers).

| source | documents | tokens | held out (docs / tokens) | taken from | licence |
|---|---|---|---|---|---|
{src_rows}

Vocabulary: the {len(vocab):,} most frequent tokens seen at least {settings['min_freq']} times (special tokens
first); {tokens['unk_share']:.1%} of the corpus's tokens are `xxunk`. The vocabulary was counted over the
whole corpus, held-out part included (only membership, not weights, can leak this way).

## Training

`python tools/pretrain_lm.py --passes {settings['passes']}` (then `python tools/export_pretrained.py`):
AdamW, one-cycle schedule planned over {settings['n_epoch']} shards (lr max {settings['lr']}, pct_start 0.1, betas1 0.8-0.7-0.8), weight decay
{settings['wd']}, dropouts of the lesson times {settings['drop_mult']}, AR/TAR (alpha 2, beta 1), gradient clipping
0.1, bs {settings['bs']}, bptt {settings['bptt']}, seed {settings['seed']}. The training documents are cut into {settings['shards']}
shards of about equal size, one Learner epoch per shard ({settings['batches_per_shard']} batches), with a checkpoint and
a held-out evaluation after each.
{{ANNEAL}}
Hardware: {a.hardware}. Torch threads: {', '.join(f"{n} {st['threads']}" for n, st in (('planned run', settings), ('anneal', anneal), ('extension', extend)) if st)}.
Tokens seen: {last['tokens_seen']:,} ({last['tokens_seen'] / (tot - sum(per[s]['heldout_tokens'] for s in per)):.2f} passes over the training part);
training wall time {last['wall_s'] / 60:.0f} min (evaluations included).

| shard | stage | tokens seen | minutes | train loss | held-out loss | held-out perplexity | held-out accuracy |
|---|---|---|---|---|---|---|---|
{log_rows}

{''.join(f"Shard {r['shard'] + 1}: {r['note']}." + chr(10) for r in log if r.get('note'))}
## Files (sha256)

| file | bytes | sha256 |
|---|---|---|
""" + '\n'.join(f'| `{fn}` | {sizes[fn]:,} | {files[fn]} |' for fn in files) + f"""

Written {date.today().isoformat()} by `tools/export_pretrained.py`. The 07_ulmfit notebook checks these
checksums, loads the files in a fresh process without network and shows a generated continuation.
"""
    card = card.replace('{ANNEAL}', '' if not anneal else (
        f"\nThe machine was shared with other work and the planned run was too slow to finish in the session, so it was "
        f"stopped after shard {stopped_at} and finished with `--anneal {anneal['anneal']}`: from that checkpoint (weights and "
        f"optimizer state), the lr fell from its value there to 1/10,000 of it along a cosine over {anneal['anneal']} more, unseen "
        f"shards ({anneal['threads']} thread{'s' if anneal['threads'] > 1 else ''}).\n") + ('' if not extend else
        f"\nThen `--extend {extend['extend']} --lr {extend['lr']:g}` went on from the final weights with a fresh optimizer and a new "
        f"one-cycle schedule (warm-up over 10% of it from lr {extend['lr'] / 25:.1e} to {extend['lr']:g}, then a cosine "
        f"down to ~0) over {extend['extend']} more shards: shards {extend['first_shard'] + 1}-{extend['first_shard'] + extend['extend']} "
        f"of the run{_extend_reads(extend, settings['shards'])} ({extend['threads']} thread{'s' if extend['threads'] > 1 else ''}).\n"))
    (dest/'MODEL_CARD.md').write_text(card)
    print(card)

if __name__ == '__main__': main()
