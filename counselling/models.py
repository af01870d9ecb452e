"""Counselling models."""
