"""The review app: investigators of the Trade Promotion Department see findings with their evidence,
decide on them and export cases. Server-rendered (FastAPI + Jinja); ``create_app`` builds it."""
