"""A tiny randomly initialised causal LM and a tokenizer trained here: constrained decoding without real weights."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_tiny_model(folder: Path, seed: int) -> Path:
    """Save a 1-layer Llama with random weights and a byte-level BPE tokenizer trained on the repo's texts."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<unk>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "schemas").glob("*.json"))]
    tokenizer.train_from_iterator(texts + [(ROOT / "prompts" / "default.j2").read_text(encoding="utf-8")], trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192,
                         bos_token_id=1, eos_token_id=2)
    folder.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(folder)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder
