"""What the Exchange adapters share: EWS (exchangelib) and Microsoft Graph (httpx + msal) sessions,
outgoing MIME preparation and the mapping of an iCalendar series onto an Exchange event."""
