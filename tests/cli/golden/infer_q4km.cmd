infer llama-3-8b --weights q4_k_m --gpu rtx-4090 --engine hf --batch 1 --prompt 4096 --gen 512
