"""Screening models."""
