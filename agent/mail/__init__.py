"""Mail: composing (pure) and the mailbox and outbound adapters."""
