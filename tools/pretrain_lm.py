"""Pretrain the AWD-LSTM language model on the general-English corpus of `tools/build_corpus.py` (issue 8).

The corpus is tokenised with the package's default tokenizer, a seeded 2% of the documents of each
source is held out for perplexity, and the training documents are cut into `--shards` parts of about
equal token counts. One Learner "epoch" is one shard, so that a checkpoint (weights, optimizer, RNG,
schedule position) is written every few minutes and an interrupted run resumes where it stopped:
run the same command again. After each shard the held-out perplexity is measured and appended to
`<out>/log.jsonl` with the tokens seen and the wall time, and the model is saved to `<out>/lm`.

    python tools/pretrain_lm.py [--passes 1.25] [--shards 8] [--max-vocab 12000] [--out DIR]

Two later stages continue a finished (or stopped) run in the same folder, each with its own checkpoint:
`--anneal N` takes the planned run's last checkpoint and brings the lr down to ~0 over N more shards
(for a run stopped early), and `--extend N --lr LR` trains N more shards from the final weights with a
fresh optimizer and a new one-cycle schedule (a warm restart: the shipped model got `--extend 11 --lr 4e-3`).
"""
import argparse, json, math, os, sys, time
from pathlib import Path

import numpy as np, torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ulmfit_nb.learner import Callback, CheckpointCallback, ParamScheduler, sched_cos, set_seed, default_device
from ulmfit_nb.data import cache_dir, split_mask
from ulmfit_nb.tokenize import tokenize_corpus
from ulmfit_nb.batching import LMDataLoader, TextDataLoaders
from ulmfit_nb.awd_lstm import AWDConfig, tiny_lm_config, lm_learner, save_lm, generate

def read_corpus(folder: Path):
    manifest = json.loads((folder/'manifest.json').read_text())
    texts, sources = [], []
    for src in manifest:
        with open(folder/manifest[src]['file'], encoding='utf-8') as f:
            for line in f: texts.append(json.loads(line)['text']); sources.append(src)
    return texts, np.array(sources), manifest

