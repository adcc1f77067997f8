"""Pretraining KeBioLM: the data pipeline, the tokenizer trainer, the training loop."""
