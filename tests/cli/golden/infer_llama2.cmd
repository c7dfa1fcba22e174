infer llama-2-7b --batch 8 --prompt 2048 --gen 256 --weights fp16 --kv-dtype fp16 --gpu a100-80gb
