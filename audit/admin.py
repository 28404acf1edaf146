"""The audit log is not in the Django admin at all: the DPO's pages (``dpo``) are the
one way to read it, and each read there is itself an event. An admin view of the log
would let an administrator read every jobcenter's events without leaving a trace."""
