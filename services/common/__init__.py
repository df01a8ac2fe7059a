"""Plumbing every service uses (app factory, config, events, outbox, consumer, auth)."""
