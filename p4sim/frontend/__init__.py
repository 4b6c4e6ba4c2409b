"""Compiler front end: preprocess -> parse -> resolve/type-check -> typed IR."""
