"""The hotline's services, one module per subject (each importing only those below it).

Three engineers share this file: keep additions inside your block."""

# --- calls (hot1) ---
# --- end calls (hot1) ---

# --- alerts, rota (hot2) ---
# --- end alerts, rota (hot2) ---

# --- callbacks, handover (hot3) ---
# --- end callbacks, handover (hot3) ---
