"""Getting a message out exactly once: the ledger, link messages, reminders, the delivery log."""
