from django.urls import URLPattern, URLResolver

app_name = "hotline-api"
urlpatterns: list[URLPattern | URLResolver] = [
    # --- calls (hot1) ---
    # --- end calls (hot1) ---
    # --- alerts (hot2) ---
    # --- end alerts (hot2) ---
    # --- callbacks (hot3) ---
    # --- end callbacks (hot3) ---
]
