"""The side-by-side baseline of `./eep bench throughput`: Hugging Face transformers' eager
Qwen3MoeForCausalLM on the same checkpoint and the same requests, batched greedy generation.

Not a dependency of EEP: the bench runs this only where `python3 -c "import transformers"` works,
and records "not measured" otherwise.

Input (JSON file, argv[1]): {"model": DIR, "threads": T, "concurrency": C, "new_tokens": N,
"experts": "eager" | "grouped_mm" | null (transformers' default), "prompts": [[ids...], ...]}. Requests are served in static batches of C (left-padded), the way
`model.generate` batches. Output (stdout, one JSON line): tokens_per_s, seconds, tokens, and the
generated ids of every request (to compare with EEP's).
"""
import json
import sys
import time

import torch
import transformers
from transformers import AutoModelForCausalLM


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(int(spec["threads"]))
    kwargs = {}
    if spec.get("experts"):
        kwargs["experts_implementation"] = spec["experts"]
    model = AutoModelForCausalLM.from_pretrained(spec["model"], dtype=torch.float32, **kwargs)
    model.eval()
    new_tokens = int(spec["new_tokens"])
    batch = int(spec["concurrency"])
    prompts = spec["prompts"]

    def generate(group):
        width = max(len(p) for p in group)
        ids = torch.zeros((len(group), width), dtype=torch.long)
        mask = torch.zeros((len(group), width), dtype=torch.long)
        for i, p in enumerate(group):
            ids[i, width - len(p):] = torch.tensor(p)
            mask[i, width - len(p):] = 1
        with torch.no_grad():
            out = model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                do_sample=False,
                pad_token_id=0,
                eos_token_id=None,
            )
        return [row[width:].tolist() for row in out]

    generate(prompts[: min(batch, len(prompts))])  # warm-up
    generated = []
    t0 = time.perf_counter()
    for start in range(0, len(prompts), batch):
        generated.extend(generate(prompts[start:start + batch]))
    seconds = time.perf_counter() - t0
    tokens = sum(len(g) for g in generated)
    print(json.dumps({
        "tokens_per_s": tokens / seconds,
        "seconds": seconds,
        "tokens": tokens,
        "experts": model.config._experts_implementation,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "generated": generated,
    }))


if __name__ == "__main__":
    main()
