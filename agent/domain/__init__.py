"""The domain: frozen values shared by the pure core and the adapters."""
