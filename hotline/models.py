"""Hotline models."""
