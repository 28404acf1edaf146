"""Test-only database backends. Flushing tables between transactional tests must empty
the append-only audit table, which its triggers rightly refuse; these backends lift the
triggers for the flush alone and put them back at once. Production never uses them."""
