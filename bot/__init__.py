"""mentorbot: the Slack-free core, configuration, app factory, CLI and scheduler."""
