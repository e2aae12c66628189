"""The practice calendar: day and week views, clinicians' availability, the client's upcoming sessions."""
