train llama-2-7b --precision bf16-mixed --optimizer adamw --micro-batch 1 --seq 4096 --gpus 8 --zero 3 --attention flash --gpu h100-sxm
