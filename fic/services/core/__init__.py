"""What every feature uses: access policy, audit trail, vault, outbox, readiness."""
