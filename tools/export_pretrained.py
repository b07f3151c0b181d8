"""Turn a run of `tools/pretrain_lm.py` into the language model that ships in the package (stage 1 of ULMFiT).

Writes `ulmfit_nb/pretrained/general_en/` (or `--dest`): `model.safetensors` (fp16), `vocab.json`,
`config.json`, `tokenizer.model` (the SentencePiece model of a `--tokenizer sp` run), `SHA256SUMS` and
`MODEL_CARD.md`, which states the tokenizer, the corpus (from the build manifest), the training run
(from the stages' settings and `log.jsonl`), the measured held-out perplexity and the sha256 of each file.
The code and its explanation: `ulmfit_nb.pretrain.export_general`, notebook 08_pretrain. A run folder
from before ulmfit_nb 0.2 (`lm/weights.pt`) is converted first with `ulmfit_nb.awd_lstm.convert_lm_folder`.

    python tools/export_pretrained.py [--run DIR] [--corpus DIR] [--dest DIR] [--hardware TEXT]
"""
from ulmfit_nb.pretrain import export_general
from ulmfit_nb.cli import run_cli

if __name__ == '__main__': run_cli(export_general, ['run', 'corpus', 'dest', 'hardware'])
