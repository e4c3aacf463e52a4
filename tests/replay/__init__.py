"""Local HTTP servers that implement the Exchange operations the adapters use (EWS SOAP, Graph JSON),
with state in memory, for the integration tests. Imported as ``replay`` (pytest puts tests/ on sys.path)."""
