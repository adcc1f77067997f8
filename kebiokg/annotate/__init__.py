"""Linking KB concepts in text: the dictionary, the linker, the sharded runner, gold ids and scoring."""
