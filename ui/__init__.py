"""The Streamlit UI\x27s pages and shared helpers (app.py draws them)."""
