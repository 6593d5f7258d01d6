"""Evaluation harness: datasets with gold, field scores, parallel resumable runs, reports, comparisons."""
