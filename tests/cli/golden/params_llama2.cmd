params llama-2-7b
