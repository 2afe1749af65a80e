"""Every Slack entry point, kept thin: parse, call a bot/ service, render, respond."""
