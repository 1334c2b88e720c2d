"""Real local stand-ins for external services (Mailchimp) used by tests and benchmarks."""
