"""Talking to the model: one async interface (`LLM`), backends behind a registry."""