def balanced_shards(lengths: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    "Documents (indices) dealt into `n` shards of about equal token counts, longest first, in a seeded order"
    order = np.random.default_rng(seed).permutation(len(lengths))
    order = order[np.argsort(-lengths[order], kind='stable')]
    loads, shards = np.zeros(n, np.int64), [[] for _ in range(n)]
    for i in order:
        k = int(loads.argmin()); shards[k].append(i); loads[k] += lengths[i]
    return [np.sort(np.array(s)) for s in shards]

class ShardedLM:
    "A training loader that reads shard `epoch % n` in each Learner epoch; its length is the shortest shard's"
    def __init__(self, loaders): self.loaders, self.shard = loaders, 0
    def __len__(self): return min(len(dl) for dl in self.loaders)
    def __iter__(self):
        dl = self.loaders[self.shard % len(self.loaders)]
        for i, b in enumerate(dl):
            if i >= len(self): break
            yield b
    @property
    def last_seq_len(self): return self.loaders[self.shard % len(self.loaders)].last_seq_len

class PickShard(Callback):
    order = -5
    def __init__(self, offset=0): self.offset = offset
    def before_epoch(self): self.dls.train.shard = self.epoch + self.offset

class LogShard(Callback):
    "After each shard: held-out loss and perplexity, tokens seen, wall time -> log.jsonl; the model -> out/lm"
    order = 90
    def __init__(self, out: Path, bs: int, bptt: int, offset: int = 0, batches_before: int = 0):
        self.out, self.bs, self.bptt, self.offset, self.batches_before = out, bs, bptt, offset, batches_before
    def after_epoch(self):
        rec = dict(self.recorder.log)   # epoch, train_loss, valid_loss, metrics, time of the epoch just finished
        prev = [json.loads(l) for l in open(self.out/'log.jsonl')] if (self.out/'log.jsonl').exists() else []
        rec.update(shard=self.epoch + self.offset, tokens_seen=int((self.batches_before + self.train_iter) * self.bs * self.bptt),
                   wall_s=round((prev[-1]['wall_s'] if prev else 0.) + float(rec['time']), 1),
                   valid_ppl=math.exp(rec['valid_loss']), lr=self.opt.param_groups[-1]['lr'])
        with open(self.out/'log.jsonl', 'a') as f: f.write(json.dumps(rec) + '\n')
        save_lm(self.model, self.dls.vocab, self.out/'lm')
        print(json.dumps(rec), flush=True)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--corpus', default=str(cache_dir()/'general_en'))
    ap.add_argument('--out', default=str(cache_dir()/'pretrain_general_en'))
    ap.add_argument('--passes', type=float, default=1.25, help='passes over the training documents')
    ap.add_argument('--shards', type=int, default=8)
    ap.add_argument('--max-vocab', type=int, default=12000)
    ap.add_argument('--min-freq', type=int, default=3)
    ap.add_argument('--config', choices=['tiny', 'paper'], default='tiny')
    ap.add_argument('--drop-mult', type=float, default=0.1)
    ap.add_argument('--lr', type=float, default=5e-3)
    ap.add_argument('--wd', type=float, default=0.1)
    ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--bptt', type=int, default=70)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--valid-pct', type=float, default=0.02)
    ap.add_argument('--anneal', type=int, default=0,
                    help='instead of the planned run: take its last checkpoint and anneal the lr to ~0 (cosine) over this many more shards')
    ap.add_argument('--extend', type=int, default=0,
                    help='after the planned run (and its anneal, if any): train this many more shards from its final weights, '
                         'with a new one-cycle schedule peaking at --lr (a warm restart)')
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s choice)')
    a = ap.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    set_seed(a.seed)
    texts, sources, manifest = read_corpus(Path(a.corpus))
    store = tokenize_corpus(texts, max_vocab=a.max_vocab, min_freq=a.min_freq, n_workers=2, mp_context='fork')
    lengths = np.diff(store.offsets)
    is_valid = split_mask(len(texts), a.valid_pct, a.seed, groups=sources)
    per_src = {s: dict(docs=int((sources == s).sum()), tokens=int(lengths[sources == s].sum()),
                       heldout_docs=int((is_valid & (sources == s)).sum()), heldout_tokens=int(lengths[is_valid & (sources == s)].sum()))
               for s in manifest}
    (out/'corpus_tokens.json').write_text(json.dumps(dict(per_source=per_src, vocab=len(store.vocab),
                                                          unk_share=float((np.asarray(store.ids) == store.vocab.unk_id).mean())), indent=1))
    print(json.dumps(per_src, indent=1), flush=True)
    train_docs = np.flatnonzero(~is_valid)
    shards = balanced_shards(lengths[train_docs], a.shards, a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    trn = ShardedLM([LMDataLoader(store.ids, store.offsets, train_docs[s], a.bs, a.bptt, shuffle=True, generator=gen) for s in shards])
    val = LMDataLoader(store.ids, store.offsets, is_valid, a.bs, a.bptt)
    dls = TextDataLoaders(trn, val, store.vocab)
    n_epoch = max(1, round(a.passes * a.shards))
    cfg = tiny_lm_config if a.config == 'tiny' else AWDConfig()
    if a.anneal and a.extend: ap.error('--anneal and --extend are separate stages: run one, then the other')
    stage = 'anneal' if a.anneal else 'extend' if a.extend else 'run'
    # the finished stages before this one, in order: the shards they read and the batches they trained
    before = {'run': [], 'anneal': ['checkpoint.pt'], 'extend': ['checkpoint.pt', 'anneal.pt']}[stage]
    offset = batches_before = 0
    for fname in before:
        if not (out/fname).exists():
            if fname == 'anneal.pt': continue   # a planned run that finished needs no anneal
            sys.exit(f'--{stage} continues a finished run, but {out/fname} does not exist: run the plain command first')
        st = torch.load(out/fname, weights_only=True)
        offset, batches_before = offset + st['epoch'] + 1, batches_before + st['train_iter']
    learn = lm_learner(dls, cfg, drop_mult=a.drop_mult, path=out, progress='text', wd=a.wd,
                       cbs=[PickShard(offset), LogShard(out, a.bs, a.bptt, offset, batches_before)])
    print(f'{len(store.vocab):,} tokens in vocab; {int(lengths[train_docs].sum()):,} training tokens in {a.shards} shards of '
          f'{len(trn)} batches; {n_epoch} shard-epochs; held-out {int(lengths[is_valid].sum()):,} tokens; '
          f'threads {torch.get_num_threads()}', flush=True)
    if a.extend: n_epoch = a.extend
    (out/('run.json' if stage == 'run' else f'run_{stage}.json')).write_text(json.dumps(dict(vars(a), n_epoch=n_epoch, first_shard=offset, batches_per_shard=len(trn), device=str(default_device()),
                                                torch=torch.__version__, threads=torch.get_num_threads()), indent=1))
    if a.anneal:
        # the planned one-cycle run stopped early (time ran out): continue from its last checkpoint, weights and
        # optimizer state, with the lr falling from where the schedule had it to ~0 over `anneal` more shards
        learn.model.load_state_dict(st['model']); learn.create_opt(); learn.opt.load_state_dict(st['opt'])
        lr_now = learn.opt.param_groups[-1]['lr']
        print(f'annealing from shard {offset + 1}, lr {lr_now:.2e} -> {lr_now / 1e4:.2e} over {a.anneal} shards', flush=True)
        learn.fit(a.anneal, lr=lr_now, cbs=[ParamScheduler({'lr': sched_cos(lr_now, lr_now / 1e4), 'mom': sched_cos(0.75, 0.8)}),
                                            CheckpointCallback('anneal.pt')])
    elif a.extend:
        # a warm restart: the weights of the last stage, a fresh optimizer and a new one-cycle schedule; the shards
        # go on where the last stage stopped (unseen ones first, then a second pass)
        learn.model.load_state_dict(st['model'])
        print(f'extending from shard {offset + 1} for {a.extend} shards, one-cycle to lr {a.lr:.1e}', flush=True)
        learn.fit_one_cycle(a.extend, a.lr, moms=(0.8, 0.7, 0.8), pct_start=0.1, cbs=[CheckpointCallback('extend.pt')])
    else:
        learn.fit_one_cycle(n_epoch, a.lr, moms=(0.8, 0.7, 0.8), pct_start=0.1, cbs=[CheckpointCallback('checkpoint.pt')])
    for p in ['It is the duty of', 'The government said on Tuesday that', 'The history of the']:
        print(repr(generate(learn.model, store.vocab, p, 30, temperature=0.8, top_k=40, seed=0)), flush=True)

if __name__ == '__main__': main()
