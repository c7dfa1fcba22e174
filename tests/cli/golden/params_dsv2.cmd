params deepseek-v2-lite --tensors
