"""From a response to a person who acts: evaluation, notices, escalation, acks."""
