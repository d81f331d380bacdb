"""Invitations and reminders by e-mail: when they are due, what they say, how they are sent."""
