"""The service: a REST API (FastAPI) and a Gradio demo over the same library calls."""
