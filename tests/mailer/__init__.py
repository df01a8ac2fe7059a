"""Tests of the mailer service."""
