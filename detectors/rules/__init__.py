"""The rules' code, one module per family, beside their dated data (``*.toml``, ``calendar.toml``)."""
