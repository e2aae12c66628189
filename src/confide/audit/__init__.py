"""The audit log's app side: an event for every access, stored as a verifiable Merkle log."""
