"""Who sees which hotline record, decided here and nowhere else.

Three engineers share this file: keep additions inside your block."""

from __future__ import annotations

# --- calls (hot1) ---
# --- end calls (hot1) ---

# --- alerts, rota (hot2) ---
# --- end alerts, rota (hot2) ---

# --- callbacks, handover (hot3) ---
# --- end callbacks, handover (hot3) ---
