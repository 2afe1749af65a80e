"""Pure Block Kit builders: data in, dict out. No client, no session, no environment."""
