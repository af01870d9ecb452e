"""Outreach models."""
