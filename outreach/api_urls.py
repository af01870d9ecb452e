from django.urls import URLPattern, URLResolver

app_name = "outreach-api"
urlpatterns: list[URLPattern | URLResolver] = [
    # --- out1 --- events, attendance
    # --- end out1 ---
    # --- out2 ---
    # --- end out2 ---
]
